package history

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"smsfail"
)

// trendLine is a night of the trend as the tests compare it.
func trendLine(n TrendNight) string {
	s := n.Date.Format("01-02") + " " + n.State()
	if n.Run != nil {
		s += fmt.Sprintf(" %d/%d/%d/%d", n.Run.Counts.Failures, n.Run.New, n.Run.Recurring, n.Run.Fixed)
		for _, c := range sortedCauses(n.Causes) {
			s += fmt.Sprintf(" %s=%d", c, n.Causes[c])
		}
	}
	if n.Current {
		s += " (now)"
	}
	return s
}

func sortedCauses(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }

// The trend has a row per day, shows the night that failed and the day no
// night ran as such, and adds the night being written at the end.
func TestTrendDays(t *testing.T) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	s := &site{failures: []event{
		{"PC01", "KID20001", "disk-full", night(0).Add(-5 * time.Hour)},
		{"PC02", "KID20001", "disk-full", night(0).Add(-4 * time.Hour)},
		{"PC01", "KID20001", "disk-full", night(1).Add(-3 * time.Hour)},
		{"PC03", "KID20002", "unreachable", night(1).Add(-3 * time.Hour)},
		{"PC03", "KID20002", "unreachable", night(3).Add(-30 * time.Hour)},
		{"PC04", "KID20002", "custom-action-failed", night(4).Add(-time.Hour)},
	}, successes: []success{{"PC02", "KID20001", night(0).Add(time.Hour)}}}
	runNight(t, h, s, night(0), OutcomeOK)
	runNight(t, h, s, night(1), OutcomeOK)
	// Night 2 did not run; night 3 failed; night 4 covers from night 1 on.
	failed, err := h.Begin(RunSpec{Kind: KindNightly, Since: night(1), Until: night(3)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := failed.Commit(ctx, CommitInfo{Outcome: OutcomeFailed, Error: "site database down"}); err != nil {
		t.Fatal(err)
	}
	until := night(4)
	run, err := h.Begin(RunSpec{Kind: KindNightly, Since: night(1), Until: until, Started: until})
	if err != nil {
		t.Fatal(err)
	}
	results := s.query(night(1), until)
	if _, err := run.Mark(ctx, results, &successes{s: s}); err != nil {
		t.Fatal(err)
	}
	trend, err := run.Trend(ctx, 30, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range trend {
		got = append(got, trendLine(n))
	}
	want := []string{
		"03-10 ran 2/2/0/0 disk-full=2",
		"03-11 ran 2/1/1/1 disk-full=1 not read: unreachable=1",
		"03-12 did not run",
		"03-13 failed",
		"03-14 ran 2/1/1/0 custom-action-failed=1 not read: unreachable=1 (now)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("trend:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if trend[3].Failed.Error != "site database down" {
		t.Fatalf("failed night %+v", trend[3].Failed)
	}
	since, over := Movers(trend, 5)
	if fmt.Sprint(since) != "[{custom-action-failed 0 1} {disk-full 1 0}]" {
		t.Fatalf("movers since last night %v", since)
	}
	if fmt.Sprint(over) != "[{disk-full 2 0} {custom-action-failed 0 1} {not read: unreachable 0 1}]" {
		t.Fatalf("movers over the window %v", over)
	}
	// A shorter trend starts later; the committed night reads the same
	// from the database as it did pending.
	if _, err := run.Commit(ctx, CommitInfo{Outcome: OutcomeOK, Counts: smsfail.Count(slices.Values(results))}); err != nil {
		t.Fatal(err)
	}
	next, err := h.Begin(RunSpec{Kind: KindOnce, Since: night(0), Until: night(1), Started: until})
	if err != nil {
		t.Fatal(err)
	}
	short, err := next.Trend(ctx, 2, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(short) != 2 || trendLine(short[1]) != strings.TrimSuffix(want[4], " (now)") || short[0].State() != "failed" {
		t.Fatalf("two-day trend of a run by hand: %v", short)
	}
}

// Days are the site's: a night that ends at 02:00 UTC belongs to the day
// before in New York.
func TestTrendInSiteZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	h := open(t, t.TempDir())
	s := &site{failures: []event{{"PC01", "KID20001", "disk-full", night(0).Add(-time.Hour)}}}
	runNight(t, h, s, night(0), OutcomeOK)
	run, err := h.Begin(RunSpec{Kind: KindOnce, Since: night(0), Until: night(1), Started: night(1)})
	if err != nil {
		t.Fatal(err)
	}
	trend, err := run.Trend(context.Background(), 7, ny)
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 2 || trend[0].Date.Format("2006-01-02") != "2025-03-09" || trend[1].State() != "did not run" {
		t.Fatalf("trend in New York: %v", trend)
	}
}

// Retention drops the failures of old nights in the night's own
// transaction and keeps their counts and causes for the trend.
func TestKeepNights(t *testing.T) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	s := &site{}
	for n := 0; n < 6; n++ {
		s.failures = append(s.failures, event{"PC01", "KID20001", "disk-full", night(n).Add(-time.Hour)},
			event{fmt.Sprintf("PC%02d", 10+n), "KID20002", "custom-action-failed", night(n).Add(-time.Hour)})
		until := night(n)
		since, err := h.WindowStart(ctx, until, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		run, err := h.Begin(RunSpec{Kind: KindNightly, Since: since, Until: until, Started: until, KeepNights: 3})
		if err != nil {
			t.Fatal(err)
		}
		run.SetProgress([]Progress{{AdvertisementID: "KID20001", AdvertisementName: "Office", CollectionID: "KID00011", Targeted: 10, Succeeded: n, Failed: 1}})
		results := s.query(since, until)
		m, err := run.Mark(ctx, results, &successes{s: s})
		if err != nil {
			t.Fatal(err)
		}
		if n == 5 && m.ByKey[key("PC01", "KID20001")].Nights != 6 {
			t.Fatalf("nights of a failure open since before the kept nights: %+v", m.ByKey[key("PC01", "KID20001")])
		}
		if _, err := run.Commit(ctx, CommitInfo{Outcome: OutcomeOK, Counts: smsfail.Count(slices.Values(results))}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(q string) int {
		var n int
		if err := h.db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if f, p, r, c := count(`SELECT COUNT(DISTINCT run_id) FROM findings`), count(`SELECT COUNT(*) FROM progress`),
		count(`SELECT COUNT(*) FROM runs`), count(`SELECT COUNT(DISTINCT run_id) FROM run_causes`); f != 3 || p != 3 || r != 6 || c != 6 {
		t.Fatalf("after 6 nights keeping 3: findings of %d runs, %d progress rows, %d runs, causes of %d runs", f, p, r, c)
	}
	runs, err := h.Runs(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.ProgressOf(ctx, runs[0].ID)
	if err != nil || len(p) != 1 || p[0].Succeeded != 5 || p[0].AdvertisementName != "Office" {
		t.Fatalf("progress of the last night: %+v %v", p, err)
	}
	run, err := h.Begin(RunSpec{Kind: KindOnce, Since: night(0), Until: night(6), Started: night(6)})
	if err != nil {
		t.Fatal(err)
	}
	trend, err := run.Trend(ctx, 30, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 7 || trend[0].Causes["disk-full"] != 1 || trend[0].Run.Counts.Failures != 2 {
		t.Fatalf("the trend lost pruned nights: %v", trend)
	}
}

// A history written before the trend existed gets its causes per run from
// its findings when it is opened.
func TestMigrationKeepsCauses(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{schemaV1, `PRAGMA user_version = 1`,
		`INSERT INTO runs (id, kind, since, until, started, committed, outcome, failures, classified, no_detail, unclassified, unread, unreachable, new, recurring, fixed)
		 VALUES (1, 'nightly', '2025-03-09T02:00:00.000000000Z', '2025-03-10T02:00:00.000000000Z', '2025-03-10T02:00:00.000000000Z', '2025-03-10T02:00:00.000000000Z', 'ok', 3, 3, 0, 0, 0, 0, 3, 0, 0)`,
		`INSERT INTO findings VALUES (1, 'PC01', 'KID20001', 'C', 'disk-full', 1603, '2025-03-10T01:00:00.000000000Z', 'new', 1)`,
		`INSERT INTO findings VALUES (1, 'PC02', 'KID20001', 'C', 'disk-full', 1603, '2025-03-10T01:00:00.000000000Z', 'new', 1)`,
		`INSERT INTO findings VALUES (1, 'PC03', 'KID20001', 'C', 'no-detail', 1603, '2025-03-10T01:00:00.000000000Z', 'new', 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	h := open(t, dir)
	run, err := h.Begin(RunSpec{Kind: KindOnce, Since: night(0), Until: night(1), Started: night(0)})
	if err != nil {
		t.Fatal(err)
	}
	trend, err := run.Trend(context.Background(), 3, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if len(trend) != 1 || fmt.Sprint(trend[0].Causes) != "map[disk-full:2 no-detail:1]" {
		t.Fatalf("trend after migration: %v", trend)
	}
}
