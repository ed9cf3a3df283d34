package history

import (
	"context"
	"fmt"
	"testing"
	"time"

	"smsfail"
)

// runNightLate runs one night as the job does with failures.late: it reads
// from LookbackStart, leaves out what the nights reported, marks against
// the nominal window and commits.
func runNightLate(t *testing.T, h *DB, s *site, until time.Time, late time.Duration) (*Marks, int) {
	t.Helper()
	ctx := context.Background()
	since, err := h.WindowStart(ctx, until, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	from, err := h.LookbackStart(ctx, since, late)
	if err != nil {
		t.Fatal(err)
	}
	all := s.query(from, until)
	failures := make([]smsfail.Failure, len(all))
	byKey := map[string]smsfail.Result{}
	for i, r := range all {
		failures[i] = r.Failure
		byKey[r.Failure.Key()] = r
	}
	kept, dropped, err := h.Unreported(ctx, failures, from)
	if err != nil {
		t.Fatal(err)
	}
	if dropped != len(failures)-len(kept) {
		t.Fatalf("Unreported says it dropped %d of %d, kept %d", dropped, len(failures), len(kept))
	}
	results := make([]smsfail.Result, len(kept))
	for i, f := range kept {
		results[i] = byKey[f.Key()]
	}
	run, err := h.Begin(RunSpec{Kind: KindNightly, Since: since, Until: until, Started: until})
	if err != nil {
		t.Fatal(err)
	}
	marks, err := run.Mark(ctx, results, &successes{s: s})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Commit(ctx, CommitInfo{Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}
	return marks, dropped
}

// TestLateMessages runs three nights over a site where failures arrive
// after the night their time belongs to: with a look back they are
// reported on the next night, new, and nothing the nights reported is
// reported again; without one they are lost, as before.
func TestLateMessages(t *testing.T) {
	for _, late := range []time.Duration{72 * time.Hour, 0} {
		t.Run(fmt.Sprint(late), func(t *testing.T) { threeLateNights(t, late) })
	}
}

func threeLateNights(t *testing.T, late time.Duration) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	s := &site{failures: []event{
		{"PC01", "KID20001", "disk-full", night(0).Add(-5 * time.Hour)},
		{"PC02", "KID20001", "disk-full", night(0).Add(-3 * time.Hour)},
	}}
	m1, _ := runNightLate(t, h, s, night(0), late)
	assertStatuses(t, m1, map[string]string{key("PC01", "KID20001"): "new/1", key("PC02", "KID20001"): "new/1"})

	// After night 1 ran: a laptop back on the network sends a failure from
	// before night 1's end; PC02 sends an older failure than the one night
	// 1 reported; a failure from before the first night comes in too;
	// PC01 fails again tonight; a run by hand sees the late failure.
	s.failures = append(s.failures,
		event{"pc03", "KID20002", "custom-action-failed", night(0).Add(-2 * time.Hour)},
		event{"PC02", "KID20001", "disk-full", night(0).Add(-10 * time.Hour)},
		event{"PC06", "KID20001", "disk-full", night(-1).Add(-time.Hour)},
		event{"PC01", "KID20001", "disk-full", night(1).Add(-4 * time.Hour)},
	)
	byHand, err := h.Begin(RunSpec{Kind: KindOnce, Since: night(-1), Until: night(0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := byHand.Mark(ctx, s.query(night(-1), night(0)), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := byHand.Commit(ctx, CommitInfo{Outcome: OutcomeOK}); err != nil {
		t.Fatal(err)
	}

	// Night 2: the late pc03 is new (a run by hand reporting it does not
	// count: only the nights open failures); PC01 recurs at its newer
	// time; PC02's reported failure is left out; PC06 failed before the
	// first night's window and is not the nights' to report.
	m2, dropped2 := runNightLate(t, h, s, night(1), late)
	want2 := map[string]string{key("PC01", "KID20001"): "recurring/2", key("pc03", "KID20002"): "new/1"}
	if late == 0 {
		want2 = map[string]string{key("PC01", "KID20001"): "recurring/2"}
	}
	assertStatuses(t, m2, want2)
	if late > 0 && (dropped2 != 1 || m2.Change.StillOpen != 1) {
		t.Fatalf("night 2 left out %d reported failures (want PC02's), still open %d", dropped2, m2.Change.StillOpen)
	}

	// Night 3: nothing new failed and PC02 succeeded: nothing is reported
	// again, PC02 is fixed, and its old failure stays left out.
	s.successes = append(s.successes, success{"PC02", "KID20001", night(1).Add(time.Hour)})
	m3, dropped3 := runNightLate(t, h, s, night(2), late)
	assertStatuses(t, m3, map[string]string{})
	if got := fixedKeys(m3); fmt.Sprint(got) != "[PC02/KID20001]" {
		t.Fatalf("night 3 fixed %v", got)
	}
	if late > 0 && dropped3 != 3 { // PC01 at its newer time, pc03, PC02
		t.Fatalf("night 3 left out %d reported failures, want 3", dropped3)
	}
	assertNominalWindows(t, h)
}

// assertNominalWindows checks the nights recorded their own windows, which
// still meet exactly, whatever they read before them.
func assertNominalWindows(t *testing.T, h *DB) {
	t.Helper()
	_, got := runLines(t, h, func(r RunRecord) string {
		return fmt.Sprintf("%s %s-%s", r.Kind, r.Since.Format("02T15"), r.Until.Format("02T15"))
	})
	want := "[nightly 11T02-12T02 nightly 10T02-11T02 once 09T02-10T02 nightly 09T02-10T02]"
	if got != want {
		t.Fatalf("recorded windows %v, want %s", got, want)
	}
}

func TestLookbackStart(t *testing.T) {
	ctx := context.Background()
	h := open(t, t.TempDir())
	if from, err := h.LookbackStart(ctx, night(0), 72*time.Hour); err != nil || !from.Equal(night(0)) {
		t.Fatalf("before the first night: %s %v, want no look back", from, err)
	}
	runNight(t, h, &site{}, night(0), OutcomeOK)
	runNight(t, h, &site{}, night(1), OutcomeOK)
	runNight(t, h, &site{}, night(2), OutcomeOK)
	runNight(t, h, &site{}, night(3), OutcomeOK)
	for late, want := range map[time.Duration]time.Time{
		0:                   night(3),
		time.Hour:           night(3).Add(-time.Hour),
		72 * time.Hour:      night(0),
		30 * 24 * time.Hour: night(-1), // not before the first night's window
	} {
		if from, err := h.LookbackStart(ctx, night(3), late); err != nil || !from.Equal(want) {
			t.Errorf("late %s: looks back to %s (%v), want %s", late, from, err, want)
		}
	}
}
