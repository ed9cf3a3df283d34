package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"smsfail/demosite"
	"smsfail/mail/smtptest"
	"smsfail/query"
)

// TestCheckPasses proves a demo site and a relay: every item passes and
// nothing is mailed, unless --send-test.
func TestCheckPasses(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	s := newSite(t, mailSection(ts.Port))
	r := invoke(context.Background(), nil, "check", "--config", s.config)
	if r.code != exitOK {
		t.Fatalf("check failed:\n%s", r)
	}
	for _, want := range []string{"✓ configuration", "✓ rules", "✓ state folder", "lock free", "✓ report folder",
		"✓ site database", "failures in the last hour", "✓ client share", " read (", "✓ mail", "1 recipients accepted, announces no message size limit (SIZE); nothing sent", "7 of 7 passed."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("checklist lacks %q:\n%s", want, r.stdout)
		}
	}
	if n := len(ts.Received()); n != 0 {
		t.Fatalf("check sent %d mails without --send-test", n)
	}
	r = invoke(context.Background(), nil, "check", "--config", s.config, "--send-test")
	if r.code != exitOK || !strings.Contains(r.stdout, "test message sent to sms-admins@example.org") {
		t.Fatalf("--send-test:\n%s", r)
	}
	ts.Only(t)
}

// TestCheckFailures: every failed item says what failed and what to do,
// and the exit code is 1.
func TestCheckFailures(t *testing.T) {
	s := newSite(t, mailSection(smtptest.RefusedPort(t)))
	r := invoke(context.Background(), nil, "check", "--config", s.config, "--host", "KID-NOSUCH")
	if r.code != exitFailure {
		t.Fatalf("want exit code 1:\n%s", r)
	}
	for _, want := range []string{"✗ client share", "KID-NOSUCH: unreachable", "fix: the host did not answer",
		"✗ mail", "connection refused", "fix: check mail.host and mail.port", "5 of 7 passed, 2 failed."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("checklist lacks %q:\n%s", want, r.stdout)
		}
	}

	bad := newSite(t, "")
	r = invoke(context.Background(), nil, "check", "--config", bad.config+".missing")
	if r.code != exitFailure || !strings.Contains(r.stdout, "✗ configuration") || !strings.Contains(r.stdout, "fix: correct") {
		t.Fatalf("missing configuration:\n%s", r)
	}
}

// TestCheckKeepsSecretsOut: a relay that repeats the password it refused
// does not get it into the checklist or the log.
func TestCheckKeepsSecretsOut(t *testing.T) {
	serverTLS, caFile := smtptest.CA(t)
	ts := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
	ts.EchoCredentials()
	s := newSite(t, fmt.Sprintf(`mail:
  enabled: true
  host: 127.0.0.1
  port: %d
  tls: starttls
  ca_file: %s
  auth: plain
  user: %s
  password: {env: SMSFAIL_SMTP_PASSWORD}
  from: smsfail@example.org
  to: [sms-admins@example.org]
`, ts.Port, caFile, ts.User))
	const password = "Wr0ng-but-Secret"
	r := invoke(context.Background(), map[string]string{"SMSFAIL_SMTP_PASSWORD": password}, "check", "--config", s.config, "--log-level", "debug")
	if r.code != exitFailure || !strings.Contains(r.stdout, "535") || !strings.Contains(r.stdout, "fix: the relay refused the credentials") {
		t.Fatalf("want the relay's refusal:\n%s", r)
	}
	if strings.Contains(r.stdout+r.stderr, password) {
		t.Fatalf("the password is in the output:\n%s", r)
	}
	if !strings.Contains(r.stdout, "mail.password from $SMSFAIL_SMTP_PASSWORD") {
		t.Errorf("the checklist does not say where the password comes from:\n%s", r.stdout)
	}
}

