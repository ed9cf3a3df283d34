package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"

	gosmtp "github.com/emersion/go-smtp"

	"smsfail/mail/smtptest"
)

// TestRelaySizeLimit: a relay announcing SIZE gets the workbook when the
// mail fits, and a mail without it, giving its path, when it would not,
// instead of refusing the night's mail with 552.
func TestRelaySizeLimit(t *testing.T) {
	const limit = 200_000
	ts := smtptest.Start(t, smtptest.Options{MaxMessageBytes: limit})
	small, smallContent := workbook(t, 100_000)
	large, _ := workbook(t, 300_000)
	var logs bytes.Buffer
	cfg := config(ts)
	cfg.Logger = newTextLogger(&logs)
	for _, path := range []string{small, large} {
		if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	got := ts.Received()
	if len(got) != 2 || ts.Sessions() != 2 {
		t.Fatalf("%d mails in %d sessions", len(got), ts.Sessions())
	}
	_, parts := smtptest.Parse(t, got[0].Data)
	if att := smtptest.Find(parts, XLSXType); att == nil || !bytes.Equal(att.Body, smallContent) {
		t.Fatal("the workbook that fits is not attached")
	}
	msg, parts := smtptest.Parse(t, got[1].Data)
	if smtptest.Find(parts, XLSXType) != nil || len(got[1].Data) > limit {
		t.Fatalf("the workbook that does not fit went along (%d bytes)", len(got[1].Data))
	}
	text := string(smtptest.Find(parts, "text/plain").Body)
	html := string(smtptest.Find(parts, "text/html").Body)
	for _, body := range []string{text, html} {
		if !strings.Contains(body, "is larger than the 195.3 KiB the mail server takes") || !strings.Contains(body, large) {
			t.Errorf("the body does not say why the workbook is missing and where it is:\n%s", body)
		}
	}
	if msg.Header.Get("Message-Id") == "" || !strings.Contains(logs.String(), "relay_limit=200000") {
		t.Errorf("Message-Id %q; log:\n%s", msg.Header.Get("Message-Id"), logs.String())
	}
}

// TestRelayRefusesTooLarge: a relay that announces no size but refuses
// the mail with 552 5.3.4 gets it again at once without the workbook; the
// Message-ID stays the same.
func TestRelayRefusesTooLarge(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	ts.Refuse(nil, &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}, Message: "message file too big"}, 1)
	path, _ := workbook(t, 50_000)
	if err := Send(context.Background(), config(ts), testSummary(), path); err != nil {
		t.Fatal(err)
	}
	_, parts := smtptest.Parse(t, ts.Only(t).Data)
	text := string(smtptest.Find(parts, "text/plain").Body)
	if smtptest.Find(parts, XLSXType) != nil || !strings.Contains(text, "refused the mail with it") || ts.Sessions() != 2 {
		t.Fatalf("%d sessions; body:\n%s", ts.Sessions(), text)
	}

	// A mail without a workbook that is still too large is an error.
	ts = smtptest.Start(t, smtptest.Options{})
	ts.Refuse(nil, &gosmtp.SMTPError{Code: 552, EnhancedCode: gosmtp.EnhancedCode{5, 3, 4}, Message: "message file too big"}, -1)
	err := Send(context.Background(), config(ts), testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), "552") || ts.Sessions() != 1 {
		t.Fatalf("%d sessions: %v", ts.Sessions(), err)
	}
}

// TestTestServerEnforcesSize: the relay of these tests refuses what it
// announced it would, as a real one does: the limits above are real.
func TestTestServerEnforcesSize(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{MaxMessageBytes: 1000})
	addr := net.JoinHostPort(ts.Host, fmt.Sprint(ts.Port))
	err := smtp.SendMail(addr, nil, "a@example.org", []string{"b@example.org"}, bytes.Repeat([]byte("x\r\n"), 500))
	if err == nil || !strings.Contains(err.Error(), "552") {
		t.Fatalf("a message above SIZE: %v", err)
	}
	if err := smtp.SendMail(addr, nil, "a@example.org", []string{"b@example.org"}, []byte("Subject: x\r\n\r\nsmall\r\n")); err != nil {
		t.Fatal(err)
	}
}

// TestAutomaticMailHeaders: the report says it was sent by a program (no
// out-of-office replies), names smsfail's version, and greets the relay
// and signs its Message-ID with this machine's name or mail.helo.
func TestAutomaticMailHeaders(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	path, _ := workbook(t, 1000)
	for _, helo := range []string{"", "smsreport01.corp.example"} {
		cfg := config(ts)
		cfg.Helo = helo
		if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
			t.Fatal(err)
		}
	}
	if err := SendTest(context.Background(), config(ts), "KID"); err != nil {
		t.Fatal(err)
	}
	got := ts.Received()
	for i, want := range []string{HostName(), "smsreport01.corp.example", HostName()} {
		m := got[i]
		msg, _ := smtptest.Parse(t, m.Data)
		h := msg.Header
		if m.Helo != want {
			t.Errorf("mail %d: EHLO %q, want %q", i, m.Helo, want)
		}
		if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@"+want+">") {
			t.Errorf("mail %d: Message-Id %q not in %s", i, id, want)
		}
		if h.Get("Auto-Submitted") != "auto-generated" || !strings.Contains(h.Get("X-Auto-Response-Suppress"), "OOF") ||
			!strings.HasPrefix(h.Get("X-Mailer"), "smsfail devel") {
			t.Errorf("mail %d headers: %v", i, h)
		}
	}
}

func TestValidHelo(t *testing.T) {
	for s, want := range map[string]bool{
		"smsreport01.corp.example": true, "SMSREPORT01": true, "[192.0.2.7]": true, "[IPv6:2001:db8::7]": true,
		"": false, "sms report": false, "-bad.example": false, "[192.0.2.300]": false, "a..b": false, "host_name.example": false,
	} {
		if got := ValidHelo(s); got != want {
			t.Errorf("ValidHelo(%q) = %v", s, got)
		}
	}
	if err := (Config{Host: "relay", From: "a@example.org", To: []string{"b@example.org"}, Helo: "sms report"}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "helo") {
		t.Errorf("a bad helo passes: %v", err)
	}
}

// fakeResolver answers as a site's DNS would for one machine.
type fakeResolver struct {
	cname string
	addrs []string
	names map[string][]string
}

func (r fakeResolver) LookupCNAME(ctx context.Context, host string) (string, error) {
	if r.cname == "" {
		return "", errors.New("no such host")
	}
	return r.cname, nil
}

func (r fakeResolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	return r.addrs, nil
}

func (r fakeResolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	return r.names[addr], nil
}

func TestQualify(t *testing.T) {
	for _, tc := range []struct {
		r    fakeResolver
		want string
	}{
		{fakeResolver{cname: "SMSREPORT01.corp.example."}, "smsreport01.corp.example"},
		{fakeResolver{cname: "smsreport01.", addrs: []string{"192.0.2.7"},
			names: map[string][]string{"192.0.2.7": {"other.corp.example.", "smsreport01.corp.example."}}}, "smsreport01.corp.example"},
		{fakeResolver{addrs: []string{"127.0.0.1"}, names: map[string][]string{"127.0.0.1": {"localhost"}}}, ""},
	} {
		if got := qualify(context.Background(), tc.r, "SMSREPORT01"); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
