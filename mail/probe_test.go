package mail

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/emersion/go-smtp"

	"smsfail/mail/smtptest"
)

func TestProbeSendsNothing(t *testing.T) {
	serverTLS, caFile := smtptest.CA(t)
	ts := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
	cfg := config(ts)
	cfg.TLS, cfg.CAFile = TLSStartTLS, caFile
	cfg.Auth, cfg.User, cfg.Password = AuthLogin, ts.User, ts.Password
	res, err := Probe(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !res.TLS || !strings.HasPrefix(res.TLSVersion, "TLS 1.") || !res.Auth {
		t.Errorf("probe %+v: want TLS and authentication", res)
	}
	if strings.Join(res.Recipients, ",") != "sms-admins@example.org,desktop@example.org" {
		t.Errorf("recipients accepted %v", res.Recipients)
	}
	if n := len(ts.Received()); n != 0 {
		t.Fatalf("the probe sent %d mails", n)
	}
}

func TestProbeFailures(t *testing.T) {
	down := config(&smtptest.Server{Host: "127.0.0.1", Port: smtptest.RefusedPort(t)})
	if _, err := Probe(context.Background(), down); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("server down: %v", err)
	}

	ts := smtptest.Start(t, smtptest.Options{})
	ts.Refuse(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied"}, nil, -1)
	_, err := Probe(context.Background(), config(ts))
	if err == nil || !strings.Contains(err.Error(), "refuses recipients") || !strings.Contains(err.Error(), "5.7.1 Relaying denied") {
		t.Errorf("relay refused: %v", err)
	}

	noTLS := config(smtptest.Start(t, smtptest.Options{}))
	noTLS.TLS = TLSStartTLS
	if _, err := Probe(context.Background(), noTLS); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("STARTTLS missing: %v", err)
	}

	serverTLS, caFile := smtptest.CA(t)
	auth := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
	auth.EchoCredentials()
	bad := config(auth)
	bad.TLS, bad.CAFile = TLSStartTLS, caFile
	bad.Auth, bad.User, bad.Password = AuthPlain, auth.User, "not-the-Pa55"
	_, err = Probe(context.Background(), bad)
	if err == nil || !strings.Contains(err.Error(), "535") || strings.Contains(err.Error(), "not-the-Pa55") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSendTest(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	if err := SendTest(context.Background(), config(ts), "KID"); err != nil {
		t.Fatal(err)
	}
	msg, parts := smtptest.Parse(t, ts.Only(t).Data)
	if s := msg.Header.Get("Subject"); s != "smsfail KID: test message" {
		t.Errorf("subject %q", s)
	}
	if p := smtptest.Find(parts, "text/plain"); p == nil || !strings.Contains(string(p.Body), "smsfail check --send-test") {
		t.Errorf("body: %+v", parts)
	}
}

func TestProbeNamesAnIPv6Server(t *testing.T) {
	cfg := config(&smtptest.Server{Host: "::1", Port: smtptest.RefusedPort(t)})
	res, err := Probe(context.Background(), cfg)
	want := "[::1]:" + strconv.Itoa(cfg.Port)
	if res.Server != want || err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("server %q, error %v; want %s named", res.Server, err, want)
	}
}
