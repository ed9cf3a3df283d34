package mail

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"os"
	"regexp"
	"strings"
	"time"
)

// TLS modes.
const (
	TLSStartTLS      = "starttls"      // STARTTLS required: never send in clear
	TLSOpportunistic = "opportunistic" // STARTTLS when offered, else clear
	TLSImplicit      = "tls"           // TLS from the first byte (port 465)
	TLSNone          = "none"          // clear text, for a relay on the same machine
)

// Authentication mechanisms.
const (
	AuthNone  = "none"
	AuthPlain = "plain"
	AuthLogin = "login"
)

// Defaults, applied by Send to zero values.
const (
	DefaultPort           = 25
	DefaultImplicitPort   = 465
	DefaultSubject        = "smsfail {site}: {failures} failures on {date}"
	DefaultMaxAttachBytes = 7 << 20 // under a 10 MB message limit once base64 adds its third
	DefaultTimeout        = 30 * time.Second
	DefaultBackoff        = 10 * time.Second
	maxBackoff            = 5 * time.Minute
)

// Config says where and how to send the report.
type Config struct {
	Host     string
	Port     int    // DefaultPort, or DefaultImplicitPort with TLS "tls", when zero
	TLS      string // starttls (when empty), opportunistic, tls or none
	CAFile   string // PEM certificates to trust besides the system's, for a site's own CA
	Auth     string // none (when empty), plain or login
	User     string
	Password string // resolved by the configuration from the environment or a file
	From     string
	To, Cc   []string
	// Subject may use {site}, {date} (YYYY-MM-DD) and {failures}.
	Subject string
	// MaxAttachBytes is the largest workbook attached; a larger one stays on
	// disk and the body gives its path. DefaultMaxAttachBytes when zero;
	// negative never attaches.
	MaxAttachBytes int64
	Retries        int           // further attempts after a temporary failure
	Backoff        time.Duration // wait before the first retry, doubling after; DefaultBackoff when zero
	Timeout        time.Duration // per attempt; DefaultTimeout when zero
	// Helo is the name smsfail greets the relay with (EHLO) and signs
	// its Message-IDs with; this machine's fully qualified name when
	// empty (HostName).
	Helo   string
	Logger *slog.Logger // retries are logged here; nil discards
}

// Validate checks the configuration without connecting, so a bad setting
// fails when the configuration loads rather than at night.
func (c Config) Validate() error {
	var errs []string
	add := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if c.Host == "" {
		add("host is empty")
	}
	if c.Port < 0 || c.Port > 65535 {
		add("port %d is not a TCP port", c.Port)
	}
	switch c.TLS {
	case "", TLSStartTLS, TLSOpportunistic, TLSImplicit, TLSNone:
	default:
		add("tls %q is not one of starttls, opportunistic, tls, none", c.TLS)
	}
	switch c.Auth {
	case "", AuthNone:
	case AuthPlain, AuthLogin:
		if c.User == "" {
			add("auth %s needs a user", c.Auth)
		}
		if c.TLS == TLSNone && !LocalRelay(c.Host) {
			add("auth %s without TLS would send the password in clear to %s: use tls starttls or tls", c.Auth, c.Host)
		}
	default:
		add("auth %q is not one of none, plain, login", c.Auth)
	}
	if _, err := netmail.ParseAddress(c.From); err != nil {
		add("from %q: %v", c.From, err)
	}
	if len(c.To) == 0 {
		add("to lists no recipient")
	}
	for _, a := range append(append([]string{}, c.To...), c.Cc...) {
		if _, err := netmail.ParseAddress(a); err != nil {
			add("recipient %q: %v", a, err)
		}
	}
	if c.Helo != "" && !ValidHelo(c.Helo) {
		add("helo %q is not a host name or an address literal", c.Helo)
	}
	for _, p := range UnknownPlaceholders(c.Subject) {
		add("subject uses %s; it may use {site}, {date} and {failures}", p)
	}
	if c.CAFile != "" {
		if _, err := LoadCA(c.CAFile); err != nil {
			add("%v", err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid mail settings: %s", strings.Join(errs, "; "))
	}
	return nil
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

// withDefaults fills the zero values.
func (c Config) withDefaults() Config {
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Auth == "" {
		c.Auth = AuthNone
	}
	if c.Port == 0 {
		c.Port = DefaultPort
		if c.TLS == TLSImplicit {
			c.Port = DefaultImplicitPort
		}
	}
	if c.Subject == "" {
		c.Subject = DefaultSubject
	}
	if c.MaxAttachBytes == 0 {
		c.MaxAttachBytes = DefaultMaxAttachBytes
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Helo == "" {
		c.Helo = HostName()
	}
	return c
}
