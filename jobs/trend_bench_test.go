package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"smsfail"
	"smsfail/history"
	"smsfail/report"
)

// A year of nights on a site of 100,000 clients: about 10,000 failures a
// night, most of them recurring, some fixed, some new. The history is
// built by the first benchmark run through the history's own Mark and
// Commit, and kept under $SMSFAIL_BENCH_HISTORY or in the temporary
// folder for the next ones.
const (
	yearNights     = 365
	yearMachines   = 100_000
	yearFailures   = 10_000 // failures on the first night; later nights stay near it
	yearKeepNights = 400    // the default: nothing of the year is pruned
)

var yearStart = time.Date(2025, 3, 1, 6, 0, 0, 0, time.UTC)

func yearNight(n int) time.Time { return yearStart.Add(time.Duration(n) * 24 * time.Hour) }

// yearSite is the simulated site: the failures open tonight, and the
// successes the machines reported.
type yearSite struct {
	r       *rand.Rand
	failing map[[2]string]string // machine, advertisement → cause
	ok      map[[2]string]time.Time
}

// Successes answers as the site database does.
func (s *yearSite) Successes(ctx context.Context, since, until time.Time, ads []string, fn func(string, string, time.Time) error) error {
	for k, at := range s.ok {
		if !at.Before(since) && at.Before(until) && slices.Contains(ads, k[1]) {
			if err := fn(k[0], k[1], at); err != nil {
				return err
			}
		}
	}
	return nil
}

// next moves the site on a night: a tenth of the failures are fixed, a
// twentieth fail no more without being fixed, the rest fail again, and
// new ones come in.
func (s *yearSite) next(until time.Time) []smsfail.Result {
	for k := range s.failing {
		switch x := s.r.Float64(); {
		case x < 0.10:
			delete(s.failing, k)
			s.ok[k] = until.Add(-time.Duration(1+s.r.IntN(20)) * time.Hour)
		case x < 0.15:
			delete(s.failing, k)
		}
	}
	for len(s.failing) < yearFailures*85/100+s.r.IntN(yearFailures/5) {
		k := [2]string{fmt.Sprintf("PC%06d", s.r.IntN(yearMachines)), fmt.Sprintf("KID2000%c", 'A'+s.r.IntN(8))}
		s.failing[k] = fmt.Sprintf("cause-%02d", min(s.r.IntN(30), s.r.IntN(30)))
	}
	results := make([]smsfail.Result, 0, len(s.failing))
	for k, cause := range s.failing {
		f := smsfail.Failure{Machine: k[0], AdvertisementID: k[1], CollectionID: "KID000" + k[1][7:], ExitCode: 1603, ExitCodeKnown: true,
			Time: until.Add(-time.Duration(1+s.r.IntN(1000)) * time.Minute), Count: 1}
		res := smsfail.Result{Failure: f, Fetch: smsfail.Fetch{Status: smsfail.FetchOK}, Finding: &smsfail.Finding{Cause: cause}}
		if len(cause)%7 == 0 && s.r.IntN(12) == 0 {
			res.Fetch, res.Finding = smsfail.Fetch{Status: smsfail.FetchUnreachable}, nil
		}
		results = append(results, res)
	}
	return results
}