// TestCheckStaleLock: a lock left by a killed run is a warning naming that
// run, not a failure: check takes it over, and the next run starts clean.
func TestCheckStaleLock(t *testing.T) {
	s := newSite(t, "")
	_, holder := startHolder(t, filepath.Join(s.dir, "state"))
	holder.Process.Kill()
	holder.Wait()
	r := invoke(context.Background(), nil, "check", "--config", s.config)
	want := fmt.Sprintf("pid %d", holder.Process.Pid)
	if r.code != exitOK || !strings.Contains(r.stdout, "! state folder") || !strings.Contains(r.stdout, want) ||
		!strings.Contains(r.stdout, "check took over its lock") {
		t.Fatalf("want a warning naming the run that did not end (%s):\n%s", want, r)
	}
	r = invoke(context.Background(), nil, append([]string{"run", "--config", s.config}, s.window()...)...)
	if strings.Contains(r.stderr, "took over the lock") {
		t.Errorf("the run after check still found the lock stale:\n%s", r)
	}
}

// TestCheckHostWithoutSiteQuery: with --host, the share is tried even when
// the failure query fails, so each item says what is wrong on its own.
func TestCheckHostWithoutSiteQuery(t *testing.T) {
	s := newSite(t, "")
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("path: site.db"), []byte("path: "+empty), 1)
	if err := os.WriteFile(s.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	host := ""
	for _, f := range s.truth.Default() {
		if f.Log != "" {
			host = f.Machine
			break
		}
	}
	r := invoke(context.Background(), nil, "check", "--config", s.config, "--host", host)
	// Its log is not found without its failure (the package and program
	// that name it), but its share is read.
	if r.code != exitFailure || !strings.Contains(r.stdout, "✗ site database") ||
		!regexp.MustCompile(`[✓!] client share +`+host+` via `).MatchString(r.stdout) {
		t.Fatalf("want the site database failed and %s's share read:\n%s", host, r)
	}
}

// TestDatabaseFix: the site database's usual failures each get their own
// fix, told from the driver's own words.
func TestDatabaseFix(t *testing.T) {
	for _, c := range []struct {
		driver, err, want string
	}{
		{"sqlserver", "cannot finish connecting on SQL Server smssql:1433: login error: mssql: login error: Login failed for user 'smsfail_reader'.", "database.user"},
		{"sqlserver", "cannot finish connecting on SQL Server smssql:1433: TLS Handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority", "database.ca_file"},
		{"sqlserver", "cannot finish connecting on SQL Server smssql:1433: dial tcp 10.0.0.5:1433: i/o timeout", "TCP 1433"},
		{"sqlite", "cannot open the site database site.db: stat site.db: no such file or directory", "database.path"},
	} {
		if got := databaseFix(query.Config{Driver: c.driver}, errors.New(c.err)); !strings.Contains(got, c.want) {
			t.Errorf("%s: fix %q, want it to name %s", c.err, got, c.want)
		}
	}
}

// TestCheckInterrupted: an interrupted check exits 130, as every command
// does, not 1 as if an item had failed.
func TestCheckInterrupted(t *testing.T) {
	s := newSite(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := invoke(ctx, nil, "check", "--config", s.config); r.code != exitInterrupted {
		t.Fatalf("want exit code %d:\n%s", exitInterrupted, r)
	}
}

// TestCheckNamesViews: check names each view a route reads and whether the
// login can read it; on a site without v_ClientAdvertisementStatus (SMS
// 2003) the client-status route fails and the fix names route messages.
func TestCheckNamesViews(t *testing.T) {
	s := newSite(t, "")
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("route: auto"), []byte("route: client-status"), 1)
	if err := os.WriteFile(s.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	r := invoke(context.Background(), nil, "check", "--config", s.config)
	for _, want := range []string{"✓ site database", "route client-status,", "v_StatusMessage: readable (route messages, client-status)",
		"v_StatMsgInsStrings: readable (route messages, client-status)", "v_ClientAdvertisementStatus: readable (route client-status)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("checklist lacks %q:\n%s", want, r.stdout)
		}
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(s.dir, demosite.DBFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE v_ClientAdvertisementStatus`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	r = invoke(context.Background(), nil, "check", "--config", s.config)
	for _, want := range []string{"✗ site database", "has no view v_ClientAdvertisementStatus, which route client-status needs",
		"v_ClientAdvertisementStatus: missing (route client-status)", "v_R_System: readable (route messages, client-status)",
		"fix: set database.route to messages, which does not read v_ClientAdvertisementStatus"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("checklist lacks %q:\n%s", want, r.stdout)
		}
	}
}
