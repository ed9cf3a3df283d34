package query

import (
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"smsfail"
)

// Driver is the kind of site database.
type Driver string

// Drivers.
const (
	DriverSQLServer Driver = "sqlserver"
	DriverSQLite    Driver = "sqlite" // the embedded demo site database
)

// Auth is how the job logs on to SQL Server.
type Auth string

// Authentication methods for SQL Server.
const (
	AuthSQL      Auth = "sql"      // SQL login: user and password
	AuthWindows  Auth = "windows"  // the running account: SSPI on Windows, the Kerberos credential cache elsewhere
	AuthKerberos Auth = "kerberos" // a keytab (user, realm) or a credential cache, with krb5.conf
	AuthNTLM     Auth = "ntlm"     // DOMAIN\user and password
)

// Encrypt is how the connection to SQL Server is encrypted.
type Encrypt string

// Encryption modes, as go-mssqldb names them.
const (
	EncryptTrue    Encrypt = "true"    // TLS after the pre-login, the certificate checked
	EncryptStrict  Encrypt = "strict"  // TDS 8: TLS from the first byte
	EncryptFalse   Encrypt = "false"   // the login packet only
	EncryptDisable Encrypt = "disable" // nothing
)

// Config says how to reach the site database: the database section of the
// configuration file. Start from DefaultConfig: the zero value of a few
// fields is not their default.
type Config struct {
	Driver Driver `yaml:"driver"` // sqlserver or sqlite
	Path   string `yaml:"path"`   // sqlite: the database file

	Server   string `yaml:"server"`   // host name or address
	Port     int    `yaml:"port"`     // 0: 1433, or the SQL Browser's answer for Instance
	Instance string `yaml:"instance"` // named instance, found through the SQL Browser when Port is 0
	Database string `yaml:"name"`     // SMS_<site code>

	Auth            Auth   `yaml:"auth"`             // sql, windows, kerberos, ntlm
	User            string `yaml:"user"`             // sql login, DOMAIN\user (ntlm), user name (kerberos with a keytab)
	Password        string `yaml:"password,secret"`  // resolved from the environment or a file by the caller; never logged
	Keytab          string `yaml:"keytab"`           // kerberos: keytab file
	Krb5Conf        string `yaml:"krb5_conf"`        // kerberos, windows off Windows: krb5.conf; empty: KRB5_CONFIG or /etc/krb5.conf
	CredentialCache string `yaml:"credential_cache"` // kerberos, windows off Windows: credential cache file; empty: KRB5CCNAME
	Realm           string `yaml:"realm"`            // kerberos with a keytab: the realm; empty: krb5.conf's default
	ServerSPN       string `yaml:"server_spn"`       // kerberos: the server's SPN; empty: MSSQLSvc/host:port

	Encrypt                Encrypt `yaml:"encrypt"`                  // true (default), strict (TDS 8), false (login packet only), disable
	TrustServerCertificate bool    `yaml:"trust_server_certificate"` // accept any certificate: for tests only
	CAFile                 string  `yaml:"ca_file"`                  // the site's own CA (or the server certificate), PEM or DER
	HostNameInCertificate  string  `yaml:"hostname_in_certificate"`  // the name the certificate carries, when it is not Server
	TLSMin                 string  `yaml:"tls_min"`                  // 1.0, 1.1, 1.2, 1.3; empty: the driver's default (1.2)

	ConnectTimeout time.Duration `yaml:"connect_timeout"`  // dial and login; default 30 s
	QueryTimeout   time.Duration `yaml:"query_timeout"`    // one query, all rows read; default 10 min
	ReadOnlyIntent bool          `yaml:"read_only_intent"` // ApplicationIntent=ReadOnly (routes to a readable secondary); default true
	AppName        string        `yaml:"-"`                // default smsfail
	Retries        int           `yaml:"retries"`          // further tries after a transient error; default 3
	RetryWait      time.Duration `yaml:"retry_wait"`       // first wait between tries, doubled each time; default 1 s

	// Route is the way failures are read: auto (default), messages or
	// client-status.
	Route Route `yaml:"route"`

	Logger *slog.Logger `yaml:"-"` // where records kept with doubts are explained; nil: discarded
}

