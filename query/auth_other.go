//go:build !windows

package query

import "net/url"

// windowsParams: off Windows the running account is the one whose
// Kerberos tickets sit in the credential cache (kinit, or a keytab renewed
// by k5start or sssd).
func (c Config) windowsParams(q url.Values) *url.Userinfo {
	q.Set("authenticator", "krb5")
	if c.Krb5Conf != "" {
		q.Set("krb5-configfile", c.Krb5Conf)
	}
	if c.CredentialCache != "" {
		q.Set("krb5-credcachefile", c.CredentialCache)
	}
	if c.ServerSPN != "" {
		q.Set("ServerSPN", c.ServerSPN)
	}
	return nil
}
