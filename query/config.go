package query

import (
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Drivers.
const (
	DriverSQLServer = "sqlserver"
	DriverSQLite    = "sqlite" // the embedded demo site database
)

// Authentication methods for SQL Server.
const (
	AuthSQL      = "sql"      // SQL login: user and password
	AuthWindows  = "windows"  // the running account: SSPI on Windows, the Kerberos credential cache elsewhere
	AuthKerberos = "kerberos" // a keytab (user, realm) or a credential cache, with krb5.conf
	AuthNTLM     = "ntlm"     // DOMAIN\user and password
)

// Config says how to reach the site database. Start from DefaultConfig:
// the zero value of a few fields is not their default.
type Config struct {
	Driver string // sqlserver or sqlite
	Path   string // sqlite: the database file

	Server   string // host name or address
	Port     int    // 0: 1433, or the SQL Browser's answer for Instance
	Instance string // named instance, found through the SQL Browser when Port is 0
	Database string // SMS_<site code>

	Auth            string // sql, windows, kerberos, ntlm
	User            string // sql login, DOMAIN\user (ntlm), user name (kerberos with a keytab)
	Password        string // resolved from the environment or a file by the caller; never logged
	Keytab          string // kerberos: keytab file
	Krb5Conf        string // kerberos, windows off Windows: krb5.conf; empty: KRB5_CONFIG or /etc/krb5.conf
	CredentialCache string // kerberos, windows off Windows: credential cache file; empty: KRB5CCNAME
	Realm           string // kerberos with a keytab: the realm; empty: krb5.conf's default
	ServerSPN       string // kerberos: the server's SPN; empty: MSSQLSvc/host:port

	Encrypt                string // true (default), strict (TDS 8), false (login packet only), disable
	TrustServerCertificate bool   // accept any certificate: for tests only
	CAFile                 string // the site's own CA (or the server certificate), PEM or DER
	HostNameInCertificate  string // the name the certificate carries, when it is not Server
	TLSMin                 string // 1.0, 1.1, 1.2, 1.3; empty: the driver's default (1.2)

	ConnectTimeout time.Duration // dial and login; default 30 s
	QueryTimeout   time.Duration // one query, all rows read; default 10 min
	ReadOnlyIntent bool          // ApplicationIntent=ReadOnly (routes to a readable secondary); default true
	AppName        string        // default smsfail
	Retries        int           // further tries after a transient error; default 3
	RetryWait      time.Duration // first wait between tries, doubled each time; default 1 s

	Logger *slog.Logger // where records kept with doubts are explained; nil: discarded
}

// DefaultConfig returns the defaults: SQL Server, encrypted with the
// certificate checked, read-only intent, three retries.
func DefaultConfig() Config {
	return Config{
		Driver:         DriverSQLServer,
		Auth:           AuthSQL,
		Encrypt:        "true",
		ConnectTimeout: 30 * time.Second,
		QueryTimeout:   10 * time.Minute,
		ReadOnlyIntent: true,
		AppName:        "smsfail",
		Retries:        3,
		RetryWait:      time.Second,
	}
}

// ConfigError is a configuration value that cannot work. Key is the name
// of the setting under the site database's configuration section.
type ConfigError struct {
	Key string
	Msg string
}

func (e *ConfigError) Error() string { return "site database setting " + e.Key + ": " + e.Msg }

func configErr(key, format string, args ...any) error {
	return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Target names the database for messages: server, port or instance and
// database, or the file. It never holds a credential.
func (c Config) Target() string {
	if c.Driver == DriverSQLite {
		return "the site database " + c.Path
	}
	host := c.Server
	switch {
	case c.Port != 0:
		host += ":" + strconv.Itoa(c.Port)
	case c.Instance != "":
		host += `\` + c.Instance
	}
	return "SQL Server " + host + " (database " + c.Database + ")"
}

// DSN gives the connection string for the driver, built with net/url as
// go-mssqldb documents it, after checking every value.
func (c Config) DSN() (string, error) {
	switch c.Driver {
	case DriverSQLite:
		if c.Path == "" {
			return "", configErr("path", "the sqlite driver needs the database file")
		}
		// Read-only and query-only: the job never writes to a site.
		return "file:" + uriPath.Replace(c.Path) + "?mode=ro&_time_format=sqlite&_pragma=query_only(1)&_pragma=busy_timeout(5000)", nil
	case DriverSQLServer:
		return c.sqlServerDSN()
	}
	return "", configErr("driver", "%q is not one of sqlserver, sqlite", c.Driver)
}

func (c Config) sqlServerDSN() (string, error) {
	if err := c.checkServer(); err != nil {
		return "", err
	}
	q := url.Values{}
	q.Set("database", c.Database)
	q.Set("app name", cmpOr(c.AppName, "smsfail"))
	if c.ReadOnlyIntent {
		q.Set("ApplicationIntent", "ReadOnly")
	}
	if err := c.tlsParams(q); err != nil {
		return "", err
	}
	if c.ConnectTimeout < 0 {
		return "", configErr("connect_timeout", "must not be negative")
	}
	if c.ConnectTimeout > 0 {
		secs := strconv.Itoa(int(math.Ceil(c.ConnectTimeout.Seconds())))
		q.Set("dial timeout", secs)
		q.Set("connection timeout", secs)
	}
	user, err := c.authParams(q)
	if err != nil {
		return "", err
	}
	u := &url.URL{Scheme: "sqlserver", Host: c.Server, User: user, RawQuery: q.Encode()}
	if c.Port != 0 {
		u.Host += ":" + strconv.Itoa(c.Port)
	} else if c.Instance != "" {
		u.Path = c.Instance
	}
	return u.String(), nil
}

func (c Config) checkServer() error {
	switch {
	case strings.TrimSpace(c.Server) == "":
		return configErr("server", "the sqlserver driver needs the server's name")
	case strings.ContainsAny(c.Server, `/\:@?# `):
		return configErr("server", "%q is not a host name (put a named instance under instance, a port under port)", c.Server)
	case c.Port < 0 || c.Port > 65535:
		return configErr("port", "%d is not a TCP port", c.Port)
	case strings.ContainsAny(c.Instance, `/\:@?# `):
		return configErr("instance", "%q is not an instance name", c.Instance)
	case strings.TrimSpace(c.Database) == "":
		return configErr("database", "name the site database (SMS_<site code>)")
	}
	return nil
}

func (c Config) tlsParams(q url.Values) error {
	switch e := strings.ToLower(cmpOr(c.Encrypt, "true")); e {
	case "true", "strict", "false", "disable":
		q.Set("encrypt", e)
	default:
		return configErr("encrypt", "%q is not one of true, strict, false, disable", c.Encrypt)
	}
	if c.TrustServerCertificate {
		q.Set("TrustServerCertificate", "true")
	} else if c.Encrypt != "disable" {
		q.Set("TrustServerCertificate", "false")
	}
	if c.CAFile != "" {
		q.Set("certificate", c.CAFile)
	}
	if c.HostNameInCertificate != "" {
		q.Set("hostNameInCertificate", c.HostNameInCertificate)
	}
	switch c.TLSMin {
	case "":
	case "1.0", "1.1", "1.2", "1.3":
		q.Set("tlsmin", c.TLSMin)
	default:
		return configErr("tls_min", "%q is not one of 1.0, 1.1, 1.2, 1.3", c.TLSMin)
	}
	return nil
}

// authParams sets the authenticator parameters and returns the URL's user
// part.
func (c Config) authParams(q url.Values) (*url.Userinfo, error) {
	switch c.Auth {
	case AuthSQL, "":
		if c.User == "" || c.Password == "" {
			return nil, configErr("user", "a SQL login needs a user and a password")
		}
		if strings.Contains(c.User, `\`) {
			return nil, configErr("auth", "user %q is a Windows account: use auth ntlm, windows or kerberos", c.User)
		}
		return url.UserPassword(c.User, c.Password), nil
	case AuthNTLM:
		if d, u, ok := strings.Cut(c.User, `\`); !ok || d == "" || u == "" {
			return nil, configErr("user", "NTLM needs DOMAIN\\user, not %q", c.User)
		}
		if c.Password == "" {
			return nil, configErr("password", "NTLM needs the account's password")
		}
		q.Set("authenticator", "ntlm")
		return url.UserPassword(c.User, c.Password), nil
	case AuthKerberos:
		return c.kerberosParams(q)
	case AuthWindows:
		return c.windowsParams(q)
	}
	return nil, configErr("auth", "%q is not one of sql, windows, kerberos, ntlm", c.Auth)
}

// kerberosParams: a keytab with its user and realm, or a credential cache.
func (c Config) kerberosParams(q url.Values) (*url.Userinfo, error) {
	q.Set("authenticator", "krb5")
	if c.Krb5Conf != "" {
		q.Set("krb5-configfile", c.Krb5Conf)
	}
	if c.ServerSPN != "" {
		q.Set("ServerSPN", c.ServerSPN)
	}
	switch {
	case c.Keytab != "":
		if c.User == "" {
			return nil, configErr("user", "a keytab needs the user it holds keys for")
		}
		q.Set("krb5-keytabfile", c.Keytab)
		if c.Realm != "" {
			q.Set("krb5-realm", c.Realm)
		}
		return url.User(c.User), nil
	case c.CredentialCache != "":
		q.Set("krb5-credcachefile", c.CredentialCache)
		return nil, nil
	case c.User != "" && c.Password != "":
		if c.Realm != "" {
			q.Set("krb5-realm", c.Realm)
		}
		return url.UserPassword(c.User, c.Password), nil
	}
	return nil, configErr("keytab", "kerberos needs a keytab (with user), a credential_cache, or a user and password")
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// uriPath escapes what a "file:" URI would read as an escape, the query or
// a fragment, so a demo site in a folder named "site #2" opens.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
