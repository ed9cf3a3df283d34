package query

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/microsoft/go-mssqldb/msdsn"
)

const secret = "S3cr;et{pa ss}@x"

func server(mod func(*Config)) Config {
	c := DefaultConfig()
	c.Server, c.Database, c.User, c.Password = "smsdb01.kid.example", "SMS_KID", "smsfail", secret
	if mod != nil {
		mod(&c)
	}
	return c
}

// TestDSN: every authentication and TLS option gives the parameters
// go-mssqldb documents, and the driver's own parser accepts the string.
func TestDSN(t *testing.T) {
	ca := writeCA(t)
	tests := []struct {
		name string
		cfg  Config
		want map[string]string // parameters; "user" is the URL's user
		host string
		inst string
	}{
		{"sql login", server(nil), map[string]string{"database": "SMS_KID", "app name": "smsfail", "encrypt": "true",
			"TrustServerCertificate": "false", "ApplicationIntent": "ReadOnly", "dial timeout": "30", "user": "smsfail"}, "smsdb01.kid.example", ""},
		{"port", server(func(c *Config) { c.Port = 14330; c.Instance = "SMS" }), map[string]string{"user": "smsfail"}, "smsdb01.kid.example:14330", ""},
		{"instance", server(func(c *Config) { c.Instance = "SMS" }), map[string]string{}, "smsdb01.kid.example", "SMS"},
		{"ntlm", server(func(c *Config) { c.Auth, c.User = AuthNTLM, `KIDNET\svc-smsfail` }),
			map[string]string{"authenticator": "ntlm", "user": `KIDNET\svc-smsfail`}, "", ""},
		{"kerberos keytab", server(func(c *Config) {
			c.Auth, c.User, c.Password, c.Keytab, c.Realm, c.Krb5Conf = AuthKerberos, "svc-smsfail", "", "/etc/smsfail.keytab", "KID.EXAMPLE", "/etc/krb5.conf"
		}), map[string]string{"authenticator": "krb5", "krb5-keytabfile": "/etc/smsfail.keytab", "krb5-realm": "KID.EXAMPLE",
			"krb5-configfile": "/etc/krb5.conf", "user": "svc-smsfail"}, "", ""},
		{"kerberos cache", server(func(c *Config) {
			c.Auth, c.User, c.Password, c.CredentialCache, c.ServerSPN = AuthKerberos, "", "", "/tmp/krb5cc_1000", "MSSQLSvc/smsdb01.kid.example:1433"
		}), map[string]string{"authenticator": "krb5", "krb5-credcachefile": "/tmp/krb5cc_1000", "ServerSPN": "MSSQLSvc/smsdb01.kid.example:1433"}, "", ""},
		{"windows", server(func(c *Config) { c.Auth, c.User, c.Password = AuthWindows, "", "" }), map[string]string{"authenticator": windowsAuthenticator}, "", ""},
		{"own CA", server(func(c *Config) { c.CAFile, c.HostNameInCertificate, c.TLSMin = ca, "smsdb01", "1.0" }),
			map[string]string{"certificate": ca, "hostNameInCertificate": "smsdb01", "tlsmin": "1.0"}, "", ""},
		{"strict", server(func(c *Config) { c.Encrypt = "strict" }), map[string]string{"encrypt": "strict"}, "", ""},
		{"trust any", server(func(c *Config) { c.TrustServerCertificate = true }), map[string]string{"TrustServerCertificate": "true"}, "", ""},
		{"read-write", server(func(c *Config) { c.ReadOnlyIntent = false }), map[string]string{"ApplicationIntent": ""}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn, err := tt.cfg.DSN()
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			for k, v := range tt.want {
				got := q.Get(k)
				if k == "user" {
					got = u.User.Username()
				}
				if got != v {
					t.Errorf("%s = %q, want %q in %s", k, got, v, u.Redacted())
				}
			}
			if tt.host != "" && u.Host != tt.host {
				t.Errorf("host %q, want %q", u.Host, tt.host)
			}
			if strings.TrimPrefix(u.Path, "/") != tt.inst {
				t.Errorf("instance %q, want %q", u.Path, tt.inst)
			}
			p, err := msdsn.Parse(dsn)
			if err != nil {
				t.Fatalf("go-mssqldb refuses the DSN: %v", err)
			}
			if tt.cfg.Password != "" && p.Password != tt.cfg.Password {
				t.Error("the password does not survive the URL encoding")
			}
		})
	}
}

