package jobs

import (
	"context"
	"testing"
	"time"
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