// yearHistory returns the folder of a history holding a year of nights,
// building it once.
func yearHistory(b *testing.B) string {
	b.Helper()
	dir := os.Getenv("SMSFAIL_BENCH_HISTORY")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "smsfail-bench-history-year")
	}
	done := filepath.Join(dir, "year-done")
	if _, err := os.Stat(done); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	b.Logf("simulating a year of nights in %s (once)", dir)
	start := time.Now()
	ctx := context.Background()
	h, err := history.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	site := &yearSite{r: rand.New(rand.NewPCG(16, 16)), failing: map[[2]string]string{}, ok: map[[2]string]time.Time{}}
	var last time.Duration
	for n := 1; n <= yearNights; n++ {
		t0 := time.Now()
		run, err := h.Begin(history.RunSpec{Kind: history.KindNightly, Since: yearNight(n - 1), Until: yearNight(n), Started: yearNight(n), KeepNights: yearKeepNights})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := run.Mark(ctx, site.next(yearNight(n)), site); err != nil {
			b.Fatal(err)
		}
		run.SetProgress(yearProgress(site.r))
		if _, err := run.Commit(ctx, history.CommitInfo{Outcome: history.OutcomeOK}); err != nil {
			b.Fatal(err)
		}
		last = time.Since(t0)
	}
	b.Logf("a year of nights in %v; the last night marked and committed in %v", time.Since(start).Round(time.Second), last.Round(time.Millisecond))
	if err := os.WriteFile(done, nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func yearProgress(r *rand.Rand) []history.Progress {
	var ps []history.Progress
	for i := 0; i < 8; i++ {
		ps = append(ps, history.Progress{AdvertisementID: fmt.Sprintf("KID2000%c", 'A'+i), AdvertisementName: "Deployment", CollectionID: "KID00011",
			CollectionName: "Workstations", Targeted: yearMachines, Succeeded: 60_000 + r.IntN(30_000), Failed: 1_000 + r.IntN(1_500)})
	}
	return ps
}

// BenchmarkTrendYear reads the trend from a year-old history of a
// 100,000-client site and writes the workbook's Trend sheet: the last 30
// nights (the default) and all 365. It reports the size of history.db.
func BenchmarkTrendYear(b *testing.B) {
	dir := yearHistory(b)
	ctx := context.Background()
	h, err := history.Open(ctx, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	size := int64(0)
	for _, name := range []string{history.FileName, history.FileName + "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			size += fi.Size()
		}
	}
	job := &Job{History: h, Location: time.UTC}
	out := t0Outcome()
	for _, nights := range []int{30, 365} {
		b.Run(fmt.Sprintf("nights=%d", nights), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "trend.xlsx")
			rows := 0
			for b.Loop() {
				run, err := h.Begin(history.RunSpec{Kind: history.KindOnce, Since: yearNight(yearNights - 1), Until: yearNight(yearNights), Started: yearNight(yearNights)})
				if err != nil {
					b.Fatal(err)
				}
				trend, err := run.Trend(ctx, nights, time.UTC)
				if err != nil {
					b.Fatal(err)
				}
				sheet := job.trendSheet(trend, out)
				if err := report.Write(ctx, path, report.RunInfo{Site: "KID", Location: time.UTC, Trend: sheet}, slices.Values([]smsfail.Result(nil))); err != nil {
					b.Fatal(err)
				}
				rows = len(sheet.Nights)
			}
			b.ReportMetric(float64(rows), "nights")
			b.ReportMetric(float64(size)/(1<<20), "MB-history")
		})
	}
}

func t0Outcome() *Report { return &Report{Kind: history.KindOnce} }

// BenchmarkNightAfterYear marks and commits one more night of about
// 8,500 failures (7,500 of them open before) on a copy of the year-old
// history: what a night costs once the history is a year old.
func BenchmarkNightAfterYear(b *testing.B) {
	src := filepath.Join(yearHistory(b), history.FileName)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		data, err := os.ReadFile(src)
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, history.FileName), data, 0o644); err != nil {
			b.Fatal(err)
		}
		data = nil
		h, err := history.Open(ctx, dir)
		if err != nil {
			b.Fatal(err)
		}
		results := nightAfterYear(b, filepath.Join(dir, history.FileName))
		site := &yearSite{ok: map[[2]string]time.Time{}}
		b.StartTimer()
		run, err := h.Begin(history.RunSpec{Kind: history.KindNightly, Since: yearNight(yearNights), Until: yearNight(yearNights + 1),
			Started: yearNight(yearNights + 1), KeepNights: yearKeepNights})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := run.Mark(ctx, results, site); err != nil {
			b.Fatal(err)
		}
		if _, err := run.Commit(ctx, history.CommitInfo{Outcome: history.OutcomeOK}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		h.Close()
	}
}

// nightAfterYear is the night after the year: 7,500 of the open failures
// again and 1,000 new ones.
func nightAfterYear(b *testing.B, path string) []smsfail.Result {
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT machine, advertisement, cause FROM open_failures ORDER BY last_run DESC, machine_key LIMIT 7500`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	until := yearNight(yearNights + 1)
	var results []smsfail.Result
	add := func(machine, ad, cause string) {
		f := smsfail.Failure{Machine: machine, AdvertisementID: ad, CollectionID: "KID00011", ExitCode: 1603, ExitCodeKnown: true,
			Time: until.Add(-time.Hour), Count: 1}
		results = append(results, smsfail.Result{Failure: f, Fetch: smsfail.Fetch{Status: smsfail.FetchOK}, Finding: &smsfail.Finding{Cause: cause}})
	}
	for rows.Next() {
		var machine, ad, cause string
		if err := rows.Scan(&machine, &ad, &cause); err != nil {
			b.Fatal(err)
		}
		add(machine, ad, cause)
	}
	for i := 0; i < 1000; i++ {
		add(fmt.Sprintf("NEW%06d", i), "KID2000A", "cause-01")
	}
	return results
}
