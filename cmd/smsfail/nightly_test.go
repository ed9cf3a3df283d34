package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"smsfail/config"
	"smsfail/history"
	"smsfail/mail"
	"smsfail/mail/smtptest"
)

// mailSection sends the report through a relay on 127.0.0.1 without TLS.
func mailSection(port int) string {
	return fmt.Sprintf(`mail:
  enabled: true
  host: 127.0.0.1
  port: %d
  tls: none
  from: smsfail@example.org
  to: [sms-admins@example.org]
  retries: 1
  backoff: 10ms
  timeout: 5s
`, port)
}

func lastRun(t *testing.T, s *site) history.RunRecord {
	t.Helper()
	h, err := history.Open(context.Background(), filepath.Join(s.dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	runs, err := h.Runs(context.Background(), 1)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	return runs[0]
}

// TestMailServerDown: the workbook stays on disk, the error is logged with
// the cause, the run is recorded as "mail failed" and the exit code is 4.
func TestMailServerDown(t *testing.T) {
	s := newSite(t, mailSection(smtptest.RefusedPort(t)))
	r := invoke(context.Background(), nil, append([]string{"run", "--config", s.config}, s.window()...)...)
	if r.code != exitMailFailed {
		t.Fatalf("want exit code %d:\n%s", exitMailFailed, r)
	}
	if !strings.Contains(r.stdout, "Mail: NOT delivered") || !strings.Contains(r.stderr, "connection refused") ||
		!strings.Contains(r.stderr, "the report could not be mailed") {
		t.Errorf("the mail failure is not told:\n%s", r)
	}
	book := workbookOf(t, r)
	f, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatalf("the workbook is not on disk: %v", err)
	}
	f.Close()
	run := lastRun(t, s)
	if run.Outcome != history.OutcomeMailFailed || !strings.Contains(run.Error, "connection refused") || run.Report != book {
		t.Fatalf("recorded %s %q %q", run.Outcome, run.Error, run.Report)
	}
}

// TestMailSent: the relay receives the workbook, byte for byte; --no-mail
// sends nothing.
func TestMailSent(t *testing.T) {
	ts := smtptest.Start(t, smtptest.Options{})
	s := newSite(t, mailSection(ts.Port))
	r := invoke(context.Background(), nil, append([]string{"run", "--config", s.config}, s.window()...)...)
	if r.code != exitIncomplete || !strings.Contains(r.stdout, "Mail: sent") {
		t.Fatalf("want exit code %d (the demo site has unreachable hosts) and the mail sent:\n%s", exitIncomplete, r)
	}
	msg, parts := smtptest.Parse(t, ts.Only(t).Data)
	if subject := msg.Header.Get("Subject"); !strings.HasPrefix(subject, "smsfail KID: ") {
		t.Errorf("subject %q", subject)
	}
	book, err := os.ReadFile(workbookOf(t, r))
	if err != nil {
		t.Fatal(err)
	}
	att := smtptest.Find(parts, mail.XLSXType)
	if att == nil || !bytes.Equal(att.Body, book) {
		t.Fatalf("the attachment is not the workbook on disk")
	}
	text := string(smtptest.Find(parts, "text/plain").Body)
	if !strings.Contains(text, "failures:") || !strings.Contains(text, "Top causes per collection") {
		t.Errorf("mail body:\n%s", text)
	}
	if run := lastRun(t, s); run.Outcome != history.OutcomeIncomplete || run.Finished.IsZero() {
		t.Errorf("recorded %s, finished %v", run.Outcome, run.Finished)
	}

	r = invoke(context.Background(), nil, append([]string{"run", "--config", s.config, "--no-mail"}, s.window()...)...)
	if r.code != exitIncomplete || strings.Contains(r.stdout, "Mail:") || len(ts.Received()) != 1 {
		t.Fatalf("--no-mail: %d mails\n%s", len(ts.Received()), r)
	}
}

// TestRunWhileAnotherProcessRuns: a run by hand while another process
// holds the state folder refuses with a clear message, or waits with
// --wait until it ends.
func TestRunWhileAnotherProcessRuns(t *testing.T) {
	s := newSite(t, "")
	holder, _ := startHolder(t, filepath.Join(s.dir, "state"))
	args := append([]string{"run", "--config", s.config}, s.window()...)
	r := invoke(context.Background(), nil, args...)
	if r.code != exitFailure || !strings.Contains(r.stderr, "is still going") || !strings.Contains(r.stderr, "give --wait") {
		t.Fatalf("want a refusal naming the run going:\n%s", r)
	}
	done := make(chan result, 1)
	go func() { done <- invoke(context.Background(), nil, append(args, "--wait")...) }()
	select {
	case r := <-done:
		t.Fatalf("--wait did not wait:\n%s", r)
	case <-time.After(500 * time.Millisecond):
	}
	holder.Close()
	r = <-done
	if r.code != exitIncomplete || !strings.Contains(r.stderr, "waiting for it to end") {
		t.Fatalf("after the other run ended:\n%s", r)
	}
}

// TestStaleLockTakenOver: the lock of a killed process is taken over at
// once, and the log names the run that did not end.
func TestStaleLockTakenOver(t *testing.T) {
	s := newSite(t, "")
	_, holder := startHolder(t, filepath.Join(s.dir, "state"))
	pid := holder.Process.Pid
	holder.Process.Kill()
	holder.Wait()
	r := invoke(context.Background(), nil, append([]string{"run", "--config", s.config}, s.window()...)...)
	if r.code != exitIncomplete || !strings.Contains(r.stderr, "took over the lock of a run that did not end") ||
		!strings.Contains(r.stderr, fmt.Sprintf("pid %d", pid)) {
		t.Fatalf("want the stale lock taken over and its holder named:\n%s", r)
	}
}

// TestServe runs the real job on a schedule of every second over a demo
// site: two nights whose windows meet, then a clean stop on cancel.
func TestServe(t *testing.T) {
	s := newSite(t, "schedule:\n  cron: \"@daily\"\n  grace: 5s\n")
	cfg, err := config.Load(s.config, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Schedule.Cron = "* * * * * *" // seconds field first
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	a := &app{stdout: &stderr, stderr: &stderr, getenv: func(string) string { return "" }}
	served := make(chan error, 1)
	go func() {
		served <- serve(ctx, a, cfg, serveOptions{seconds: true, logs: logOptions{level: "info", format: "text"}})
	}()

	h, err := history.Open(context.Background(), cfg.State.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var runs []history.RunRecord
	for deadline := time.Now().Add(30 * time.Second); len(runs) < 2; time.Sleep(100 * time.Millisecond) {
		select {
		case err := <-served:
			t.Fatalf("serve returned before it was stopped: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve ran %d nights in 30s:\n%s", len(runs), stderr.String())
		}
		if runs, err = h.Runs(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
	first, second := runs[len(runs)-1], runs[len(runs)-2]
	if first.Kind != history.KindNightly || first.Outcome != history.OutcomeIncomplete || !first.Since.Equal(first.Until.Add(-24*time.Hour)) {
		t.Errorf("first night %+v", first)
	}
	if second.Kind != history.KindNightly || second.Outcome == history.OutcomeFailed || !second.Since.Equal(first.Until) {
		t.Errorf("the second night (%s) starts %s, the first ended %s", second.Kind, second.Since, first.Until)
	}
	for _, want := range []string{"schedule started", "next_run", "night done", "schedule stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("serve's log lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestServeRefusesBrokenRules: a rules file that does not load stops serve
// at start, instead of failing every night.
func TestServeRefusesBrokenRules(t *testing.T) {
	s := newSite(t, "schedule:\n  cron: \"@daily\"\nrules:\n  file: rules.yaml\n")
	if err := os.WriteFile(filepath.Join(filepath.Dir(s.config), "rules.yaml"), []byte("rules:\n  - id: x\n    patern: y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(s.config, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	a := &app{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = serve(ctx, a, cfg, serveOptions{logs: logOptions{level: "info", format: "text"}})
	if err == nil || !strings.Contains(err.Error(), "patern") {
		t.Fatalf("serve = %v, want the rules file's mistake\n%s", err, out.String())
	}
	if ctx.Err() != nil {
		t.Fatal("serve waited for the schedule instead of refusing to start")
	}
}

// TestServeWaitsForTheSiteDatabase: a site database that cannot be reached
// when serve starts is logged and tried again at the night; serve keeps
// running until it is stopped.
func TestServeWaitsForTheSiteDatabase(t *testing.T) {
	s := newSite(t, "schedule:\n  cron: \"@daily\"\n")
	cfg, err := config.Load(s.config, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(cfg.Database.Path); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	a := &app{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, a, cfg, serveOptions{logs: logOptions{level: "info", format: "text"}}) }()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "schedule started"); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-served:
			t.Fatalf("serve gave up at start: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start its schedule:\n%s", out.String())
		}
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "trying again at the next run") {
		t.Errorf("serve did not say it would try again:\n%s", out.String())
	}
}

// TestWindowInSiteTimeZone: a date on the command line is a date of the
// site's time zone, the one the workbook shows, and the summary speaks in
// it too.
func TestWindowInSiteTimeZone(t *testing.T) {
	s := newSite(t, "")
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("site:\n"), []byte("site:\n  timezone: Asia/Tokyo\n"), 1)
	if err := os.WriteFile(s.config, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	r := invoke(context.Background(), nil, "run", "--config", s.config, "--since", "2026-03-01", "--until", "2026-03-02 06:00")
	if r.code != exitOK || !strings.Contains(r.stdout, "from 2026-03-01 00:00 to 2026-03-02 06:00") {
		t.Fatalf("want the window told in the site's time zone:\n%s", r)
	}
	run := lastRun(t, s)
	if want := time.Date(2026, 2, 28, 15, 0, 0, 0, time.UTC); !run.Since.Equal(want) {
		t.Errorf("--since 2026-03-01 in Asia/Tokyo began the window at %s, want %s", run.Since, want)
	}
}
