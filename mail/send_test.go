package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"smsfail/mail/smtptest"
)

func workbook(t *testing.T, size int) (string, []byte) {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	path := filepath.Join(t.TempDir(), "smsfail-KID-2025-03-10.xlsx")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, b
}

func config(ts *smtptest.Server) Config {
	return Config{
		Host: ts.Host, Port: ts.Port, TLS: TLSNone,
		From: "smsfail <smsfail@example.org>", To: []string{"sms-admins@example.org"}, Cc: []string{"desktop@example.org"},
		Retries: 2, Backoff: 10 * time.Millisecond, Timeout: 5 * time.Second,
	}
}

func TestSendOverSTARTTLSWithSiteCA(t *testing.T) {
	serverTLS, caFile := smtptest.CA(t)
	ts := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
	path, content := workbook(t, 300_000)
	cfg := config(ts)
	cfg.TLS, cfg.CAFile = TLSStartTLS, caFile
	cfg.Auth, cfg.User, cfg.Password = AuthPlain, ts.User, ts.Password

	if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
		t.Fatal(err)
	}
	got := ts.Only(t)
	if !got.TLS || got.User != ts.User {
		t.Fatalf("sent with tls=%v as %q", got.TLS, got.User)
	}
	if got.From != "smsfail@example.org" || strings.Join(got.To, ",") != "sms-admins@example.org,desktop@example.org" {
		t.Fatalf("envelope from %q to %q", got.From, got.To)
	}
	msg, parts := smtptest.Parse(t, got.Data)
	if s := msg.Header.Get("Subject"); s != "smsfail KID: 1234 failures on 2025-03-10" {
		t.Fatalf("subject %q", s)
	}
	if msg.Header.Get("Cc") != "<desktop@example.org>" || msg.Header.Get("Message-Id") == "" {
		t.Fatalf("headers %v", msg.Header)
	}
	att := smtptest.Find(parts, XLSXType)
	if att == nil {
		t.Fatalf("no %s part among %d parts", XLSXType, len(parts))
	}
	if att.Disposition != "attachment" || att.Filename != "smsfail-KID-2025-03-10.xlsx" {
		t.Fatalf("attachment disposition %q, file name %q", att.Disposition, att.Filename)
	}
	if !bytes.Equal(att.Body, content) {
		t.Fatalf("attachment differs from the workbook: %d bytes received, %d sent", len(att.Body), len(content))
	}
	text, html := smtptest.Find(parts, "text/plain"), smtptest.Find(parts, "text/html")
	if text == nil || html == nil {
		t.Fatal("text or HTML body missing")
	}
	for _, want := range []string{"1,234 failures", "4 hosts unreachable", "12 new, 30 recurring, 5 fixed", "Run the uninstall tool", "is attached"} {
		if !strings.Contains(string(text.Body), want) {
			t.Errorf("text body lacks %q:\n%s", want, text.Body)
		}
	}
	for _, want := range []string{"<b>1,234</b>", "Hosts unreachable</td><td align=\"right\">4<", "<b>12</b> new", "Run the uninstall tool", "is attached"} {
		if !strings.Contains(string(html.Body), want) {
			t.Errorf("HTML body lacks %q:\n%s", want, html.Body)
		}
	}
}

func TestSendImplicitTLSWithLogin(t *testing.T) {
	serverTLS, caFile := smtptest.CA(t)
	ts := smtptest.Start(t, smtptest.Options{Implicit: serverTLS})
	path, content := workbook(t, 1000)
	cfg := config(ts)
	cfg.TLS, cfg.CAFile = TLSImplicit, caFile
	cfg.Auth, cfg.User, cfg.Password = AuthLogin, ts.User, ts.Password
	if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
		t.Fatal(err)
	}
	got := ts.Only(t)
	_, parts := smtptest.Parse(t, got.Data)
	if !got.TLS || got.User != ts.User || !bytes.Equal(smtptest.Find(parts, XLSXType).Body, content) {
		t.Fatalf("tls=%v user=%q", got.TLS, got.User)
	}
}

