// Package mail sends the nightly report: a text and HTML summary of the
// run with the workbook attached, through the site's SMTP relay, with
// STARTTLS required unless the configuration relaxes it, and retried with
// backoff when the server or the network fails for the time being.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// XLSXType is the workbook's content type.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Send mails the summary with the workbook at workbookPath attached, unless
// it is larger than cfg.MaxAttachBytes (then the body gives its path). A
// temporary failure (network, 4xx) is retried cfg.Retries times with
// backoff; a permanent one (5xx, TLS) ends at once. The error carries the
// server's answer and never the password.
func Send(ctx context.Context, cfg Config, s Summary, workbookPath string) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	if err := s.setWorkbook(workbookPath, cfg.MaxAttachBytes); err != nil {
		return err
	}
	msg, err := newMessage(cfg, s)
	if err != nil {
		return redact(err, cfg)
	}
	return deliver(ctx, cfg, msg, "the report")
}

// deliver sends msg, retrying temporary failures with backoff. what names
// the message in errors.
func deliver(ctx context.Context, cfg Config, msg *gomail.Msg, what string) error {
	if _, err := newClient(ctx, cfg); err != nil {
		return redact(err, cfg) // a CA file that cannot be read stays so
	}
	server := cfg.server()
	wait := cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := sendOnce(ctx, cfg, msg)
		if err == nil {
			return nil
		}
		if msg.IsDelivered() {
			// The server took the message (250 after DATA); what failed
			// came after it, and sending again would mail it twice.
			cfg.Logger.Warn("mail delivered, but the session did not end cleanly", "server", server, "err", redact(err, cfg))
			return nil
		}
		switch {
		case ctx.Err() != nil:
			return redact(fmt.Errorf("cannot send %s to %s: %w", what, server, errors.Join(err, ctx.Err())), cfg)
		case permanent(err):
			return redact(fmt.Errorf("cannot send %s to %s: %w", what, server, err), cfg)
		case attempt > cfg.Retries:
			return redact(fmt.Errorf("cannot send %s to %s after %d attempts: %w", what, server, attempt, err), cfg)
		}
		cfg.Logger.Warn("mail not sent; retrying", "server", server, "attempt", attempt, "wait", wait, "err", redact(err, cfg))
		select {
		case <-ctx.Done():
			return redact(fmt.Errorf("cannot send %s to %s: %w (stopped waiting to retry: %w)", what, server, err, ctx.Err()), cfg)
		case <-time.After(wait):
		}
		wait = min(2*wait, maxBackoff)
	}
}

// sendOnce is one attempt, bounded by cfg.Timeout from the dial to the
// farewell.
func sendOnce(ctx context.Context, cfg Config, msg *gomail.Msg) error {
	actx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	client, err := newClient(actx, cfg)
	if err != nil {
		return err
	}
	err = client.DialAndSendWithContext(actx, msg)
	// The connection's deadline is the attempt's, and may pass a moment
	// before actx's own timer fires.
	deadline, _ := actx.Deadline()
	if err != nil && ctx.Err() == nil && !time.Now().Before(deadline) {
		err = fmt.Errorf("%w (the attempt took longer than mail.timeout, %v)", err, cfg.Timeout)
	}
	return err
}

// newMessage builds the mail: text and HTML alternatives, the workbook.
func newMessage(cfg Config, s Summary) (*gomail.Msg, error) {
	m, err := newEnvelope(cfg)
	if err != nil {
		return nil, err
	}
	m.Subject(subject(cfg.Subject, s))
	chart := trendImage(cfg, &s)
	text, html := Body(s)
	m.SetBodyString(gomail.TypeTextPlain, text)
	m.AddAlternativeString(gomail.TypeTextHTML, html)
	if chart != nil {
		if err := m.EmbedReader(s.Trend.Image, bytes.NewReader(chart), gomail.WithFileContentType("image/png")); err != nil {
			return nil, fmt.Errorf("cannot embed the trend chart: %w", err)
		}
	}
	if s.Attached {
		m.AttachFile(s.Workbook, gomail.WithFileName(filepath.Base(s.Workbook)), gomail.WithFileContentType(XLSXType))
	}
	return m, nil
}

// newEnvelope starts a message from the configured sender to the
// configured recipients.
func newEnvelope(cfg Config) (*gomail.Msg, error) {
	m := gomail.NewMsg()
	if err := m.From(cfg.From); err != nil {
		return nil, fmt.Errorf("cannot use sender %q: %w", cfg.From, err)
	}
	if err := m.To(cfg.To...); err != nil {
		return nil, fmt.Errorf("cannot use recipients %q: %w", cfg.To, err)
	}
	if len(cfg.Cc) > 0 {
		if err := m.Cc(cfg.Cc...); err != nil {
			return nil, fmt.Errorf("cannot use recipients %q: %w", cfg.Cc, err)
		}
	}
	m.SetDate()
	m.SetMessageID() // kept across retries, so a duplicate can be recognized
	m.SetUserAgent("smsfail")
	return m, nil
}

func subject(tmpl string, s Summary) string {
	return strings.NewReplacer(
		"{site}", s.Site,
		"{date}", s.Date.Format("2006-01-02"),
		"{failures}", strconv.Itoa(s.Failures),
	).Replace(tmpl)
}

// newClient sets up a client for one attempt, which ctx bounds.
func newClient(ctx context.Context, cfg Config) (*gomail.Client, error) {
	tlsConfig := &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pool, err := LoadCA(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		tlsConfig.RootCAs = pool
	}
	opts := []gomail.Option{gomail.WithPort(cfg.Port), gomail.WithTimeout(cfg.Timeout), gomail.WithTLSConfig(tlsConfig),
		gomail.WithDialContextFunc(boundedDial(ctx, cfg, tlsConfig))}
	switch cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case TLSOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	switch cfg.Auth {
	case AuthPlain:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(cfg.User), gomail.WithPassword(cfg.Password))
	case AuthLogin:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthLogin), gomail.WithUsername(cfg.User), gomail.WithPassword(cfg.Password))
	}
	c, err := gomail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot set up the mail client for %s: %w", cfg.Host, err)
	}
	return c, nil
}

// permanent tells failures that a retry cannot mend: the server's 5xx
// answers, a message that cannot be addressed, certificates, a server
// without STARTTLS or the mechanism asked. A connection lost in the middle
// of a session has no answer code and is temporary.
func permanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return true
		}
		return se.ErrorCode() >= 500
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
		verify      *tls.CertificateVerificationError
		recordError tls.RecordHeaderError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &verify) || errors.As(err, &recordError) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "does not support STARTTLS") || strings.Contains(msg, "not supported") ||
		strings.Contains(msg, "unencrypted connection") || strings.Contains(msg, "does not support SMTP AUTH")
}

// setWorkbook decides whether the workbook goes along.
func (s *Summary) setWorkbook(path string, limit int64) error {
	s.Workbook, s.Attached, s.WorkbookSize = path, false, 0
	if path == "" {
		return nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("cannot attach the workbook: %w", err)
	}
	s.WorkbookSize = fi.Size()
	s.Attached = limit >= 0 && fi.Size() <= limit
	s.AttachLimit = limit
	return nil
}
