package history

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"smsfail"
)

// site is a simulated site database: failure and success events in time.
type site struct {
	failures  []event
	successes []success
}

type event struct {
	machine, ad, cause string
	at                 time.Time
}

// query returns the failures in [since, until), the latest per machine and
// advertisement, as the query stage does.
func (s *site) query(since, until time.Time) []smsfail.Result {
	latest := map[string]event{}
	count := map[string]int{}
	for _, e := range s.failures {
		if e.at.Before(since) || !e.at.Before(until) {
			continue
		}
		k := e.machine + "\x00" + e.ad
		count[k]++
		if e.at.After(latest[k].at) {
			latest[k] = e
		}
	}
	var out []smsfail.Result
	for k, e := range latest {
		out = append(out, result(e, count[k]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Failure.Key() < out[j].Failure.Key() })
	return out
}

func result(e event, count int) smsfail.Result {
	r := smsfail.Result{Failure: smsfail.Failure{Machine: e.machine, AdvertisementID: e.ad, CollectionID: "COL" + e.ad,
		ExitCode: 1603, ExitCodeKnown: true, Time: e.at, Count: count}}
	switch e.cause {
	case string(smsfail.FetchUnreachable):
		r.Fetch = smsfail.Fetch{Status: smsfail.FetchUnreachable, Error: "i/o timeout"}
	default:
		r.Fetch = smsfail.Fetch{Status: smsfail.FetchOK}
		r.Finding = &smsfail.Finding{Cause: e.cause}
	}
	return r
}

// success is a machine reporting that an advertised program succeeded.
type success struct {
	machine, ad string
	at          time.Time
}

// successes answers as query.DB.Successes does, counting its calls.
type successes struct {
	s     *site
	calls int
}

func (q *successes) Successes(ctx context.Context, since, until time.Time, ads []string, fn func(string, string, time.Time) error) error {
	q.calls++
	want := map[string]bool{}
	for _, a := range ads {
		want[a] = true
	}
	latest := map[[2]string]time.Time{}
	for _, ok := range q.s.successes {
		k := [2]string{ok.machine, ok.ad}
		if want[ok.ad] && !ok.at.Before(since) && ok.at.Before(until) && ok.at.After(latest[k]) {
			latest[k] = ok.at
		}
	}
	keys := make([][2]string, 0, len(latest))
	for k := range latest {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	for _, k := range keys {
		if err := fn(k[0], k[1], latest[k]); err != nil {
			return err
		}
	}
	return nil
}

var t0 = time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC)

func night(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

// runNight runs one night as the job will: window from WindowStart, mark,
// commit, finish.
func runNight(t *testing.T, h *DB, s *site, until time.Time, outcome Outcome) (*Marks, int64, time.Time) {
	t.Helper()
	ctx := context.Background()
	since, err := h.WindowStart(ctx, until, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	run, err := h.Begin(RunSpec{Kind: KindNightly, Since: since, Until: until, Started: until})
	if err != nil {
		t.Fatal(err)
	}
	results := s.query(since, until)
	marks, err := run.Mark(ctx, results, &successes{s: s})
	if err != nil {
		t.Fatal(err)
	}
	commitAs := outcome
	if outcome == OutcomeMailFailed {
		commitAs = OutcomeOK
	}
	id, err := run.Commit(ctx, CommitInfo{Outcome: commitAs, Counts: smsfail.Count(slices.Values(results)), Report: fmt.Sprintf("reports/%s.xlsx", until.Format("2006-01-02")),
		Durations: map[string]time.Duration{"query": 2 * time.Second, "fetch": 90 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	detail := ""
	if outcome == OutcomeMailFailed {
		detail = "550 5.7.1 relaying denied"
	}
	if err := run.Finish(ctx, outcome, detail); err != nil {
		t.Fatal(err)
	}
	return marks, id, since
}

func statuses(m *Marks) map[string]string {
	out := map[string]string{}
	for k, mk := range m.ByKey {
		out[k] = fmt.Sprintf("%s/%d", mk.Status, mk.Nights)
	}
	return out
}

func fixedKeys(m *Marks) []string {
	var out []string
	for _, f := range m.Fixed {
		out = append(out, f.Machine+"/"+f.AdvertisementID)
	}
	return out
}

func key(machine, ad string) string { return machine + "\x00" + ad }

func TestThreeNights(t *testing.T) {
	ctx := context.Background()
	h, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	s := &site{failures: []event{
		{"PC01", "KID20001", "catalog-install-failed", night(0).Add(-5 * time.Hour)},
		{"PC02", "KID20001", "disk-full", night(0).Add(-time.Nanosecond)}, // last instant of night 1
		{"PC03", "KID20002", "unreachable", night(0).Add(-20 * time.Hour)},
		{"PC04", "KID20002", "custom-action-failed", night(0)}, // first instant of night 2
		{"PC01", "KID20001", "catalog-install-failed", night(1).Add(-3 * time.Hour)},
		{"PC01", "KID20001", "catalog-install-failed", night(2).Add(-3 * time.Hour)},
		{"pc03", "KID20002", "custom-action-failed", night(2).Add(-time.Hour)}, // same machine, other case
		{"PC02", "KID20001", "disk-full", night(2).Add(-2 * time.Hour)},        // fails again after its fix
	}, successes: []success{
		{"PC02", "KID20001", night(0).Add(time.Hour)},       // after its failure: fixed in night 2
		{"PC03", "KID20002", night(0).Add(-21 * time.Hour)}, // before its failure: not a fix
		{"PC04", "KID20002", night(1).Add(time.Hour)},       // fixed in night 3
	}}

	// Night 1: everything is new.
	m1, id1, since1 := runNight(t, h, s, night(0), OutcomeIncomplete)
	if !since1.Equal(night(-1)) {
		t.Fatalf("first window starts %s, want now-24h", since1)
	}
	assertStatuses(t, m1, map[string]string{
		key("PC01", "KID20001"): "new/1", key("PC02", "KID20001"): "new/1", key("PC03", "KID20002"): "new/1"})
	runs, err := h.Runs(ctx, 1)
	if err != nil || len(runs) != 1 || runs[0].ID != id1 {
		t.Fatalf("runs %v, %v", runs, err)
	}
	c := runs[0].Counts
	if m1.Change.Previous != nil || c.Failures != 3 || c.Classified != 2 || c.NotRead != 1 || c.Unreachable != 1 || c.NoDetail+c.Unclassified != 0 {
		t.Fatalf("night 1: previous %v, counts recorded %+v", m1.Change.Previous, c)
	}

	// Night 2: PC01 fails again, PC02 succeeded, PC03 succeeded only before
	// it failed, PC04 failed at the boundary instant.
	m2, id2, since2 := runNight(t, h, s, night(1), OutcomeMailFailed)
	if !since2.Equal(night(0)) {
		t.Fatalf("night 2 starts %s, want %s where night 1 ended", since2, night(0))
	}
	assertStatuses(t, m2, map[string]string{key("PC01", "KID20001"): "recurring/2", key("PC04", "KID20002"): "new/1"})
	if got := fixedKeys(m2); fmt.Sprint(got) != "[PC02/KID20001]" {
		t.Fatalf("night 2 fixed %v", got)
	}
	if c := m2.Change; c.New != 1 || c.Recurring != 1 || c.Fixed != 1 || c.StillOpen != 1 || c.Previous.ID != id1 {
		t.Fatalf("night 2 change %+v", c)
	}
	assertCauses(t, m2, "catalog-install-failed:1 disk-full:1 not read: unreachable:1")

	// A failed attempt (site database down) records the run but neither
	// moves the window nor opens anything.
	failed, err := h.Begin(RunSpec{Kind: KindNightly, Since: night(1), Until: night(2).Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := failed.Commit(ctx, CommitInfo{Outcome: OutcomeFailed, Error: "cannot connect to the site database"}); err != nil {
		t.Fatal(err)
	}

	// Night 3: a mail failure still counts as reported, so the window goes
	// on from night 2; pc03 recurs under another case; PC02 fails again
	// after its fix and is new again; PC04 is fixed.
	m3, _, since3 := runNight(t, h, s, night(2), OutcomeOK)
	if !since3.Equal(night(1)) {
		t.Fatalf("night 3 starts %s, want %s", since3, night(1))
	}
	assertStatuses(t, m3, map[string]string{
		key("PC01", "KID20001"): "recurring/3", key("pc03", "KID20002"): "recurring/3", key("PC02", "KID20001"): "new/1"})
	if got := fixedKeys(m3); fmt.Sprint(got) != "[PC04/KID20002]" {
		t.Fatalf("night 3 fixed %v", got)
	}
	if m3.Fixed[0].Nights != 1 || !m3.Fixed[0].Succeeded.Equal(night(1).Add(time.Hour)) {
		t.Fatalf("night 3 fix %+v", m3.Fixed[0])
	}
	if m3.Change.StillOpen != 0 || m3.Change.Previous.ID != id2 {
		t.Fatalf("night 3 change %+v", m3.Change)
	}
	first := m3.ByKey[key("pc03", "KID20002")].FirstFailed
	if !first.Equal(night(0).Add(-20 * time.Hour)) {
		t.Fatalf("pc03 first failed %s", first)
	}
	assertEveryEventOnce(t, h, s)
	assertRuns(t, h)
}

// assertEveryEventOnce checks the nights' windows tile time: every failure
// event falls in exactly one night, and the latest of each is reported.
func assertEveryEventOnce(t *testing.T, h *DB, s *site) {
	t.Helper()
	runs, err := h.Runs(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range s.failures {
		n := 0
		for _, r := range runs {
			if r.Outcome != OutcomeFailed && !e.at.Before(r.Since) && e.at.Before(r.Until) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("failure of %s on %s at %s falls in %d nights", e.ad, e.machine, e.at, n)
		}
	}
	newCount := 0
	for _, r := range runs {
		newCount += r.New
	}
	if newCount != 5 { // PC01, PC02, PC03, PC04, and PC02 again after its fix
		t.Errorf("%d failures reported as new over three nights, want 5", newCount)
	}
}

func assertRuns(t *testing.T, h *DB) {
	t.Helper()
	runs, got := runLines(t, h, func(r RunRecord) string {
		return fmt.Sprintf("%d %s %s n%d r%d f%d", r.ID, r.Kind, r.Outcome, r.New, r.Recurring, r.Fixed)
	})
	want := "[4 nightly ok n1 r2 f1 3 nightly failed n0 r0 f0 2 nightly mail-failed n1 r1 f1 1 nightly incomplete n3 r0 f0]"
	if got != want {
		t.Fatalf("runs\n%v\nwant\n%v", got, want)
	}
	if runs[2].Error != "550 5.7.1 relaying denied" || runs[1].Error != "cannot connect to the site database" {
		t.Fatalf("errors not recorded: %q %q", runs[2].Error, runs[1].Error)
	}
	if runs[0].Durations["fetch"] != 90*time.Second || runs[0].Finished.IsZero() || !runs[1].Finished.IsZero() {
		t.Fatalf("durations %v, finished %v / %v", runs[0].Durations, runs[0].Finished, runs[1].Finished)
	}
	f, err := h.Findings(context.Background(), runs[0].ID)
	if err != nil || len(f) != 3 || f[2].Machine != "pc03" || f[2].Status != smsfail.MarkRecurring || f[2].Nights != 3 || *f[2].ExitCode != 1603 {
		t.Fatalf("findings of the last night: %+v %v", f, err)
	}
	fx, err := h.FixedIn(context.Background(), runs[0].ID)
	if err != nil || len(fx) != 1 || fx[0].Machine != "PC04" {
		t.Fatalf("fixed in the last night: %+v %v", fx, err)
	}
}

// runLines lists the last runs, newest first, and a line for each.
func runLines(t *testing.T, h *DB, line func(RunRecord) string) ([]RunRecord, string) {
	t.Helper()
	runs, err := h.Runs(context.Background(), 10)
	if err != nil {
		t.Fatal(err)
	}
	lines := make([]string, len(runs))
	for i, r := range runs {
		lines[i] = line(r)
	}
	return runs, fmt.Sprint(lines)
}

func assertStatuses(t *testing.T, m *Marks, want map[string]string) {
	t.Helper()
	if got := statuses(m); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("marks\n%v\nwant\n%v", got, want)
	}
}

func assertCauses(t *testing.T, m *Marks, want string) {
	t.Helper()
	var got []string
	for cause, n := range m.Change.Before {
		got = append(got, fmt.Sprintf("%s:%d", cause, n))
	}
	sort.Strings(got)
	if s := fmt.Sprint(got); s != "["+want+"]" {
		t.Fatalf("cause change %s, want [%s]", s, want)
	}
}