// DefaultConfig returns the defaults: SQL Server, encrypted with the
// certificate checked, read-only intent, three retries, the route the site
// has.
func DefaultConfig() Config {
	return Config{
		Driver:         DriverSQLServer,
		Auth:           AuthSQL,
		Encrypt:        EncryptTrue,
		ConnectTimeout: 30 * time.Second,
		QueryTimeout:   10 * time.Minute,
		ReadOnlyIntent: true,
		AppName:        "smsfail",
		Retries:        3,
		RetryWait:      time.Second,
		Route:          RouteAuto,
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
// go-mssqldb documents it, after Check. Its error is a *ConfigError.
func (c Config) DSN() (string, error) {
	if err := c.Check(); err != nil {
		first := err.(smsfail.SettingErrors)[0]
		return "", &ConfigError{Key: first.Key, Msg: first.Msg}
	}
	if c.Driver == DriverSQLite {
		// Read-only and query-only: the job never writes to a site.
		return "file:" + uriPath.Replace(c.Path) + "?mode=ro&_time_format=sqlite&_pragma=query_only(1)&_pragma=busy_timeout(5000)", nil
	}
	return c.sqlServerDSN(), nil
}

func (c Config) sqlServerDSN() string {
	q := url.Values{}
	q.Set("database", c.Database)
	q.Set("app name", cmpOr(c.AppName, "smsfail"))
	if c.ReadOnlyIntent {
		q.Set("ApplicationIntent", "ReadOnly")
	}
	c.tlsParams(q)
	secs := strconv.Itoa(int(math.Ceil(c.ConnectTimeout.Seconds())))
	q.Set("dial timeout", secs)
	q.Set("connection timeout", secs)
	u := &url.URL{Scheme: "sqlserver", Host: c.Server, User: c.authParams(q), RawQuery: q.Encode()}
	if c.Port != 0 {
		u.Host += ":" + strconv.Itoa(c.Port)
	} else if c.Instance != "" {
		u.Path = c.Instance
	}
	return u.String()
}

func (c Config) tlsParams(q url.Values) {
	q.Set("encrypt", string(c.encrypt()))
	if c.TrustServerCertificate {
		q.Set("TrustServerCertificate", "true")
	} else if c.encrypt() != EncryptDisable {
		q.Set("TrustServerCertificate", "false")
	}
	if c.CAFile != "" {
		q.Set("certificate", c.CAFile)
	}
	if c.HostNameInCertificate != "" {
		q.Set("hostNameInCertificate", c.HostNameInCertificate)
	}
	if c.TLSMin != "" {
		q.Set("tlsmin", c.TLSMin)
	}
}

// authParams sets the authenticator parameters and returns the URL's user
// part, for a Config that passed Check.
func (c Config) authParams(q url.Values) *url.Userinfo {
	switch c.auth() {
	case AuthNTLM:
		q.Set("authenticator", "ntlm")
		return url.UserPassword(c.User, c.Password)
	case AuthKerberos:
		return c.kerberosParams(q)
	case AuthWindows:
		return c.windowsParams(q)
	}
	return url.UserPassword(c.User, c.Password)
}

// kerberosParams: a keytab with its user and realm, or a credential cache.
func (c Config) kerberosParams(q url.Values) *url.Userinfo {
	q.Set("authenticator", "krb5")
	if c.Krb5Conf != "" {
		q.Set("krb5-configfile", c.Krb5Conf)
	}
	if c.ServerSPN != "" {
		q.Set("ServerSPN", c.ServerSPN)
	}
	if c.Keytab == "" {
		q.Set("krb5-credcachefile", c.CredentialCache)
		return nil
	}
	q.Set("krb5-keytabfile", c.Keytab)
	if c.Realm != "" {
		q.Set("krb5-realm", c.Realm)
	}
	return url.User(c.User)
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
