package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"smsfail"
	"smsfail/demosite"
)

var testNow = time.Date(2007, 2, 22, 6, 0, 0, 0, time.UTC)

// The generated site every table test reads; built once per test binary.
var shared struct {
	once  sync.Once
	dir   string
	truth *demosite.Truth
	err   error
}

func site(t testing.TB) (string, *demosite.Truth) {
	t.Helper()
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "smsfail-query-site-")
		if shared.err == nil {
			shared.truth, shared.err = demosite.Generate(context.Background(), shared.dir,
				demosite.Options{Seed: 7, Clients: 800, Now: testNow, WithoutLogs: true})
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return filepath.Join(shared.dir, demosite.DBFile), shared.truth
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func openSite(t testing.TB, path string, log *slog.Logger) *DB {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Driver, cfg.Path, cfg.Logger = DriverSQLite, path, log
	db, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// copySite gives a test its own copy of the site database to damage.
func copySite(t *testing.T) string {
	t.Helper()
	src, _ := site(t)
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "site.db")
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

func collect(t *testing.T, db *DB, route Route, f Filter) ([]smsfail.Failure, Route) {
	t.Helper()
	var out []smsfail.Failure
	used, err := db.Failures(context.Background(), route, f, func(fl smsfail.Failure) error {
		out = append(out, fl)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, used
}

func window(tr *demosite.Truth) Filter { return Filter{Since: tr.Since, Until: tr.Now} }

// TestMessagesMatchTruth: every failure the generator made is found once,
// with its collection, exit code, count and time; nothing else is.
func TestMessagesMatchTruth(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	for _, code := range []int64{1603, 1618, 2} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			f := window(tr)
			f.ExitCodes = []int64{code}
			got, _ := collect(t, db, RouteMessages, f)
			want := tr.WithExitCode(code)
			if len(want) == 0 {
				t.Fatal("the site has no such failure")
			}
			compareTruth(t, got, want, true)
		})
	}
}

func compareTruth(t *testing.T, got []smsfail.Failure, want []demosite.TruthFailure, unknownToo bool) {
	t.Helper()
	byKey := map[string]smsfail.Failure{}
	for _, g := range got {
		if _, dup := byKey[g.Key()]; dup {
			t.Errorf("%s %s reported twice", g.Machine, g.AdvertisementID)
		}
		byKey[g.Key()] = g
	}
	n := 0
	for _, w := range want {
		if w.ResourceID == 0 && !unknownToo {
			continue
		}
		n++
		g, ok := byKey[w.Machine+"\x00"+w.AdvertisementID]
		if !ok {
			t.Errorf("missing %s %s (exit %d)", w.Machine, w.AdvertisementID, w.ExitCode)
			continue
		}
		if g.CollectionID != w.CollectionID || g.ExitCode != w.ExitCode || !g.ExitCodeKnown ||
			g.Count != w.Count || !g.Time.Equal(w.Time) || g.ResourceID != w.ResourceID {
			t.Errorf("%s %s: got collection %s exit %d (%v) count %d at %v resource %d, want %s %d %d %v %d",
				w.Machine, w.AdvertisementID, g.CollectionID, g.ExitCode, g.ExitCodeKnown, g.Count, g.Time, g.ResourceID,
				w.CollectionID, w.ExitCode, w.Count, w.Time, w.ResourceID)
		}
	}
	if len(got) != n {
		t.Errorf("got %d failures, the site has %d", len(got), n)
	}
}

// TestRoutesAgree: both routes give the same records in the same order;
// the failures of machines unknown to v_R_System, which the view cannot
// see, come from their messages on both.
func TestRoutesAgree(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	f := window(tr)
	f.AnyExitCode = true
	msgs, _ := collect(t, db, RouteMessages, f)
	cas, _ := collect(t, db, RouteClientStatus, f)
	if !slices.ContainsFunc(msgs, func(fl smsfail.Failure) bool { return fl.ResourceID == 0 }) {
		t.Fatal("the site has no failure of a machine unknown to v_R_System")
	}
	if len(msgs) != len(cas) {
		t.Fatalf("messages route: %d records, client-status route: %d", len(msgs), len(cas))
	}
	for i := range cas {
		m := msgs[i]
		if m.ResourceID != 0 {
			m.RecordID = 0 // the view has no message
		}
		if m != cas[i] {
			t.Errorf("routes disagree:\nmessages      %+v\nclient-status %+v", m, cas[i])
		}
	}
	compareTruth(t, cas, tr.Failures, true)
}

// TestAutoRoute takes client status where the view exists, else messages;
// asked for client status on a site without it, the error names the view
// and the route.
func TestAutoRoute(t *testing.T) {
	path, tr := site(t)
	_, used := collect(t, openSite(t, path, nil), RouteAuto, window(tr))
	if used != RouteClientStatus {
		t.Errorf("auto took %s on a site with v_ClientAdvertisementStatus", used)
	}
	old := copySite(t)
	dropTable(t, old, "v_ClientAdvertisementStatus")
	db := openSite(t, old, nil)
	got, used := collect(t, db, RouteAuto, window(tr))
	if used != RouteMessages || len(got) != len(tr.Default()) {
		t.Errorf("auto on an SMS 2003 site took %s and found %d failures, want messages and %d", used, len(got), len(tr.Default()))
	}
	_, err := db.Failures(context.Background(), RouteClientStatus, window(tr), func(smsfail.Failure) error { return nil })
	var missing *MissingViewError
	if !errors.As(err, &missing) || !strings.Contains(err.Error(), "v_ClientAdvertisementStatus") ||
		!strings.Contains(err.Error(), "client-status") {
		t.Errorf("client-status route on a site without the view: %v", err)
	}
	var bad *ConfigError
	if _, err := db.Resolve(context.Background(), "cas"); !errors.As(err, &bad) || bad.Key != "route" {
		t.Errorf("route cas: %v, want an error on route", err)
	}
	dropTable(t, old, "v_StatMsgInsStrings")
	_, err = db.Failures(context.Background(), RouteMessages, window(tr), func(smsfail.Failure) error { return nil })
	if !errors.As(err, &missing) || missing.View != "v_StatMsgInsStrings" || missing.Route != RouteMessages {
		t.Errorf("messages route without v_StatMsgInsStrings: %v", err)
	}
}

func exec(t *testing.T, path string, stmts ...string) {
	t.Helper()
	// The job opens sites read-only; a test writes through its own handle.
	x, err := sqlOpenWritable(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, st := range stmts {
		if _, err := x.Exec(st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
}

func dropTable(t *testing.T, path, table string) { exec(t, path, "DROP TABLE "+table) }

func logTo(b *bytes.Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestSiteInOddFolder: a site database in a folder whose name holds what a
// file URI reads as a query, a fragment or an escape still opens and answers.
func TestSiteInOddFolder(t *testing.T) {
	src := copySite(t)
	dir := filepath.Join(t.TempDir(), "site #2 100%?x")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "site.db")
	if err := os.Rename(src, dst); err != nil {
		t.Fatal(err)
	}
	_, tr := site(t)
	f := Filter{Since: tr.Since, Until: tr.Now}
	if got, _ := collect(t, openSite(t, dst, nil), RouteMessages, f); len(got) != len(tr.Default()) {
		t.Errorf("%d failures from the site in %q, want %d", len(got), dir, len(tr.Default()))
	}
}
