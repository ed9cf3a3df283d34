package query

import (
	"strings"

	"smsfail"
)

// Check finds every value of c that cannot work, without connecting:
// the configuration calls it at load, and Open before it connects, so
// each rule is written once. The keys are those of the database section.
func (c Config) Check() error {
	var es smsfail.SettingErrors
	smsfail.OneOf(&es, "driver", c.Driver, DriverSQLServer, DriverSQLite)
	smsfail.OneOf(&es, "route", c.Route, RouteAuto, RouteMessages, RouteClientStatus)
	es.Positive("connect_timeout", c.ConnectTimeout)
	es.Positive("query_timeout", c.QueryTimeout)
	es.Between("retries", c.Retries, 0, 10)
	switch c.Driver {
	case DriverSQLite:
		if c.Path == "" {
			es.Add("path", "the sqlite driver needs the database file's path")
		}
	case DriverSQLServer:
		c.checkServer(&es)
		c.checkTLS(&es)
		es.Positive("retry_wait", c.RetryWait)
		c.checkAuth(&es)
	}
	return es.Err()
}

func (c Config) checkServer(es *smsfail.SettingErrors) {
	switch {
	case strings.TrimSpace(c.Server) == "":
		es.Add("server", "name the site database server (host name or address)")
	case strings.ContainsAny(c.Server, `/\:@?# `):
		es.Add("server", "%q is not a host name (put a named instance under instance, a port under port)", c.Server)
	}
	if strings.TrimSpace(c.Database) == "" {
		es.Add("name", "name the site database (SMS_<site code>)")
	}
	if c.Port != 0 {
		es.Between("port", c.Port, 1, 65535)
	}
	if strings.ContainsAny(c.Instance, `/\:@?# `) {
		es.Add("instance", "%q is not an instance name", c.Instance)
	}
}

func (c Config) checkTLS(es *smsfail.SettingErrors) {
	smsfail.OneOf(es, "encrypt", c.encrypt(), EncryptTrue, EncryptStrict, EncryptFalse, EncryptDisable)
	if c.TLSMin != "" {
		smsfail.OneOf(es, "tls_min", c.TLSMin, "1.0", "1.1", "1.2", "1.3")
	}
}

// encrypt is the encryption asked for; empty is the default, true.
func (c Config) encrypt() Encrypt {
	if c.Encrypt == "" {
		return EncryptTrue
	}
	return c.Encrypt
}

// auth is the authentication asked for; empty is the default, sql.
func (c Config) auth() Auth {
	if c.Auth == "" {
		return AuthSQL
	}
	return c.Auth
}

func (c Config) checkAuth(es *smsfail.SettingErrors) {
	smsfail.OneOf(es, "auth", c.auth(), AuthSQL, AuthWindows, AuthKerberos, AuthNTLM)
	switch c.auth() {
	case AuthSQL:
		if c.User == "" {
			es.Add("user", "SQL authentication needs a login name")
		} else if strings.Contains(c.User, `\`) {
			es.Add("auth", "user %q is a Windows account: use auth ntlm, windows or kerberos", c.User)
		}
		if c.Password == "" {
			es.Add("password", "SQL authentication needs a password: {env: VARIABLE} or {file: PATH}")
		}
	case AuthNTLM:
		if d, u, ok := strings.Cut(c.User, `\`); !ok || d == "" || u == "" {
			es.Add("user", `NTLM needs the account as DOMAIN\user (got %q)`, c.User)
		}
		if c.Password == "" {
			es.Add("password", "NTLM needs a password: {env: VARIABLE} or {file: PATH}")
		}
	case AuthKerberos:
		if c.Keytab == "" && c.CredentialCache == "" {
			es.Add("auth", "Kerberos needs a keytab (with user and realm) or a credential_cache")
		}
		if c.Keytab != "" && (c.User == "" || c.Realm == "") {
			es.Add("keytab", "a keytab needs database.user and database.realm")
		}
	}
}
