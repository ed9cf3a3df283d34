package fetch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cloudsoda/go-smb2"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// KerberosOptions selects Kerberos instead of NTLM: set Keytab or
// CredentialCache.
type KerberosOptions struct {
	Keytab          string `yaml:"keytab"`           // keytab file holding the SMB user's key
	CredentialCache string `yaml:"credential_cache"` // credential cache (as kinit writes it), instead of a keytab
	Krb5Conf        string `yaml:"krb5_conf"`        // krb5.conf; /etc/krb5.conf when empty
	Realm           string `yaml:"realm"`            // the user's realm; krb5.conf's default_realm, else the domain, when empty
	// SPN is the service principal of a host, with {host} standing for its
	// name; "cifs/{host}" when empty.
	SPN string `yaml:"spn"`
}

// DefaultKrb5Conf is where krb5.conf is looked for when none is named.
const DefaultKrb5Conf = "/etc/krb5.conf"

func (k KerberosOptions) enabled() bool { return k.Keytab != "" || k.CredentialCache != "" }

// kerberosLogon holds the ticket-granting ticket shared by every host's
// session; each session gets its own initiator, which keeps per-session
// keys.
type kerberosLogon struct {
	client *client.Client
	spn    string
}

func newKerberosLogon(user, domain string, opts KerberosOptions) (*kerberosLogon, error) {
	if opts.Keytab != "" && opts.CredentialCache != "" {
		return nil, errors.New("cannot use both a Kerberos keytab and a credential cache: choose one")
	}
	confPath := opts.Krb5Conf
	if confPath == "" {
		confPath = DefaultKrb5Conf
	}
	conf, err := config.Load(confPath)
	if err != nil {
		return nil, fmt.Errorf("cannot read Kerberos configuration %s: %w", confPath, err)
	}
	spn := opts.SPN
	if spn == "" {
		spn = "cifs/{host}"
	}
	if !strings.Contains(spn, "{host}") {
		return nil, fmt.Errorf("invalid Kerberos SPN %q: it must contain {host}", spn)
	}
	cl, err := kerberosClient(user, domain, opts, conf)
	if err != nil {
		return nil, err
	}
	return &kerberosLogon{client: cl, spn: spn}, nil
}

func kerberosClient(user, domain string, opts KerberosOptions, conf *config.Config) (*client.Client, error) {
	if opts.CredentialCache != "" {
		cc, err := credentials.LoadCCache(opts.CredentialCache)
		if err != nil {
			return nil, fmt.Errorf("cannot read Kerberos credential cache %s: %w", opts.CredentialCache, err)
		}
		cl, err := client.NewFromCCache(cc, conf, client.DisablePAFXFAST(true))
		if err != nil {
			return nil, fmt.Errorf("cannot use Kerberos credential cache %s: %w", opts.CredentialCache, err)
		}
		return cl, nil
	}
	kt, err := keytab.Load(opts.Keytab)
	if err != nil {
		return nil, fmt.Errorf("cannot read Kerberos keytab %s: %w", opts.Keytab, err)
	}
	realm := opts.Realm
	if realm == "" {
		realm = conf.LibDefaults.DefaultRealm
	}
	if realm == "" {
		realm = strings.ToUpper(domain)
	}
	if realm == "" {
		return nil, errors.New("no Kerberos realm: set it, or default_realm in krb5.conf")
	}
	user, _, _ = strings.Cut(user, "@")
	cl := client.NewWithKeytab(user, realm, kt, conf, client.DisablePAFXFAST(true))
	if err := cl.Login(); err != nil {
		return nil, fmt.Errorf("cannot log on to Kerberos realm %s as %s with keytab %s: %w", realm, user, opts.Keytab, err)
	}
	return cl, nil
}

func (k *kerberosLogon) initiator(host string) smb2.Initiator {
	return &smb2.Krb5Initiator{Client: k.client, TargetSPN: strings.ReplaceAll(k.spn, "{host}", host)}
}
