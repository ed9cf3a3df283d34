package jobs

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/query"
)

// TestLateMessages runs the real job over a demo site on three nights,
// with a failure that reaches the site database after night 1 ran though
// its time is before night 1's end, and reads each workbook back. Looking
// back three days, night 2 reports it, new and marked late; what night 1
// reported is not repeated unless its machine failed again since, and then
// it is recurring. With failures.late 0 the late failure is never
// reported, as before the look back existed.
func TestLateMessages(t *testing.T) {
	for _, late := range []time.Duration{72 * time.Hour, 0} {
		t.Run(fmt.Sprint(late), func(t *testing.T) { lateNights(t, late) })
	}
}

func lateNights(t *testing.T, late time.Duration) {
	ctx := context.Background()
	var now time.Time
	job, db, dir := testJob(t, &now)
	job.Late = late
	ends := []time.Time{siteNow.Add(-48 * time.Hour), siteNow.Add(-24 * time.Hour), siteNow}
	sets := []map[string]smsfail.Failure{
		failingIn(t, db, ends[0].Add(-24*time.Hour), ends[0]), failingIn(t, db, ends[0], ends[1]), failingIn(t, db, ends[1], ends[2]),
	}
	want := expectedMarks(sets, "")
	lateAt := ends[0].Add(-2 * time.Hour)
	lateF := pickLate(t, db, ends)
	repeatKey := pickFixed(t, sets) // reported on night 1, no failure since

	now = ends[0]
	out1, err := job.Run(ctx, Options{Nightly: true})
	if err != nil {
		t.Fatal(err)
	}
	checkNight(t, out1, 1, want[0], "")
	addFailure(t, dir, lateF, lateAt)

	// The Summary's line on late messages, nights 2 and 3: the first night's
	// window is as far back as the nights look.
	lateLines := []string{"", ""}
	if late > 0 {
		want[1][lateF.Machine+" "+lateF.AdvertisementID] = "new (late)/1"
		lateLines = []string{"1 failure from before this window, of 2026-03-10 05:00 (looked back to 2026-03-09 07:00)",
			"none from before this window (looked back to 2026-03-09 07:00)"}
	}
	now = ends[1]
	out2, err := job.Run(ctx, Options{Nightly: true})
	if err != nil {
		t.Fatal(err)
	}
	checkNight(t, out2, 2, want[1], lateLines[0])
	rf := sets[0][repeatKey]
	if _, again := readMarks(t, out2.Workbook)[rf.Machine+" "+rf.AdvertisementID]; again {
		t.Errorf("night 2 reports %s on %s again, which night 1 reported and which has not failed since", rf.AdvertisementID, rf.Machine)
	}
	if s := job.mailSummary(Options{Nightly: true}, out2); late > 0 && (s.Late != 1 || !s.LateFrom.Equal(lateAt)) {
		t.Errorf("night 2 mail says %d late from %s, want 1 from %s", s.Late, s.LateFrom, lateAt)
	}

	now = ends[2]
	out3, err := job.Run(ctx, Options{Nightly: true})
	if err != nil {
		t.Fatal(err)
	}
	checkNight(t, out3, 3, want[2], lateLines[1])
	for n, out := range []*Report{out1, out2, out3} {
		if !out.Until.Equal(ends[n]) || n > 0 && !out.Since.Equal(ends[n-1]) {
			t.Errorf("night %d window %s to %s, want it to start where the last night ended", n+1, out.Since, out.Until)
		}
	}
}

// checkNight holds a night's workbook against the marks expected and the
// Summary's line on late messages ("" for none).
func checkNight(t *testing.T, out *Report, n int, want map[string]string, late string) {
	t.Helper()
	if got := readMarks(t, out.Workbook); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("night %d marks in the workbook:\n got %v\nwant %v", n, got, want)
	}
	checkSummaryCounts(t, out.Workbook, want, 0, n > 1)
	gotLate, arrived := "", -1
	for _, r := range sheet(t, out.Workbook, "Summary") {
		switch first(r) {
		case "Late messages":
			gotLate = r[1]
		case "Arrived late":
			arrived, _ = strconv.Atoi(r[1])
		}
	}
	wantArrived := -1 // no such line
	if late != "" {
		wantArrived = strings.Count(fmt.Sprint(want), "(late)")
	}
	if gotLate != late || arrived != wantArrived {
		t.Errorf("night %d Summary: late messages %q, arrived late %d; want %q, %d", n, gotLate, arrived, late, wantArrived)
	}
}

// pickLate picks a failure from before night 1's window whose machine and
// advertisement fail nowhere in the three nights' windows: the one the test
// makes arrive late.
func pickLate(t *testing.T, db *query.DB, ends []time.Time) smsfail.Failure {
	t.Helper()
	during := failingIn(t, db, ends[0].Add(-24*time.Hour), ends[2])
	var keys []string
	before := failingIn(t, db, ends[0].Add(-5*24*time.Hour), ends[0].Add(-24*time.Hour))
	for k := range before {
		if _, ok := during[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		t.Fatal("every machine that failed early in the week fails again later: pick another seed")
	}
	return before[keys[0]]
}

// addFailure copies the status message of f's failure, with its
// attributes and insertion strings, to a new message at time at: a client
// coming back on the network with a failure it had queued.
func addFailure(t *testing.T, dir string, f smsfail.Failure, at time.Time) {
	t.Helper()
	if f.RecordID == 0 {
		t.Fatalf("the failure of %s on %s has no status message to copy", f.AdvertisementID, f.Machine)
	}
	const record = 1<<60 + 1
	execSite(t, dir,
		siteStmt{`INSERT INTO v_StatusMessage (RecordID, MessageID, MachineName, Time, SiteCode, Component, ModuleName, Severity, MessageType, Win32Error)
			SELECT ?, MessageID, MachineName, ?, SiteCode, Component, ModuleName, Severity, MessageType, Win32Error FROM v_StatusMessage WHERE RecordID = ?`,
			[]any{record, at.UTC(), f.RecordID}},
		siteStmt{`INSERT INTO v_StatMsgAttributes (RecordID, AttributeID, AttributeValue, AttributeTime)
			SELECT ?, AttributeID, AttributeValue, ? FROM v_StatMsgAttributes WHERE RecordID = ?`, []any{record, at.UTC(), f.RecordID}},
		siteStmt{`INSERT INTO v_StatMsgInsStrings (RecordID, InsStrIndex, InsStrValue)
			SELECT ?, InsStrIndex, InsStrValue FROM v_StatMsgInsStrings WHERE RecordID = ?`, []any{record, f.RecordID}},
	)
}
