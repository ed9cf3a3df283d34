package query

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/demosite"
)

// The large site of issue 3: 100,000 clients and 5,000,000 status
// messages. It is built by the first benchmark run and kept, under
// $SMSFAIL_BENCH_SITE or in the temporary folder, for the next ones.
var benchOpts = demosite.Options{Seed: 3, Clients: 100_000, Messages: 5_000_000, Now: testNow, WithoutLogs: true}

func benchSite(b *testing.B) (string, *demosite.Truth) {
	b.Helper()
	dir := os.Getenv("SMSFAIL_BENCH_SITE")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "smsfail-bench-site-100k-5m")
	}
	if tr, err := demosite.ReadTruth(filepath.Join(dir, demosite.TruthFile)); err == nil &&
		tr.Seed == benchOpts.Seed && tr.Clients == benchOpts.Clients && tr.Messages >= benchOpts.Messages &&
		sameSchema(filepath.Join(dir, demosite.DBFile)) {
		return filepath.Join(dir, demosite.DBFile), tr
	}
	b.Logf("building the large site in %s (once)", dir)
	start := time.Now()
	tr, err := demosite.Generate(context.Background(), dir, benchOpts)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d clients, %d messages in %v", tr.Clients, tr.Messages, time.Since(start).Round(time.Second))
	return filepath.Join(dir, demosite.DBFile), tr
}

// BenchmarkFailures runs the failure query on the large site for a
// 24-hour and a 7-day window, on both routes, reporting the records.
func BenchmarkFailures(b *testing.B) {
	path, tr := benchSite(b)
	db := openSite(b, path, discard)
	for _, w := range []struct {
		name string
		span time.Duration
	}{{"24h", 24 * time.Hour}, {"7d", 7 * 24 * time.Hour}} {
		for _, route := range []Route{RouteMessages, RouteClientStatus} {
			b.Run(w.name+"/"+string(route), func(b *testing.B) {
				f := Filter{Since: tr.Now.Add(-w.span), Until: tr.Now}
				rows := 0
				for b.Loop() {
					rows = 0
					_, err := db.Failures(context.Background(), route, f, func(smsfail.Failure) error {
						rows++
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(rows), "records")
			})
		}
	}
}

// sameSchema reports whether the site kept from an earlier run was built
// with today's schema (its collations change the plans measured).
func sameSchema(path string) bool {
	x, err := sqlOpenWritable(path)
	if err != nil {
		return false
	}
	defer x.Close()
	var have []string
	rows, err := x.Query(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name`)
	if err != nil {
		return false
	}
	defer rows.Close()
	for rows.Next() {
		var q string
		if rows.Scan(&q) != nil {
			return false
		}
		have = append(have, strings.Join(strings.Fields(q), " "))
	}
	schema := strings.Join(strings.Fields(demosite.Schema), " ")
	for _, q := range have {
		if !strings.Contains(schema, q) {
			return false
		}
	}
	return len(have) > 0 && rows.Err() == nil
}