func TestWorkbookAboveLimitNotAttached(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	path, _ := workbook(t, 5000)
	for _, limit := range []int64{4999, -1} {
		cfg := config(ts)
		cfg.MaxAttachBytes = limit
		if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
			t.Fatal(err)
		}
	}
	got := ts.Received()
	if len(got) != 2 {
		t.Fatalf("%d mails", len(got))
	}
	for i, want := range []string{"larger than the mail limit of 4.9 KiB", "attachments are turned off"} {
		_, parts := smtptest.Parse(t, got[i].Data)
		if smtptest.Find(parts, XLSXType) != nil {
			t.Fatal("workbook attached above the limit")
		}
		text := string(smtptest.Find(parts, "text/plain").Body)
		if !strings.Contains(text, want) || !strings.Contains(text, path) {
			t.Fatalf("body does not say %q and give the path %s:\n%s", want, path, text)
		}
	}
}

func TestServerDownRetriedThenFails(t *testing.T) {
	cfg := config(&smtptest.Server{Host: "127.0.0.1", Port: smtptest.RefusedPort(t)})
	var logs bytes.Buffer
	cfg.Logger = newTextLogger(&logs)
	err := Send(context.Background(), cfg, testSummary(), "")
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("got %v", err)
	}
	if n := strings.Count(logs.String(), "retrying"); n != 2 {
		t.Fatalf("%d retries logged:\n%s", n, logs.String())
	}
}

func TestServerRefusing(t *testing.T) {
	for name, tc := range map[string]struct {
		rcpt, data *smtp.SMTPError
		want       string
	}{
		"rcpt": {rcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied for smsfail@example.org"}, want: "5.7.1 Relaying denied for smsfail@example.org"},
		"data": {data: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "Message rejected by content filter"}, want: "5.6.0 Message rejected by content filter"},
	} {
		t.Run(name, func(t *testing.T) {
			ts := smtptest.Start(t, smtptest.Options{})
			ts.Refuse(tc.rcpt, tc.data, -1)
			path, _ := workbook(t, 100)
			err := Send(context.Background(), config(ts), testSummary(), path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), strconv.Itoa(code(tc.rcpt, tc.data))) {
				t.Fatalf("got %v, want the server's answer %q", err, tc.want)
			}
			if n := ts.Sessions(); n != 1 {
				t.Fatalf("a permanent refusal was tried %d times", n)
			}
			if len(ts.Received()) != 0 {
				t.Fatal("mail accepted")
			}
		})
	}
}

func TestTemporaryFailureRetried(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	ts.Refuse(&smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}, nil, 2)
	path, _ := workbook(t, 100)
	if err := Send(context.Background(), config(ts), testSummary(), path); err != nil {
		t.Fatal(err)
	}
	if n := ts.Sessions(); n != 3 {
		t.Fatalf("%d sessions, want two refused and one accepted", n)
	}
	ts.Only(t)
}

// A connection lost in the middle of a message is a temporary failure:
// the mail goes out on the next attempt, once.
func TestConnectionLostMidMessageRetried(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	ts.HangUp(false, 1)
	path, content := workbook(t, 100_000)
	if err := Send(context.Background(), config(ts), testSummary(), path); err != nil {
		t.Fatal(err)
	}
	if n := ts.Sessions(); n != 2 {
		t.Fatalf("%d sessions, want the lost one and one more", n)
	}
	_, parts := smtptest.Parse(t, ts.Only(t).Data)
	if !bytes.Equal(smtptest.Find(parts, XLSXType).Body, content) {
		t.Fatal("attachment differs from the workbook")
	}
}

// A server that accepts the message and then drops the connection has
// the mail: it is neither sent again nor reported as not delivered.
func TestConnectionLostAfterAcceptingNotResent(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	ts.HangUp(true, -1)
	var logs bytes.Buffer
	cfg := config(ts)
	cfg.Logger = newTextLogger(&logs)
	path, _ := workbook(t, 100)
	if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
		t.Fatalf("a delivered mail reported as failed: %v", err)
	}
	if n := ts.Sessions(); n != 1 {
		t.Fatalf("%d sessions: a delivered mail was sent again", n)
	}
	ts.Only(t)
	if !strings.Contains(logs.String(), "delivered") {
		t.Errorf("the lost connection is not logged:\n%s", logs.String())
	}
}

