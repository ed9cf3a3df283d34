package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"smsfail/config"
	"smsfail/history"
)

// breakSite leaves the demo site's database missing, corrupt or locked by
// another program, and returns what the recorded error must name.
var breakSite = map[string]func(t *testing.T, db string) string{
	"missing": func(t *testing.T, db string) string {
		if err := os.Remove(db); err != nil {
			t.Fatal(err)
		}
		return "site.db"
	},
	"corrupt": func(t *testing.T, db string) string {
		if err := os.WriteFile(db, []byte(strings.Repeat("not a database ", 400)), 0o644); err != nil {
			t.Fatal(err)
		}
		return "not a database"
	},
	"locked": func(t *testing.T, db string) string {
		x, err := sql.Open("sqlite", "file:"+db)
		if err != nil {
			t.Fatal(err)
		}
		x.SetMaxOpenConns(1)
		t.Cleanup(func() { x.Close() })
		if _, err := x.Exec("PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; CREATE TABLE held(x)"); err != nil {
			t.Fatal(err)
		}
		return "locked"
	},
}

// noRetries makes a site database that does not open fail at once.
func noRetries(t *testing.T, s *site) {
	t.Helper()
	replaceInFile(t, s.config, "  route: auto\n", "  route: auto\n  retries: 0\n")
}

// TestRunRecordsANightTheSiteDatabaseStopped: a site database missing,
// corrupt or locked fails the night, and the history says so.
func TestRunRecordsANightTheSiteDatabaseStopped(t *testing.T) {
	for name, broke := range breakSite {
		t.Run(name, func(t *testing.T) {
			s := newSite(t, "")
			noRetries(t, s)
			want := broke(t, filepath.Join(s.dir, "site.db"))
			r := invoke(context.Background(), nil, "run", "--config", s.config)
			if r.code != exitFailure || !strings.Contains(r.stderr, want) {
				t.Fatalf("want the night to fail naming %q:\n%s", want, r)
			}
			run := lastRun(t, s)
			if run.Kind != history.KindNightly || run.Outcome != history.OutcomeFailed || !strings.Contains(run.Error, want) {
				t.Fatalf("recorded %s %s %q, want a failed night naming %q", run.Kind, run.Outcome, run.Error, want)
			}
		})
	}
}

// TestServeRecordsANightTheSiteDatabaseStopped: the same in serve, whose
// schedule goes on.
func TestServeRecordsANightTheSiteDatabaseStopped(t *testing.T) {
	s := newSite(t, "schedule:\n  cron: \"@daily\"\n  grace: 5s\n")
	noRetries(t, s)
	breakSite["missing"](t, filepath.Join(s.dir, "site.db"))
	cfg, err := config.Load(s.config, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Schedule.Cron = "* * * * * *"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	a := &app{stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
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
		if time.Now().After(deadline) {
			t.Fatalf("serve recorded %d nights in 30s:\n%s", len(runs), out.String())
		}
		if runs, err = h.Runs(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	for _, run := range runs {
		if run.Kind != history.KindNightly || run.Outcome != history.OutcomeFailed || !strings.Contains(run.Error, "site.db") {
			t.Errorf("recorded %s %s %q, want a failed night naming site.db", run.Kind, run.Outcome, run.Error)
		}
	}
}
