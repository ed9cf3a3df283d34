package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
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

func config(ts *testServer) Config {
	return Config{
		Host: ts.host, Port: ts.port, TLS: TLSNone,
		From: "smsfail <smsfail@example.org>", To: []string{"sms-admins@example.org"}, Cc: []string{"desktop@example.org"},
		Retries: 2, Backoff: 10 * time.Millisecond, Timeout: 5 * time.Second,
	}
}

// part is one leaf of a received MIME message.
type part struct {
	contentType string
	params      map[string]string
	disposition string
	filename    string
	body        []byte
}

// parse walks a received message with the standard library only.
func parse(t *testing.T, data []byte) (*netmail.Message, []part) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("received message does not parse: %v", err)
	}
	var parts []part
	var walk func(header map[string][]string, body io.Reader)
	walk = func(header map[string][]string, body io.Reader) {
		h := netmail.Header(header)
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatalf("bad content type %q: %v", h.Get("Content-Type"), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header, p)
			}
		}
		raw, _ := io.ReadAll(body)
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "base64":
			raw, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(raw)))
		case "quoted-printable":
			raw, err = io.ReadAll(newQP(raw))
		}
		if err != nil {
			t.Fatalf("cannot decode a %s part: %v", ct, err)
		}
		disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
		parts = append(parts, part{contentType: ct, params: params, disposition: disp, filename: dparams["filename"], body: raw})
	}
	walk(msg.Header, msg.Body)
	return msg, parts
}

func find(parts []part, ct string) *part {
	for i := range parts {
		if parts[i].contentType == ct {
			return &parts[i]
		}
	}
	return nil
}

func TestSendOverSTARTTLSWithSiteCA(t *testing.T) {
	serverTLS, caFile := testCA(t)
	ts := startServer(t, serverOptions{starttls: serverTLS})
	path, content := workbook(t, 300_000)
	cfg := config(ts)
	cfg.TLS, cfg.CAFile = TLSStartTLS, caFile
	cfg.Auth, cfg.User, cfg.Password = AuthPlain, ts.user, ts.password

	if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
		t.Fatal(err)
	}
	got := ts.only(t)
	if !got.tls || got.user != ts.user {
		t.Fatalf("sent with tls=%v as %q", got.tls, got.user)
	}
	if got.from != "smsfail@example.org" || strings.Join(got.to, ",") != "sms-admins@example.org,desktop@example.org" {
		t.Fatalf("envelope from %q to %q", got.from, got.to)
	}
	msg, parts := parse(t, got.data)
	if s := msg.Header.Get("Subject"); s != "smsfail KID: 1234 failures on 2025-03-10" {
		t.Fatalf("subject %q", s)
	}
	if msg.Header.Get("Cc") != "<desktop@example.org>" || msg.Header.Get("Message-Id") == "" {
		t.Fatalf("headers %v", msg.Header)
	}
	att := find(parts, XLSXType)
	if att == nil {
		t.Fatalf("no %s part among %d parts", XLSXType, len(parts))
	}
	if att.disposition != "attachment" || att.filename != "smsfail-KID-2025-03-10.xlsx" {
		t.Fatalf("attachment disposition %q, file name %q", att.disposition, att.filename)
	}
	if !bytes.Equal(att.body, content) {
		t.Fatalf("attachment differs from the workbook: %d bytes received, %d sent", len(att.body), len(content))
	}
	text, html := find(parts, "text/plain"), find(parts, "text/html")
	if text == nil || html == nil {
		t.Fatal("text or HTML body missing")
	}
	for _, want := range []string{"1,234 failures", "4 hosts unreachable", "12 new, 30 recurring, 5 fixed", "Run the uninstall tool", "is attached"} {
		if !strings.Contains(string(text.body), want) {
			t.Errorf("text body lacks %q:\n%s", want, text.body)
		}
	}
	for _, want := range []string{"<b>1,234</b>", "Hosts unreachable</td><td align=\"right\">4<", "<b>12</b> new", "Run the uninstall tool", "is attached"} {
		if !strings.Contains(string(html.body), want) {
			t.Errorf("HTML body lacks %q:\n%s", want, html.body)
		}
	}
}

func TestSendImplicitTLSWithLogin(t *testing.T) {
	serverTLS, caFile := testCA(t)
	ts := startServer(t, serverOptions{implicit: serverTLS})
	path, content := workbook(t, 1000)
	cfg := config(ts)
	cfg.TLS, cfg.CAFile = TLSImplicit, caFile
	cfg.Auth, cfg.User, cfg.Password = AuthLogin, ts.user, ts.password
	if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
		t.Fatal(err)
	}
	got := ts.only(t)
	_, parts := parse(t, got.data)
	if !got.tls || got.user != ts.user || !bytes.Equal(find(parts, XLSXType).body, content) {
		t.Fatalf("tls=%v user=%q", got.tls, got.user)
	}
}

