package jobs

import (
	"context"
	"testing"
	"time"

	"smsfail/demosite"
)

// BenchmarkRunByHand is a whole run over the demo site's week: query,
// fetch and classify from the local folder, mark against the history,
// write the workbook, record the run.
func BenchmarkRunByHand(b *testing.B) {
	now := siteNow
	job, _, _ := testJob(b, &now)
	opts := Options{Since: siteNow.Add(-7 * 24 * time.Hour), Until: siteNow}
	failures := 0
	for b.Loop() {
		out, err := job.Run(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		failures = len(out.Results)
	}
	b.ReportMetric(float64(failures), "failures/run")
}

// BenchmarkNightlyQuery is the query stage of a nightly run on a site of
// 10,000 clients after three nights: the failure query and, when the night
// looks back for failures that arrived late, the lookup of what the nights
// reported. late=0s reads the night's own window; late=72h0m0s three days
// more.
func BenchmarkNightlyQuery(b *testing.B) {
	ctx := context.Background()
	now := siteNow
	job, _, _ := siteJob(b, &now, demosite.Options{Seed: 11, Clients: 10_000, Days: 14, Now: siteNow, WithoutLogs: true})
	job.Late = 72 * time.Hour
	for n := 3; n > 0; n-- {
		now = siteNow.Add(-time.Duration(n) * 24 * time.Hour)
		if _, err := job.Run(ctx, Options{Nightly: true}); err != nil {
			b.Fatal(err)
		}
	}
	now = siteNow
	for _, late := range []time.Duration{0, 72 * time.Hour} {
		b.Run("late="+late.String(), func(b *testing.B) {
			job.Late = late
			read, kept := 0, 0
			var lookup time.Duration
			for b.Loop() {
				win, err := job.window(ctx, Options{Nightly: true}, now)
				if err != nil {
					b.Fatal(err)
				}
				failures, _, err := job.query(ctx, job.filter(Options{}, win))
				if err != nil {
					b.Fatal(err)
				}
				read = len(failures)
				start := time.Now()
				if failures, _, err = job.dropReported(ctx, failures, win); err != nil {
					b.Fatal(err)
				}
				lookup += time.Since(start)
				kept = len(failures)
			}
			b.ReportMetric(float64(lookup.Microseconds())/1000/float64(b.N), "lookup-ms/op")
			b.ReportMetric(float64(read), "read/night")
			b.ReportMetric(float64(kept), "reported/night")
		})
	}
}
