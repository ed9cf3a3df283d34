// Package mail sends the nightly report: a text and HTML summary of the
// run with the workbook attached, through the site's SMTP relay, with
// STARTTLS required unless the configuration relaxes it, and retried with
// backoff when the server or the network fails for the time being.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"smsfail/version"
)

// XLSXType is the workbook's content type.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Send mails the summary with the workbook at workbookPath attached, unless
// it is larger than cfg.MaxAttachBytes or the message would not fit in the
// size the relay takes (its SIZE, or its 552 answer): then the mail goes
// without it and the body gives its path. A temporary failure (network,
// 4xx) is retried cfg.Retries times with backoff; a permanent one (5xx,
// TLS) ends at once. The error carries the server's answer and never the
// password.
func Send(ctx context.Context, cfg Config, s Summary, workbookPath string) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg = cfg.withDefaults()
	if err := s.setWorkbook(workbookPath, cfg.MaxAttachBytes); err != nil {
		return err
	}
	r := &report{cfg: cfg, s: s, id: messageID(cfg.Helo)}
	return deliver(ctx, cfg, r.message, "the report")
}

// report builds the report's message for a relay: with the workbook when
// it fits, else without it. Both share one Message-ID, so a copy that
// arrives twice is recognized.
type report struct {
	cfg  Config
	s    Summary
	id   string
	full *gomail.Msg // with the workbook, when it is attached at all
	size int64       // full's size on the wire
}

// sizeMargin is room left under the relay's SIZE for the headers it adds
// (Received, its own stamps) before it counts the message.
const sizeMargin = 4 << 10

// message is the message to send to a relay that takes at most limit
// bytes (0: no limit known); tooBig says the relay refused the full one.
func (r *report) message(limit int64, tooBig bool) (*gomail.Msg, bool, error) {
	if !r.s.Attached {
		m, err := newMessage(r.cfg, r.s, r.id)
		return m, false, err
	}
	if r.full == nil {
		m, err := newMessage(r.cfg, r.s, r.id)
		if err != nil {
			return nil, false, err
		}
		n, err := m.WriteTo(io.Discard)
		if err != nil {
			return nil, false, fmt.Errorf("cannot build the mail: %w", err)
		}
		r.full, r.size = m, n
	}
	if !tooBig && (limit <= 0 || r.size+sizeMargin <= limit) {
		return r.full, true, nil
	}
	slim := r.s
	slim.Attached, slim.RelayLimit, slim.MessageSize = false, limit, r.size
	if limit <= 0 {
		slim.RelayLimit = -1 // refused with 552 though no size was announced
	}
	r.cfg.Logger.Warn("the workbook does not fit in the relay's message size: mailing without it, with its path",
		"server", r.cfg.server(), "message_bytes", r.size, "relay_limit", limit, "workbook", r.s.Workbook)
	m, err := newMessage(r.cfg, slim, r.id)
	return m, false, err
}

// build makes the message to send to a relay taking at most limit bytes
// (0: no limit announced); tooBig says it refused a message as too large.
// smaller says a smaller message could be built.
type build func(limit int64, tooBig bool) (msg *gomail.Msg, smaller bool, err error)

