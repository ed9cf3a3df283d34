package query

import "net/url"

// windowsParams: on Windows the running account logs in through SSPI.
func (c Config) windowsParams(q url.Values) *url.Userinfo {
	q.Set("authenticator", "winsspi")
	if c.ServerSPN != "" {
		q.Set("ServerSPN", c.ServerSPN)
	}
	return nil
}
