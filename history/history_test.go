package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/query"
)

// The site database answers Mark's question itself.
var _ Successes = (*query.DB)(nil)

func open(t *testing.T, dir string) *DB {
	t.Helper()
	h, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestReopenKeepsHistory(t *testing.T) {
	dir := t.TempDir()
	s := &site{failures: []event{{"PC01", "KID20001", "disk-full", night(0).Add(-time.Hour)}}}
	h := open(t, dir)
	runNight(t, h, s, night(0), OutcomeOK)
	h.Close()

	h = open(t, dir)
	start, err := h.WindowStart(context.Background(), night(1), 24*time.Hour)
	if err != nil || !start.Equal(night(0)) {
		t.Fatalf("window start after reopen: %s %v", start, err)
	}
	s.failures = append(s.failures, event{"PC01", "KID20001", "disk-full", night(1).Add(-time.Hour)})
	m, _, _ := runNight(t, h, s, night(1), OutcomeOK)
	if mk := m.ByKey[key("PC01", "KID20001")]; mk.Status != smsfail.MarkRecurring || mk.Nights != 2 {
		t.Fatalf("after reopen: %+v", mk)
	}
}

// A state folder whose path holds characters that mean something in a URI
// keeps its history in that folder, not in a file named after part of it.
func TestStateFolderWithURICharacters(t *testing.T) {
	names := []string{"site #2", "100%", "50%41"}
	if runtime.GOOS != "windows" {
		names = append(names, "why?")
	}
	for _, name := range names {
		parent := filepath.Join(t.TempDir(), name)
		dir := filepath.Join(parent, "state")
		h := open(t, dir)
		runNight(t, h, &site{}, night(0), OutcomeOK)
		h.Close()
		if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
			t.Errorf("%q: no history in the state folder: %v", name, err)
		}
		h = open(t, dir)
		if runs, err := h.Runs(context.Background(), 10); err != nil || len(runs) != 1 {
			t.Errorf("%q: reopened history has %d runs, %v", name, len(runs), err)
		}
		h.Close()
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	h := open(t, dir)
	if _, err := h.db.Exec(`PRAGMA user_version = 99`); err != nil {
		t.Fatal(err)
	}
	h.Close()
	_, err := Open(context.Background(), dir)
	if err == nil || !strings.Contains(err.Error(), "newer than this smsfail knows") {
		t.Fatalf("got %v", err)
	}
}

func TestUncommittedRunLeavesNothing(t *testing.T) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	s := &site{failures: []event{{"PC01", "KID20001", "disk-full", night(0).Add(-time.Hour)}}}

	// Marked but never committed: the job died between the two.
	run, err := h.Begin(RunSpec{Kind: KindNightly, Since: night(-1), Until: night(0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Mark(ctx, s.query(night(-1), night(0)), nil); err != nil {
		t.Fatal(err)
	}
	// Committed with a context already cancelled: the transaction never
	// starts or is rolled back.
	run2, _ := h.Begin(RunSpec{Kind: KindNightly, Since: night(-1), Until: night(0)})
	run2.Mark(ctx, s.query(night(-1), night(0)), nil)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := run2.Commit(cctx, CommitInfo{Outcome: OutcomeOK}); !errors.Is(err, context.Canceled) {
		t.Fatalf("commit with a cancelled context: %v", err)
	}
	if runs, _ := h.Runs(ctx, 10); len(runs) != 0 {
		t.Fatalf("runs recorded: %+v", runs)
	}
	if err := run2.Finish(ctx, OutcomeOK, ""); err == nil {
		t.Fatal("finished a run that never committed")
	}
	// The next attempt covers the same window and sees the failure as new.
	m, _, since := runNight(t, h, s, night(0), OutcomeOK)
	if !since.Equal(night(-1)) || m.Change.New != 1 {
		t.Fatalf("after an uncommitted run: since %s, change %+v", since, m.Change)
	}
}

func TestMarkRefusals(t *testing.T) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	dup := []smsfail.Result{
		result(event{"PC01", "KID20001", "disk-full", night(0).Add(-time.Hour)}, 1),
		result(event{"pc01", "KID20001", "disk-full", night(0).Add(-2 * time.Hour)}, 1),
	}
	run, _ := h.Begin(RunSpec{Kind: KindNightly, Since: night(-1), Until: night(0)})
	if _, err := run.Mark(ctx, dup, nil); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("duplicate failure: %v", err)
	}
	if _, err := run.Commit(ctx, CommitInfo{Outcome: OutcomeOK}); !errors.Is(err, errNoMark) {
		t.Fatalf("commit without marks: %v", err)
	}
	runNight(t, h, &site{}, night(0), OutcomeOK)

	// A nightly window that does not start where the last night ended
	// would lose or repeat failures.
	gap, _ := h.Begin(RunSpec{Kind: KindNightly, Since: night(0).Add(time.Minute), Until: night(1)})
	if _, err := gap.Mark(ctx, nil, nil); err == nil || !strings.Contains(err.Error(), "must start where the last night") {
		t.Fatalf("gap: %v", err)
	}
	for _, spec := range []RunSpec{
		{Kind: KindNightly, Since: night(1), Until: night(1)},
		{Kind: "weekly", Since: night(0), Until: night(1)},
		{Kind: KindNightly, Advertisements: []string{"KID20001"}, Since: night(0), Until: night(1)},
	} {
		if _, err := h.Begin(spec); err == nil {
			t.Errorf("Begin(%+v) accepted", spec)
		}
	}
	if _, err := h.WindowStart(ctx, night(0).Add(-time.Hour), 24*time.Hour); err == nil || !strings.Contains(err.Error(), "is the clock right") {
		t.Fatalf("clock went back: %v", err)
	}
}

// Two runs marked against the same night: only the first may commit.
func TestNightRecordedSinceMarking(t *testing.T) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	a, _ := h.Begin(RunSpec{Kind: KindNightly, Since: night(-1), Until: night(0)})
	b, _ := h.Begin(RunSpec{Kind: KindNightly, Since: night(-1), Until: night(0)})
	a.Mark(ctx, nil, nil)
	b.Mark(ctx, nil, nil)
	if _, err := a.Commit(ctx, CommitInfo{Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Commit(ctx, CommitInfo{Outcome: OutcomeOK}); err == nil || !strings.Contains(err.Error(), "another night was recorded") {
		t.Fatalf("second commit: %v", err)
	}
}

// A run by hand is recorded and marked against the nights but moves
// neither the window nor the open failures.
func TestRunByHand(t *testing.T) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	s := &site{failures: []event{
		{"PC01", "KID20001", "disk-full", night(0).Add(-time.Hour)},
		{"PC02", "KID20002", "disk-full", night(0).Add(-time.Hour)},
		{"PC03", "KID20001", "disk-full", night(0).Add(time.Hour)},
	}, successes: []success{{"PC02", "KID20002", night(0).Add(time.Hour)}}}
	runNight(t, h, s, night(0), OutcomeOK)

	run, err := h.Begin(RunSpec{Kind: KindOnce, Advertisements: []string{"KID20001"}, Since: night(-1), Until: night(0).Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var results []smsfail.Result
	for _, r := range s.query(night(-1), night(0).Add(2*time.Hour)) {
		if r.Failure.AdvertisementID == "KID20001" {
			results = append(results, r)
		}
	}
	q := &successes{s: s}
	m, err := run.Mark(ctx, results, q)
	if err != nil {
		t.Fatal(err)
	}
	assertStatuses(t, m, map[string]string{key("PC01", "KID20001"): "recurring/2", key("PC03", "KID20001"): "new/1"})
	if len(m.Fixed) != 0 || q.calls != 0 {
		t.Fatalf("a run for KID20001 looked at other advertisements: fixed %v, %d success queries", m.Fixed, q.calls)
	}
	if _, err := run.Commit(ctx, CommitInfo{Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	if start, _ := h.WindowStart(ctx, night(1), 24*time.Hour); !start.Equal(night(0)) {
		t.Fatalf("a run by hand moved the window to %s", start)
	}
	m2, _, _ := runNight(t, h, s, night(1), OutcomeOK)
	assertStatuses(t, m2, map[string]string{key("PC03", "KID20001"): "new/1"})
	if got := fixedKeys(m2); len(got) != 1 || got[0] != "PC02/KID20002" {
		t.Fatalf("night after the run by hand fixed %v", got)
	}
}