func TestSTARTTLSRequiredButNotOffered(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	cfg := config(ts)
	cfg.TLS = TLSStartTLS
	cfg.Auth, cfg.User, cfg.Password = AuthPlain, ts.User, ts.Password
	err := Send(context.Background(), cfg, testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), "does not support STARTTLS") {
		t.Fatalf("got %v", err)
	}
	if ts.Sessions() != 1 || len(ts.Received()) != 0 {
		t.Fatalf("%d sessions, %d mails: sent in clear or retried", ts.Sessions(), len(ts.Received()))
	}
}

func TestUnknownCertificateRefused(t *testing.T) {
	serverTLS, _ := smtptest.CA(t)
	ts := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
	cfg := config(ts)
	cfg.TLS = TLSStartTLS // no CA file: the site's certificate is not trusted
	err := Send(context.Background(), cfg, testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Fatalf("got %v", err)
	}
	if ts.Sessions() != 1 || len(ts.Received()) != 0 {
		t.Fatal("sent or retried despite an untrusted certificate")
	}
}

func TestOpportunisticFallsBackToClear(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	cfg := config(ts)
	cfg.TLS = TLSOpportunistic
	if err := Send(context.Background(), cfg, testSummary(), ""); err != nil {
		t.Fatal(err)
	}
	if got := ts.Only(t); got.TLS {
		t.Fatal("TLS without STARTTLS?")
	}
}

func TestAuthFailureKeepsPasswordOut(t *testing.T) {
	serverTLS, caFile := smtptest.CA(t)
	ts := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
	ts.EchoCredentials()
	cfg := config(ts)
	cfg.TLS, cfg.CAFile = TLSStartTLS, caFile
	cfg.Auth, cfg.User, cfg.Password = AuthPlain, ts.User, "wrong-Pa55word"
	err := Send(context.Background(), cfg, testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), `535 "5.7.8 Authentication credentials invalid`) {
		t.Fatalf("got %v, want the server's answer", err)
	}
	if strings.Contains(err.Error(), "wrong-Pa55word") {
		t.Fatalf("password in the error: %v", err)
	}
	if ts.Sessions() != 1 {
		t.Fatal("a refused password was retried")
	}
}

func TestCancelStopsRetrying(t *testing.T) {
	cfg := config(&smtptest.Server{Host: "127.0.0.1", Port: smtptest.RefusedPort(t)})
	cfg.Retries, cfg.Backoff = 5, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := Send(ctx, cfg, testSummary(), "")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v", err)
	}
}

func TestMissingWorkbook(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	err := Send(context.Background(), config(ts), testSummary(), filepath.Join(t.TempDir(), "gone.xlsx"))
	if !errors.Is(err, os.ErrNotExist) || ts.Sessions() != 0 {
		t.Fatalf("got %v after %d sessions", err, ts.Sessions())
	}
}

func code(errs ...*smtp.SMTPError) int {
	for _, e := range errs {
		if e != nil {
			return e.Code
		}
	}
	return 0
}

