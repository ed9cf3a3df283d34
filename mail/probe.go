package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strconv"

	gomail "github.com/wneessen/go-mail"
)

// ProbeResult is what a probe learned of the mail server.
type ProbeResult struct {
	Server     string   // host:port
	TLS        bool     // the session was encrypted (STARTTLS or TLS from the start)
	TLSVersion string   // TLS 1.2, TLS 1.3; "" without TLS
	Auth       bool     // the server accepted the credentials
	Recipients []string // recipients the server accepted for the sender
	// SizeLimit is the largest message the server announced it takes
	// (EHLO SIZE), 0 when it announced none.
	SizeLimit int64
}

// Probe does what Send does up to the message and no further: connects,
// says EHLO, starts TLS as configured, logs on, and asks the server to take
// mail from the sender for every recipient (MAIL FROM, RCPT TO), then
// resets the session and quits. Nothing is sent, and a relay that refuses
// the recipients says so now rather than on the first night. The error
// carries the server's answer and never the password.
func Probe(ctx context.Context, cfg Config) (ProbeResult, error) {
	if err := cfg.Validate(); err != nil {
		return ProbeResult{}, err
	}
	cfg = cfg.withDefaults()
	res, err := probe(ctx, cfg)
	return res, redact(err, cfg)
}

func probe(ctx context.Context, cfg Config) (ProbeResult, error) {
	res := ProbeResult{}
	res.Server = cfg.server()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	client, err := newClient(ctx, cfg)
	if err != nil {
		return res, err
	}
	sc, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return res, fmt.Errorf("cannot talk to the mail server %s: %w", res.Server, err)
	}
	defer client.CloseWithSMTPClient(sc)
	res.SizeLimit = relayLimit(sc)
	if st, ok := sc.TLSConnectionState(); ok {
		res.TLS, res.TLSVersion = true, tls.VersionName(st.Version)
	}
	res.Auth = cfg.Auth != AuthNone
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return res, fmt.Errorf("cannot use sender %q: %w", cfg.From, err)
	}
	if err := sc.Mail(from.Address); err != nil {
		return res, fmt.Errorf("mail server %s refuses the sender %s: %w", res.Server, from.Address, err)
	}
	var refused []error
	for _, r := range append(append([]string{}, cfg.To...), cfg.Cc...) {
		to, err := netmail.ParseAddress(r)
		if err != nil {
			return res, fmt.Errorf("cannot use recipient %q: %w", r, err)
		}
		if err := sc.Rcpt(to.Address); err != nil {
			refused = append(refused, fmt.Errorf("%s: %w", to.Address, err))
			continue
		}
		res.Recipients = append(res.Recipients, to.Address)
	}
	if err := sc.Reset(); err != nil && len(refused) == 0 {
		return res, fmt.Errorf("mail server %s: cannot reset the session after the probe: %w", res.Server, err)
	}
	if len(refused) > 0 {
		return res, fmt.Errorf("mail server %s refuses recipients from %s: %w", res.Server, from.Address, errors.Join(refused...))
	}
	return res, nil
}

// SendTest sends a short test message to the configured recipients, with
// the same retries as Send.
func SendTest(ctx context.Context, cfg Config, site string) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	m, err := newEnvelope(cfg, messageID(cfg.Helo))
	if err != nil {
		return redact(err, cfg)
	}
	m.Subject("smsfail " + site + ": test message")
	m.SetBodyString(gomail.TypeTextPlain, "This is a test message sent by 'smsfail check --send-test' for site "+site+
		".\r\nIt went through "+cfg.server()+" as the nightly report will.\r\n\r\n-- \r\nsmsfail\r\n")
	return deliver(ctx, cfg, func(int64, bool) (*gomail.Msg, bool, error) { return m, false, nil }, "the test message")
}

func (c Config) server() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }
