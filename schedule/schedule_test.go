package schedule

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// logBuffer collects log lines from several goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger() (*slog.Logger, *logBuffer) {
	buf := &logBuffer{}
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo})), buf
}

const everySecond = "* * * * * *"

// runInBackground starts Run and returns a func that stops it and waits.
func runInBackground(t *testing.T, job func(context.Context) error, opts Options) (stop func() time.Duration, done <-chan error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	opts.Seconds = true
	go func() { errc <- Run(ctx, everySecond, time.UTC, job, opts) }()
	t.Cleanup(cancel)
	return func() time.Duration {
		start := time.Now()
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Run: %v", err)
		}
		return time.Since(start)
	}, errc
}

func TestOverlappingRunSkipped(t *testing.T) {
	t.Parallel()
	log, logs := newLogger()
	var active, maxActive, runs atomic.Int32
	release := make(chan struct{})
	job := func(ctx context.Context) error {
		n := active.Add(1)
		defer active.Add(-1)
		if n > maxActive.Load() {
			maxActive.Store(n)
		}
		if runs.Add(1) == 1 {
			<-release // the first run outlasts the next two firings
		}
		return nil
	}
	stop, _ := runInBackground(t, job, Options{Logger: log, Grace: 5 * time.Second})
	waitFor(t, 10*time.Second, func() bool { return strings.Count(logs.String(), "run skipped") >= 2 })
	close(release)
	waitFor(t, 10*time.Second, func() bool { return runs.Load() >= 2 })
	stop()
	if maxActive.Load() != 1 {
		t.Fatalf("%d runs went at once", maxActive.Load())
	}
	if !strings.Contains(logs.String(), "previous run is still going") {
		t.Fatalf("skip not explained:\n%s", logs)
	}
}

func TestPanicSurvived(t *testing.T) {
	t.Parallel()
	log, logs := newLogger()
	var runs atomic.Int32
	job := func(ctx context.Context) error {
		if runs.Add(1) == 1 {
			var m map[string]int
			m["boom"]++ // a nil map write: a real runtime panic
		}
		return nil
	}
	stop, _ := runInBackground(t, job, Options{Logger: log})
	waitFor(t, 10*time.Second, func() bool { return runs.Load() >= 2 })
	stop()

	out := logs.String()
	if !strings.Contains(out, "the run panicked: assignment to entry in nil map") || !strings.Contains(out, "schedule_test.go") {
		t.Fatalf("panic not logged with its stack:\n%s", out)
	}
	if n := strings.Count(out, "run failed"); n != 1 {
		t.Fatalf("%d runs logged as failed, want the one that panicked:\n%s", n, out)
	}
}

func TestStopLetsRunningJobFinish(t *testing.T) {
	t.Parallel()
	log, logs := newLogger()
	started := make(chan struct{})
	var runs atomic.Int32
	var cancelledEarly atomic.Bool
	job := func(ctx context.Context) error {
		if runs.Add(1) == 1 {
			close(started)
		}
		select {
		case <-time.After(1500 * time.Millisecond):
		case <-ctx.Done():
			cancelledEarly.Store(true)
		}
		return nil
	}
	stop, _ := runInBackground(t, job, Options{Logger: log, Grace: 30 * time.Second})
	<-started
	took := stop()
	if cancelledEarly.Load() {
		t.Fatal("the running job was cancelled within the grace period")
	}
	if took < time.Second {
		t.Fatalf("Run returned after %s, before the running job finished", took)
	}
	n := runs.Load()
	time.Sleep(1200 * time.Millisecond)
	if runs.Load() != n {
		t.Fatal("a run started after the stop")
	}
	if !strings.Contains(logs.String(), "waiting for the running job") {
		t.Fatalf("stop not logged:\n%s", logs)
	}
}

func TestGraceOverCancelsJob(t *testing.T) {
	t.Parallel()
	log, logs := newLogger()
	started := make(chan struct{})
	var once sync.Once
	var returned atomic.Bool
	job := func(ctx context.Context) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		time.Sleep(100 * time.Millisecond) // cleaning up after the cancel
		returned.Store(true)
		return ctx.Err()
	}
	stop, _ := runInBackground(t, job, Options{Logger: log, Grace: 300 * time.Millisecond})
	<-started
	stop()
	if !returned.Load() {
		t.Fatal("Run returned before the cancelled job did")
	}
	out := logs.String()
	if !strings.Contains(out, "grace period over") || !strings.Contains(out, "context canceled") {
		t.Fatalf("forced cancel not logged:\n%s", out)
	}
}

func TestNextRunLogged(t *testing.T) {
	t.Parallel()
	log, logs := newLogger()
	var runs atomic.Int32
	stop, _ := runInBackground(t, func(context.Context) error { runs.Add(1); return nil }, Options{Logger: log})
	waitFor(t, 10*time.Second, func() bool { return runs.Load() >= 1 && strings.Contains(logs.String(), "msg=\"next run\"") })
	stop()
	if !strings.Contains(logs.String(), "schedule started") || !strings.Contains(logs.String(), "next_run=") {
		t.Fatalf("next run time not logged at start:\n%s", logs)
	}
}

func TestParse(t *testing.T) {
	for _, spec := range []string{"0 2 * * *", "@daily", "@midnight", "@every 6h", "30 1 * * 1-5", "CRON_TZ=Europe/Berlin 0 2 * * *", "TZ=UTC @weekly"} {
		if err := Parse(spec, time.UTC); err != nil {
			t.Errorf("Parse(%q): %v", spec, err)
		}
	}
	for spec, want := range map[string]string{
		"":                               "empty spec string",
		"61 * * * *":                     "end of range (61) above maximum (59)",
		"* * * * * *":                    "expected exactly 5 fields",
		"@nightly":                       "unrecognized descriptor",
		"CRON_TZ=Nowhere/Land 0 2 * * *": "provided bad location",
		"0 2 * * mon-sun-fri":            "",
	} {
		err := Parse(spec, time.UTC)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "cannot parse schedule") {
			t.Errorf("Parse(%q) = %v, want an error with %q", spec, err, want)
		}
	}
	if err := Parse("@daily", nil); err == nil {
		t.Error("no time zone accepted")
	}
}

func TestNextHonoursTimeZone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	now := time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC) // 07:00 in New York
	for _, tc := range []struct {
		spec string
		loc  *time.Location
		want time.Time
	}{
		{"0 2 * * *", ny, time.Date(2025, 1, 16, 7, 0, 0, 0, time.UTC)},
		{"0 2 * * *", time.UTC, time.Date(2025, 1, 16, 2, 0, 0, 0, time.UTC)},
		{"CRON_TZ=America/New_York 0 2 * * *", time.UTC, time.Date(2025, 1, 16, 7, 0, 0, 0, time.UTC)},
		{"@daily", ny, time.Date(2025, 1, 16, 5, 0, 0, 0, time.UTC)},
	} {
		// As Run schedules it: cron hands the schedule now in loc.
		s, err := parse(tc.spec, tc.loc, false)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Next(now.In(tc.loc)); !got.Equal(tc.want) {
			t.Errorf("next of %q in %s = %s; want %s", tc.spec, tc.loc, got.UTC(), tc.want)
		}
	}
}

func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