// TestAuthArgumentKeptOut: a server that repeats the AUTH argument it
// refused (base64, as the client sent it) gets neither that nor the
// password into the error, whichever mechanism logged on.
func TestAuthArgumentKeptOut(t *testing.T) {
	const password = "wrong-Pa55word"
	for _, auth := range []string{AuthPlain, AuthLogin} {
		t.Run(auth, func(t *testing.T) {
			serverTLS, caFile := smtptest.CA(t)
			ts := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
			ts.EchoAuthArgument()
			cfg := config(ts)
			cfg.TLS, cfg.CAFile = TLSStartTLS, caFile
			cfg.Auth, cfg.User, cfg.Password = auth, ts.User, password
			err := Send(context.Background(), cfg, testSummary(), "")
			if err == nil || !strings.Contains(err.Error(), "bad credentials for ********") {
				t.Fatalf("got %v, want the server's answer with the argument masked", err)
			}
			_, perr := Probe(context.Background(), cfg)
			if perr == nil || !strings.Contains(perr.Error(), "bad credentials for ********") {
				t.Fatalf("probe got %v, want the server's answer with the argument masked", perr)
			}
			for _, secret := range secretForms(ts.User, password) {
				if strings.Contains(err.Error(), secret) || strings.Contains(perr.Error(), secret) {
					t.Fatalf("%q in the error: %v / %v", secret, err, perr)
				}
			}
		})
	}
}

// secretForms are the encodings of the password a client sends.
func secretForms(user, password string) []string {
	var forms []string
	for _, s := range []string{password, "\x00" + user + "\x00" + password} {
		forms = append(forms, base64.StdEncoding.EncodeToString([]byte(s)), strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(s)), "="))
	}
	return append(forms, password)
}

// TestRedactText: every form a password can take on the wire is masked,
// whatever surrounds it; other words stay.
func TestRedactText(t *testing.T) {
	const user, password = "svc-sms", "S3cret!pw"
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, in := range []string{
		"535 bad credentials for " + b64("\x00"+user+"\x00"+password),
		"535 bad credentials for " + b64("admin\x00"+user+"\x00"+password),
		"535 bad credentials for " + b64(password),
		"535 bad credentials for " + strings.TrimRight(b64("\x00"+user+"\x00"+password), "="),
		"535 bad credentials for " + base64.URLEncoding.EncodeToString([]byte("\x00"+user+"\x00"+password)),
		"535 bad password " + password + " for " + user,
		"535 bad password " + hex.EncodeToString([]byte(password)),
	} {
		got := redactText(in, user, password)
		if strings.Contains(got, password) || strings.Contains(got, b64(password)[:8]) || !strings.Contains(got, mask) ||
			!strings.HasPrefix(got, "535 bad") {
			t.Errorf("redactText(%q) = %q", in, got)
		}
	}
	if got := redactText("535 Authentication credentials invalid", user, password); got != "535 Authentication credentials invalid" {
		t.Errorf("an answer without the password became %q", got)
	}
}

// TestTimeoutPerAttempt: a relay that answers every command in time but
// one byte at a time cannot hold the run past mail.timeout: the attempt
// ends, says which setting ended it, and the mail is not delivered.
func TestTimeoutPerAttempt(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{Trickle: 15 * time.Millisecond})
	cfg := config(ts)
	cfg.Retries, cfg.Timeout = 0, 3*time.Second
	err := Send(context.Background(), cfg, testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), "longer than mail.timeout, 3s") {
		t.Fatalf("got %v, want the attempt ended by mail.timeout", err)
	}
	if n := len(ts.Received()); n != 0 {
		t.Fatalf("the relay received %d mails", n)
	}
}

// FuzzRedactText: whatever a server wraps around the AUTH argument it
// repeats, and whatever the credentials, the password comes out in no
// form the client sent it in.
func FuzzRedactText(f *testing.F) {
	f.Add("535 5.7.8 bad credentials for ", "", "smsfail", "s3cret-Pa55")
	f.Add("x", "y=", "CORP\\svc", "pässwörd")
	f.Add("", "", "u", "abcd")
	f.Fuzz(func(t *testing.T, before, after, user, password string) {
		if len(password) < 4 || strings.Contains(user, password) {
			t.Skip() // a password inside the user name or a word of the answer cannot be told apart
		}
		for _, plain := range []string{"\x00" + user + "\x00" + password, password} {
			for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding} {
				arg := enc.EncodeToString([]byte(plain))
				got := redactText(before+" "+arg+" "+after, user, password)
				if strings.Contains(got, arg) || strings.Contains(got, password) {
					t.Fatalf("redactText(%q) = %q", before+" "+arg+" "+after, got)
				}
			}
		}
	})
}
