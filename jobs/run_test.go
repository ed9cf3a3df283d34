package jobs

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"smsfail"
	"strings"
	"sync"
	"testing"
	"time"

	"smsfail/classify"
	"smsfail/history"
	"smsfail/lock"
)

// A run that panics is recorded as failed before the panic goes on to
// the schedule, and leaves the window where it was.
func TestPanicRecordedAsFailed(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	job.Progress = func(stage string, done, total int) {
		if stage == "report" {
			panic("a bug in a stage")
		}
	}
	func() {
		defer func() {
			if v := recover(); v != "a bug in a stage" {
				t.Fatalf("recovered %v", v)
			}
		}()
		job.Run(context.Background(), Options{Nightly: true})
	}()
	runs, err := job.History.Runs(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Outcome != history.OutcomeFailed || !strings.Contains(runs[0].Error, "panicked: a bug in a stage") {
		t.Fatalf("runs after the panic: %+v", runs)
	}
	since, err := job.History.WindowStart(context.Background(), now, 24*time.Hour)
	if err != nil || !since.Equal(now.Add(-24*time.Hour)) {
		t.Fatalf("the failed run moved the window to %s (%v)", since, err)
	}
	// The lock died with the run: the next run goes ahead.
	job.Progress = nil
	if _, err := job.Run(context.Background(), Options{Nightly: true}); err != nil {
		t.Fatal(err)
	}
}

// A run that finds another going refuses, or waits for it with Wait.
func TestOneRunAtATime(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	held, err := lock.Acquire(context.Background(), job.StateDir, lock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = job.Run(context.Background(), Options{Nightly: true})
	var he *lock.HeldError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "is still going") {
		t.Fatalf("got %v, want a refusal naming the run going", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := job.Run(context.Background(), Options{Nightly: true, Wait: true})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("the waiting run did not wait: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	held.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	runs, _ := job.History.Runs(context.Background(), 5)
	if len(runs) != 1 || runs[0].Outcome == history.OutcomeFailed {
		t.Fatalf("runs: %+v (the refused run must leave no trace)", runs)
	}
}

// The hosts read, as the progress bar shows them, only ever grow, and end
// at the number of failures: hosts settle on many goroutines at once.
func TestFetchProgressNeverGoesBack(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	var mu sync.Mutex
	var seen []int
	total := 0
	job.Progress = func(stage string, done, n int) {
		if stage != "fetch" {
			return
		}
		runtime.Gosched() // let the other hosts' calls overtake, as a loaded machine does
		mu.Lock()
		defer mu.Unlock()
		seen, total = append(seen, done), n
	}
	out, err := job.Run(context.Background(), Options{Since: siteNow.Add(-7 * 24 * time.Hour), Until: siteNow})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(out.Results) || len(seen) < 2 || seen[len(seen)-1] != total {
		t.Fatalf("fetch progress %v of %d, want it to end at %d", seen, total, len(out.Results))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("fetch progress went back from %d to %d: %v", seen[i-1], seen[i], seen)
		}
	}
}

// A run cancelled while it reads the logs (Ctrl-C, the end of serve's
// grace period) writes no workbook and leaves no run folder, is recorded as failed, and leaves the
// nightly window where it was.
func TestCancelledRunLeavesNoReport(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	job.Progress = func(stage string, done, total int) {
		if stage == "fetch" && done > total/2 {
			cancel()
		}
	}
	if _, err := job.Run(ctx, Options{Nightly: true}); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the run cancelled", err)
	}
	// Nor a run folder holding the logs read before the cancel.
	if left, _ := filepath.Glob(filepath.Join(job.Report.Dir, "*")); len(left) > 0 {
		t.Fatalf("a cancelled run left %v", left)
	}
	runs, err := job.History.Runs(context.Background(), 5)
	if err != nil || len(runs) != 1 || runs[0].Outcome != history.OutcomeFailed || !strings.Contains(runs[0].Error, "cancel") {
		t.Fatalf("runs after the cancel: %+v (%v)", runs, err)
	}
	if since, err := job.History.WindowStart(context.Background(), now, 24*time.Hour); err != nil || !since.Equal(now.Add(-24*time.Hour)) {
		t.Fatalf("the cancelled run moved the window to %s (%v)", since, err)
	}
}

// A run cancelled once its workbook is written still records the night:
// the workbook has reported its failures, and the next night must not
// report them as new again.
func TestCancelAfterWorkbookStillRecorded(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	job.Logger = slog.New(onMessage{"workbook written", cancel})
	out, err := job.Run(ctx, Options{Nightly: true})
	if err != nil {
		t.Fatalf("a run cancelled after its workbook was written: %v", err)
	}
	runs, err := job.History.Runs(context.Background(), 5)
	if err != nil || len(runs) != 1 || runs[0].Outcome == history.OutcomeFailed || runs[0].Report != out.Workbook {
		t.Fatalf("runs after the cancel: %+v (%v)", runs, err)
	}
	if since, err := job.History.WindowStart(context.Background(), now, 24*time.Hour); err != nil || !since.Equal(out.Until) {
		t.Fatalf("the next night starts at %s (%v), want %s where this one ended", since, err, out.Until)
	}
}

// onMessage is a log handler that calls fn when a record with msg is
// logged: a hook at a stage's end.
type onMessage struct {
	msg string
	fn  func()
}

func (h onMessage) Enabled(context.Context, slog.Level) bool { return true }
func (h onMessage) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.fn()
	}
	return nil
}
func (h onMessage) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onMessage) WithGroup(string) slog.Handler      { return h }

// A cancelled run into a folder given with --out removes the logs it kept
// there, and nothing else of the folder.
func TestCancelledRunKeepsGivenFolder(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	dir := t.TempDir()
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("the admin's"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	job.Progress = func(stage string, done, total int) {
		if stage == "fetch" && done > total/2 {
			cancel()
		}
	}
	opts := Options{Since: siteNow.Add(-7 * 24 * time.Hour), Until: siteNow, Out: filepath.Join(dir, "book.xlsx")}
	if _, err := job.Run(ctx, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want the run cancelled", err)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(left) != 1 || left[0] != mine {
		t.Fatalf("the folder given holds %v after a cancelled run, want only %s", left, mine)
	}
}

// panicReader stands for a bug met while a log is read and classified.
type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("a bug in the classifier") }

// A panic while one log is classified costs that row, not the night: the
// row says the classifier failed, and nothing escapes to the run.
func TestClassifierPanicIsOneRow(t *testing.T) {
	job := &Job{Rules: classify.Builtin(), Codepage: "windows-1252"}
	f, err := job.classify(panicReader{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Cause != smsfail.CauseUnclassified || len(f.Evidence) != 1 || !strings.Contains(f.Evidence[0].Text, "a bug in the classifier") {
		t.Fatalf("finding %+v", f)
	}
}