// deliver sends the message build makes, retrying temporary failures with
// backoff. A message the relay refuses as too large (552) is built again
// for it and sent at once. what names the message in errors.
func deliver(ctx context.Context, cfg Config, build build, what string) error {
	if _, err := newClient(ctx, cfg); err != nil {
		return redact(err, cfg) // a CA file that cannot be read stays so
	}
	server := cfg.server()
	wait := cfg.Backoff
	tooBig := false
	for attempt := 1; ; attempt++ {
		delivered, big, err := sendOnce(ctx, cfg, build, tooBig)
		if err == nil {
			return nil
		}
		if delivered {
			// The server took the message (250 after DATA); what failed
			// came after it, and sending again would mail it twice.
			cfg.Logger.Warn("mail delivered, but the session did not end cleanly", "server", server, "err", redact(err, cfg))
			return nil
		}
		if big && !tooBig {
			tooBig = true
			attempt-- // not a retry: another message
			continue
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

// sendOnce is one session, bounded by cfg.Timeout from the dial to the
// farewell: EHLO (and STARTTLS, AUTH), the message built for the relay's
// SIZE, QUIT. It reports whether the relay took the message, and whether
// it refused as too large one that could be smaller.
func sendOnce(ctx context.Context, cfg Config, build build, tooBig bool) (delivered, big bool, err error) {
	actx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	defer func() {
		// The connection's deadline is the attempt's, and may pass a
		// moment before actx's own timer fires.
		deadline, _ := actx.Deadline()
		if err != nil && ctx.Err() == nil && !time.Now().Before(deadline) {
			err = fmt.Errorf("%w (the attempt took longer than mail.timeout, %v)", err, cfg.Timeout)
		}
	}()
	client, err := newClient(actx, cfg)
	if err != nil {
		return false, false, err
	}
	sc, err := client.DialToSMTPClientWithContext(actx)
	if err != nil {
		return false, false, fmt.Errorf("dial failed: %w", err)
	}
	defer func() {
		if cerr := client.CloseWithSMTPClient(sc); cerr != nil && err == nil {
			err = fmt.Errorf("failed to close connection: %w", cerr)
		}
	}()
	msg, smaller, err := build(relayLimit(sc), tooBig)
	if err != nil {
		return false, false, err
	}
	err = client.SendWithSMTPClient(sc, msg)
	if err != nil {
		err = fmt.Errorf("send failed: %w", err)
	}
	return msg.IsDelivered(), smaller && err != nil && messageTooBig(err), err
}

// EstimatedSize is about how large the report is on the wire with a
// workbook of n bytes attached: the workbook in base64, in lines of 76
// characters, and room for the bodies and the headers.
func EstimatedSize(n int64) int64 {
	encoded := (n + 2) / 3 * 4
	return encoded + encoded/76*2 + bodyAllowance
}

// bodyAllowance is room for the text and HTML bodies and the headers: a
// summary of 15 collections and 12 causes stays well under it.
const bodyAllowance = 48 << 10

// relayLimit is the largest message the relay announced it takes (EHLO
// SIZE n), 0 when it announced none.
func relayLimit(sc *smtp.Client) int64 {
	ok, arg := sc.Extension("SIZE")
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// messageTooBig reports a relay's refusal of a message for its size:
// 552, or the enhanced code 5.3.4 (message too big for system).
func messageTooBig(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) && (se.ErrorCode() == 552 || se.EnhancedStatusCode() == "5.3.4") {
		return true
	}
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == 552
}

// newMessage builds the mail: text and HTML alternatives, the workbook
// when s.Attached; id is its Message-ID.
func newMessage(cfg Config, s Summary, id string) (*gomail.Msg, error) {
	m, err := newEnvelope(cfg, id)
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
// configured recipients, marked as sent by a program: no out-of-office
// or other automatic reply should answer it.
func newEnvelope(cfg Config, id string) (*gomail.Msg, error) {
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
	m.SetMessageIDWithValue(id) // kept across retries, so a duplicate can be recognized
	m.SetUserAgent("smsfail " + version.String())
	m.SetGenHeader("Auto-Submitted", "auto-generated")           // RFC 3834
	m.SetGenHeader("X-Auto-Response-Suppress", "OOF, AutoReply") // Exchange's own
	return m, nil
}

// messageID is a new Message-ID (without its angle brackets) in the
// domain of helo, this machine's name.
func messageID(helo string) string {
	b := make([]byte, 16)
	rand.Read(b)
	domain := strings.Trim(helo, "[]")
	if strings.Contains(domain, ":") { // an IPv6 literal is not a domain
		domain = "localhost"
	}
	return fmt.Sprintf("%s.smsfail@%s", hex.EncodeToString(b), domain)
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
		gomail.WithDialContextFunc(boundedDial(ctx, cfg, tlsConfig)), gomail.WithHELO(cfg.Helo)}
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
