package history

import (
	"context"
	"io"
	"testing"
)

// BenchmarkNight marks and commits a night of 10,000 failures, half of
// them open from the night before.
func BenchmarkNight(b *testing.B) {
	const size = 10000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		if err := bigNight(dir, 1, size, io.Discard); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := bigNight(dir, 2, size, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "failures/night")
}

func BenchmarkWindowStart(b *testing.B) {
	dir := b.TempDir()
	if err := bigNight(dir, 1, 100, io.Discard); err != nil {
		b.Fatal(err)
	}
	h, err := Open(context.Background(), dir)
	if err != nil {
		b.Fatal(err)
	}
	defer h.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.WindowStart(context.Background(), night(2), 0); err != nil {
			b.Fatal(err)
		}
	}
}
