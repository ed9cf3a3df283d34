package report

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkWrite writes workbooks of 100,000 and 1,000,000 failures, each
// in a process of its own so that its peak memory is its own: the peak
// resident set (VmHWM, Linux) and the peak of the Go runtime's memory. The
// results are made on the fly by the iterator, so they do not count.
// Targets: 100,000 rows in under 3 s, 1,000,000 in under 20 s, under 250 MB
// at either size. The last case has a sheet per collection, which excelize
// holds in memory, with as many failures as they are made for.
//
//	go test ./report -run '^$' -bench Write -benchtime 1x
func BenchmarkWrite(b *testing.B) {
	for _, bc := range []struct {
		rows    int
		sorted  bool
		perColl bool
	}{{100_000, true, false}, {1_000_000, true, false}, {100_000, false, false}, {perCollectionRowLimit, true, true}} {
		name := fmt.Sprintf("rows=%d", bc.rows)
		if !bc.sorted {
			name += "/unsorted"
		}
		if bc.perColl {
			name += "/sheets-per-collection"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				m := runBenchChild(b, bc.rows, bc.sorted, bc.perColl)
				b.ReportMetric(m["seconds"], "s/workbook")
				b.ReportMetric(m["cpu"], "cpu-s/workbook")
				b.ReportMetric(m["rss"]/(1<<20), "peak-RSS-MB")
				b.ReportMetric(m["go"]/(1<<20), "peak-Go-MB")
				b.ReportMetric(m["size"]/(1<<20), "file-MB")
			}
		})
	}
}

// runBenchChild runs TestBenchChild in a new process and returns what it
// measured.
func runBenchChild(b *testing.B, rows int, sorted, perColl bool) map[string]float64 {
	b.Helper()
	out := filepath.Join(b.TempDir(), "bench.xlsx")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchChild$", "-test.v")
	cmd.Env = append(os.Environ(), "REPORT_BENCH_ROWS="+strconv.Itoa(rows), "REPORT_BENCH_OUT="+out,
		"REPORT_BENCH_SORTED="+strconv.FormatBool(sorted), "REPORT_BENCH_PER_COLLECTION="+strconv.FormatBool(perColl))
	stdout, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("benchmark child: %v\n%s", err, stdout)
	}
	m := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(string(stdout)))
	for sc.Scan() {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "BENCH ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			m[k], _ = strconv.ParseFloat(v, 64)
		}
	}
	if m["seconds"] == 0 {
		b.Fatalf("benchmark child printed no figures:\n%s", stdout)
	}
	return m
}

// TestBenchChild is the process BenchmarkWrite measures; it does nothing
// in a plain test run.
func TestBenchChild(t *testing.T) {
	rows, _ := strconv.Atoi(os.Getenv("REPORT_BENCH_ROWS"))
	out := os.Getenv("REPORT_BENCH_OUT")
	if rows == 0 || out == "" {
		t.Skip("run by BenchmarkWrite")
	}
	sorted := os.Getenv("REPORT_BENCH_SORTED") != "false"
	run, collections := testRun(), 200 // more than get a sheet each
	if os.Getenv("REPORT_BENCH_PER_COLLECTION") == "true" {
		run.PerCollectionSheets, collections = 20, 20
	}
	peak, stop := sampleGoMemory()
	start := time.Now()
	err := Write(context.Background(), out, run, generated(rows, collections, sorted))
	elapsed := time.Since(start)
	stop()
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("BENCH seconds=%.3f cpu=%.3f rss=%d go=%d size=%d\n", elapsed.Seconds(), cpuSeconds(), peakRSS(), *peak, info.Size())
}

// sampleGoMemory samples the memory the Go runtime holds from the system
// every 10 ms, and keeps the peak.
func sampleGoMemory() (*uint64, func()) {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return &peak, func() { close(done); wg.Wait() }
}

// peakRSS returns the process's peak resident set in bytes, 0 where the
// system does not say (anything but Linux).
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuSeconds returns the processor time the process has used, user and
// system, 0 where the system does not say (anything but Linux).
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th, in ticks of 1/100 s.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100
}

// BenchmarkFirstPass measures the pass that counts the results and sizes
// the columns before any row is written, on 100,000 results.
func BenchmarkFirstPass(b *testing.B) {
	run := testRun()
	for b.Loop() {
		if _, err := tallyResults(context.Background(), run, generated(100_000, 200, true)); err != nil {
			b.Fatal(err)
		}
	}
}