// TestConfigErrors: each bad value names its setting and never echoes a
// password.
func TestConfigErrors(t *testing.T) {
	tests := map[string]struct {
		cfg Config
		key string
	}{
		"no server":        {server(func(c *Config) { c.Server = "" }), "server"},
		"instance in host": {server(func(c *Config) { c.Server = `smsdb01\SMS` }), "server"},
		"port":             {server(func(c *Config) { c.Port = 70000 }), "port"},
		"database":         {server(func(c *Config) { c.Database = "" }), "name"},
		"encrypt":          {server(func(c *Config) { c.Encrypt = "maybe" }), "encrypt"},
		"tls":              {server(func(c *Config) { c.TLSMin = "1.4" }), "tls_min"},
		"auth":             {server(func(c *Config) { c.Auth = "kerberos5" }), "auth"},
		"sql no password":  {server(func(c *Config) { c.Password = "" }), "password"},
		"sql with domain":  {server(func(c *Config) { c.User = `KIDNET\x` }), "auth"},
		"ntlm no domain":   {server(func(c *Config) { c.Auth = AuthNTLM }), "user"},
		"kerberos nothing": {server(func(c *Config) {
			c.Auth, c.User, c.Password = AuthKerberos, "", ""
		}), "auth"},
		"driver":         {server(func(c *Config) { c.Driver = "mysql" }), "driver"},
		"sqlite no path": {server(func(c *Config) { c.Driver = DriverSQLite }), "path"},
		"timeout":        {server(func(c *Config) { c.ConnectTimeout = -time.Second }), "connect_timeout"},
	}
	for name, tt := range tests {
		_, err := tt.cfg.DSN()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != tt.key {
			t.Errorf("%s: got %v, want an error on %s", name, err, tt.key)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the password", name)
		}
		if _, err := Open(context.Background(), tt.cfg); err == nil {
			t.Errorf("%s: Open accepted it", name)
		}
	}
}

func local(port int, mod func(*Config)) Config {
	return server(func(c *Config) {
		c.Server, c.Port, c.Encrypt, c.ConnectTimeout, c.Retries, c.RetryWait = "127.0.0.1", port, "disable", time.Second, 0, 10*time.Millisecond
		if mod != nil {
			mod(c)
		}
	})
}

func checkConnError(t *testing.T, err error, port int) {
	t.Helper()
	if err == nil {
		t.Fatal("connected to nothing")
	}
	msg := err.Error()
	if !strings.Contains(msg, "127.0.0.1:"+strconv.Itoa(port)) || !strings.Contains(msg, "connecting") {
		t.Errorf("the error does not name the server and what was done: %v", err)
	}
	if strings.Contains(msg, secret) || strings.Contains(msg, url.QueryEscape(secret)) || strings.Contains(msg, url.PathEscape(secret)) {
		t.Errorf("the error shows the password: %v", err)
	}
}

// TestRefusedPort: nothing listens: a clear error at once.
func TestRefusedPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	_, err = Open(context.Background(), local(port, nil))
	checkConnError(t, err, port)
}

// silentServer accepts connections and never answers; it counts them.
func silentServer(t *testing.T) (int, *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	done := make(chan struct{})
	t.Cleanup(func() { close(done); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go func() { <-done; c.Close() }()
		}
	}()
	return l.Addr().(*net.TCPAddr).Port, &n
}

// TestSilentServer: a port that accepts and never answers: the connect
// timeout holds, and the transient failure is retried as configured.
func TestSilentServer(t *testing.T) {
	port, accepted := silentServer(t)
	start := time.Now()
	_, err := Open(context.Background(), local(port, func(c *Config) { c.Retries = 2 }))
	checkConnError(t, err, port)
	if !strings.Contains(err.Error(), "after 3 tries") {
		t.Errorf("the error does not say it tried three times: %v", err)
	}
	if n := accepted.Load(); n < 3 {
		t.Errorf("%d connections, want 3 tries", n)
	}
	// Three tries of one second each, and the waits between them: a hang
	// would take minutes.
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

// TestCancel: cancelling the context (a signal) ends a connect that
// hangs, without waiting for the timeout.
func TestCancel(t *testing.T) {
	port, _ := silentServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err := Open(ctx, local(port, func(c *Config) { c.ConnectTimeout = time.Hour; c.Retries = 5 }))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want the cancellation", err)
	}
	checkConnError(t, err, port)
}

func TestTransient(t *testing.T) {
	for err, want := range map[error]bool{
		sqlErr(1205):             true,
		sqlErr(208):              false,
		sqlErr(18456):            false,
		context.DeadlineExceeded: true,
		context.Canceled:         false,
		errors.New("read tcp: connection reset by peer"): true,
		errors.New("syntax error"):                       false,
		&net.OpError{Op: "read", Err: timeoutErr{}}:      true,
	} {
		if got := Transient(err); got != want {
			t.Errorf("Transient(%v) = %v", err, got)
		}
	}
}

type sqlErr int32

func (e sqlErr) Error() string         { return "mssql: error " + strconv.Itoa(int(e)) }
func (e sqlErr) SQLErrorNumber() int32 { return int32(e) }

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestRedact: the password never shows in an error, however a driver
// quoted it.
func TestRedact(t *testing.T) {
	for _, msg := range []string{"login failed: " + secret, "bad dsn sqlserver://u:" + url.PathEscape(secret) + "@h", "x=" + url.QueryEscape(secret)} {
		err := redact(errors.New(msg), secret)
		if strings.Contains(err.Error(), "pa ss") || strings.Contains(err.Error(), "pa%20ss") || strings.Contains(err.Error(), "pa+ss") {
			t.Errorf("%q became %q", msg, err)
		}
	}
}
