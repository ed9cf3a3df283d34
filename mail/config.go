package mail

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"os"
	"regexp"
	"strconv"
	"time"

	"smsfail"
)

// TLSMode is how the connection to the relay is protected.
type TLSMode string

// TLS modes.
const (
	TLSStartTLS      TLSMode = "starttls"      // STARTTLS required: never send in clear
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS when offered, else clear
	TLSImplicit      TLSMode = "tls"           // TLS from the first byte (port 465)
	TLSNone          TLSMode = "none"          // clear text, for a relay on the same machine
)

// AuthMechanism is how the job logs on to the relay.
type AuthMechanism string

// Authentication mechanisms.
const (
	AuthNone  AuthMechanism = "none"
	AuthPlain AuthMechanism = "plain"
	AuthLogin AuthMechanism = "login"
)

// Defaults.
const (
	DefaultPort           = 25
	DefaultImplicitPort   = 465
	DefaultSubject        = "smsfail {site}: {failures} failures on {date}"
	DefaultMaxAttachBytes = 7 << 20 // under a 10 MB message limit once base64 adds its third
	DefaultRetries        = 3
	DefaultTimeout        = 30 * time.Second
	DefaultBackoff        = 10 * time.Second
	maxBackoff            = 5 * time.Minute
)

// Config says where and how to send the report: the mail section of the
// configuration file. Start from DefaultConfig.
type Config struct {
	Host     string        `yaml:"host"`
	Port     int           `yaml:"port"`    // DefaultPort, or DefaultImplicitPort with TLS "tls", when zero
	TLS      TLSMode       `yaml:"tls"`     // starttls, opportunistic, tls or none
	CAFile   string        `yaml:"ca_file"` // PEM certificates to trust besides the system's, for a site's own CA
	Auth     AuthMechanism `yaml:"auth"`    // none, plain or login
	User     string        `yaml:"user"`
	Password string        `yaml:"password,secret"` // resolved by the configuration from the environment or a file
	From     string        `yaml:"from"`
	To       []string      `yaml:"to"`
	Cc       []string      `yaml:"cc"`
	// Subject may use {site}, {date} (YYYY-MM-DD) and {failures}.
	Subject string `yaml:"subject"`
	// MaxAttachBytes is the largest workbook attached; a larger one stays on
	// disk and the body gives its path. 0 never attaches.
	MaxAttachBytes int64         `yaml:"max_attach_bytes,size"`
	Retries        int           `yaml:"retries"` // further attempts after a temporary failure
	Backoff        time.Duration `yaml:"backoff"` // wait before the first retry, doubling after
	Timeout        time.Duration `yaml:"timeout"` // per attempt
	// Helo is the name smsfail greets the relay with (EHLO) and signs
	// its Message-IDs with; this machine's fully qualified name when
	// empty (HostName).
	Helo   string       `yaml:"helo"`
	Logger *slog.Logger `yaml:"-"` // retries are logged here; nil discards
}

// DefaultConfig is the configuration an empty mail section gives.
func DefaultConfig() Config {
	return Config{
		TLS:            TLSStartTLS,
		Auth:           AuthNone,
		Subject:        DefaultSubject,
		MaxAttachBytes: DefaultMaxAttachBytes,
		Retries:        DefaultRetries,
		Backoff:        DefaultBackoff,
		Timeout:        DefaultTimeout,
	}
}

// Check finds the settings that cannot work, without connecting or
// reading a file, so a bad setting fails when the configuration loads
// rather than at night. The keys are those of the mail section.
func (c Config) Check() error {
	var es smsfail.SettingErrors
	if c.Host == "" {
		es.Add("host", "name the SMTP server (or set mail.enabled: false)")
	}
	es.Between("port", c.port(), 1, 65535)
	smsfail.OneOf(&es, "tls", c.TLS, TLSStartTLS, TLSOpportunistic, TLSImplicit, TLSNone)
	smsfail.OneOf(&es, "auth", c.Auth, AuthNone, AuthPlain, AuthLogin)
	if c.Auth != AuthNone && (c.User == "" || c.Password == "") {
		es.Add("auth", "%s authentication needs mail.user and mail.password", c.Auth)
	}
	if c.Auth != AuthNone && c.TLS == TLSNone && !LocalRelay(c.Host) {
		es.Add("auth", "%s authentication with tls: none would send the password in clear to %s: use tls: starttls or tls", c.Auth, c.Host)
	}
	for _, ph := range UnknownPlaceholders(c.Subject) {
		es.Add("subject", "%s is not a placeholder; use {site}, {date} and {failures}", ph)
	}
	addresses(&es, "from", []string{c.From})
	if len(c.To) == 0 {
		es.Add("to", "give at least one recipient")
	}
	addresses(&es, "to", c.To)
	addresses(&es, "cc", c.Cc)
	if c.Helo != "" && !ValidHelo(c.Helo) {
		es.Add("helo", "%q is not a host name (smsfail.corp.example) or an address literal ([192.0.2.7])", c.Helo)
	}
	es.Between("retries", c.Retries, 0, 10)
	es.Positive("backoff", c.Backoff)
	es.Positive("timeout", c.Timeout)
	return es.Err()
}

func addresses(es *smsfail.SettingErrors, key string, list []string) {
	for i, a := range list {
		if _, err := netmail.ParseAddress(a); err != nil {
			k := key
			if key != "from" {
				k = fmt.Sprintf("%s[%d]", key, i)
			}
			es.Add(k, "%q is not a mail address", a)
		}
	}
}

// port is the port asked for, or the default for the TLS mode.
func (c Config) port() int {
	switch {
	case c.Port != 0:
		return c.Port
	case c.TLS == TLSImplicit:
		return DefaultImplicitPort
	}
	return DefaultPort
}

// Server is the relay's address, host:port, as messages name it.
func (c Config) Server() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.port())) }

// checked is c checked, ready to send with, its error naming the keys.
func (c Config) checked() (Config, error) {
	if err := c.Check(); err != nil {
		return c, fmt.Errorf("invalid mail settings: %w", err)
	}
	c.Port = c.port()
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Helo == "" {
		c.Helo = HostName()
	}
	return c, nil
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// UnknownPlaceholders lists the {names} in a subject that Send does not
// fill: it fills {site}, {date} and {failures}.
func UnknownPlaceholders(subject string) []string {
	var unknown []string
	for _, p := range placeholder.FindAllString(subject, -1) {
		if p != "{site}" && p != "{date}" && p != "{failures}" {
			unknown = append(unknown, p)
		}
	}
	return unknown
}

// LocalRelay reports whether host names a relay on this machine, the only
// one go-mail sends a password to without TLS: exactly localhost, 127.0.0.1
// or ::1. Another loopback address would fail at the first send.
func LocalRelay(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// LoadCA returns the system's roots plus the certificates in file, the
// site's own CA.
func LoadCA(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read CA file %s: %w", file, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s holds no PEM certificate", file)
	}
	return pool, nil
}