func TestWorkbookAboveLimitNotAttached(t *testing.T) {
	ts := startServer(t, serverOptions{})
	path, _ := workbook(t, 5000)
	for _, limit := range []int64{4999, -1} {
		cfg := config(ts)
		cfg.MaxAttachBytes = limit
		if err := Send(context.Background(), cfg, testSummary(), path); err != nil {
			t.Fatal(err)
		}
	}
	got := ts.received()
	if len(got) != 2 {
		t.Fatalf("%d mails", len(got))
	}
	for i, want := range []string{"larger than the mail limit of 4.9 KiB", "attachments are turned off"} {
		_, parts := parse(t, got[i].data)
		if find(parts, XLSXType) != nil {
			t.Fatal("workbook attached above the limit")
		}
		text := string(find(parts, "text/plain").body)
		if !strings.Contains(text, want) || !strings.Contains(text, path) {
			t.Fatalf("body does not say %q and give the path %s:\n%s", want, path, text)
		}
	}
}

func TestServerDownRetriedThenFails(t *testing.T) {
	cfg := config(&testServer{host: "127.0.0.1", port: refusedPort(t)})
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
			ts := startServer(t, serverOptions{})
			ts.rcptErr, ts.dataErr, ts.failSessions = tc.rcpt, tc.data, -1
			path, _ := workbook(t, 100)
			err := Send(context.Background(), config(ts), testSummary(), path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), strconv.Itoa(code(tc.rcpt, tc.data))) {
				t.Fatalf("got %v, want the server's answer %q", err, tc.want)
			}
			if n := ts.sessionCount(); n != 1 {
				t.Fatalf("a permanent refusal was tried %d times", n)
			}
			if len(ts.received()) != 0 {
				t.Fatal("mail accepted")
			}
		})
	}
}

func TestTemporaryFailureRetried(t *testing.T) {
	ts := startServer(t, serverOptions{})
	ts.rcptErr = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	ts.failSessions = 2
	path, _ := workbook(t, 100)
	if err := Send(context.Background(), config(ts), testSummary(), path); err != nil {
		t.Fatal(err)
	}
	if n := ts.sessionCount(); n != 3 {
		t.Fatalf("%d sessions, want two refused and one accepted", n)
	}
	ts.only(t)
}

func TestSTARTTLSRequiredButNotOffered(t *testing.T) {
	ts := startServer(t, serverOptions{})
	cfg := config(ts)
	cfg.TLS = TLSStartTLS
	cfg.Auth, cfg.User, cfg.Password = AuthPlain, ts.user, ts.password
	err := Send(context.Background(), cfg, testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), "does not support STARTTLS") {
		t.Fatalf("got %v", err)
	}
	if ts.sessionCount() != 1 || len(ts.received()) != 0 {
		t.Fatalf("%d sessions, %d mails: sent in clear or retried", ts.sessionCount(), len(ts.received()))
	}
}

func TestUnknownCertificateRefused(t *testing.T) {
	serverTLS, _ := testCA(t)
	ts := startServer(t, serverOptions{starttls: serverTLS})
	cfg := config(ts)
	cfg.TLS = TLSStartTLS // no CA file: the site's certificate is not trusted
	err := Send(context.Background(), cfg, testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
		t.Fatalf("got %v", err)
	}
	if ts.sessionCount() != 1 || len(ts.received()) != 0 {
		t.Fatal("sent or retried despite an untrusted certificate")
	}
}

func TestOpportunisticFallsBackToClear(t *testing.T) {
	ts := startServer(t, serverOptions{})
	cfg := config(ts)
	cfg.TLS = TLSOpportunistic
	if err := Send(context.Background(), cfg, testSummary(), ""); err != nil {
		t.Fatal(err)
	}
	if got := ts.only(t); got.tls {
		t.Fatal("TLS without STARTTLS?")
	}
}

func TestAuthFailureKeepsPasswordOut(t *testing.T) {
	serverTLS, caFile := testCA(t)
	ts := startServer(t, serverOptions{starttls: serverTLS})
	ts.echoCredentials = true
	cfg := config(ts)
	cfg.TLS, cfg.CAFile = TLSStartTLS, caFile
	cfg.Auth, cfg.User, cfg.Password = AuthPlain, ts.user, "wrong-Pa55word"
	err := Send(context.Background(), cfg, testSummary(), "")
	if err == nil || !strings.Contains(err.Error(), `535 "5.7.8 Authentication credentials invalid`) {
		t.Fatalf("got %v, want the server's answer", err)
	}
	if strings.Contains(err.Error(), "wrong-Pa55word") {
		t.Fatalf("password in the error: %v", err)
	}
	if ts.sessionCount() != 1 {
		t.Fatal("a refused password was retried")
	}
}

func TestCancelStopsRetrying(t *testing.T) {
	cfg := config(&testServer{host: "127.0.0.1", port: refusedPort(t)})
	cfg.Retries, cfg.Backoff = 5, time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := Send(ctx, cfg, testSummary(), "")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("got %v", err)
	}
}

func TestMissingWorkbook(t *testing.T) {
	ts := startServer(t, serverOptions{})
	err := Send(context.Background(), config(ts), testSummary(), filepath.Join(t.TempDir(), "gone.xlsx"))
	if !errors.Is(err, os.ErrNotExist) || ts.sessionCount() != 0 {
		t.Fatalf("got %v after %d sessions", err, ts.sessionCount())
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
