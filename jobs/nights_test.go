package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"smsfail"
	"smsfail/classify"
	"smsfail/demosite"
	"smsfail/fetch"
	"smsfail/history"
	"smsfail/query"
)

// siteNow is the end of the demo site's week; the three nights end two
// days before, one day before and then.
var siteNow = time.Date(2026, 3, 12, 7, 0, 0, 0, time.UTC)

// testJob builds the real job over a demo site in a temporary folder, with
// a clock the test moves: the status messages route, so each night sees
// exactly the failures of its own window.
func testJob(t testing.TB, now *time.Time) (*Job, *query.DB, string) {
	t.Helper()
	return siteJob(t, now, demosite.Options{Seed: 11, Clients: 400, Days: 7, Now: siteNow})
}

// siteJob is testJob over a demo site made with opts.
func siteJob(t testing.TB, now *time.Time, opts demosite.Options) (*Job, *query.DB, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := demosite.Generate(ctx, dir, opts); err != nil {
		t.Fatal(err)
	}
	if opts.WithoutLogs { // every log missing: a site built to measure the query
		if err := os.Mkdir(filepath.Join(dir, demosite.ClientsDir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	job, db := dirJob(t, now, dir, filepath.Join(dir, "state"))
	return job, db, dir
}

// dirJob is the real job over the site in dir (its site.db and clients/),
// keeping its history and lock in state.
func dirJob(t testing.TB, now *time.Time, dir, state string) (*Job, *query.DB) {
	t.Helper()
	ctx := context.Background()
	qc := query.DefaultConfig()
	qc.Driver, qc.Path = query.DriverSQLite, filepath.Join(dir, demosite.DBFile)
	db, err := query.Open(ctx, qc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h, err := history.Open(ctx, state)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	src, err := fetch.NewLocal(filepath.Join(dir, demosite.ClientsDir))
	if err != nil {
		t.Fatal(err)
	}
	locator, err := fetch.NewLocator(nil)
	if err != nil {
		t.Fatal(err)
	}
	job := &Job{
		Site: db, Route: query.RouteMessages,
		Filter: query.Filter{ExitCodes: []int64{1603}, MessageIDs: []int{10006}, ExitCodeIndex: 3},
		Source: src, Locator: locator, Fetch: fetch.DefaultOptions(), Codepage: "windows-1252", Rules: classify.Builtin(),
		SiteName: "KID", Location: time.UTC, ReportDir: filepath.Join(state, "reports"),
		StateDir: state, History: h, Successes: db, Window: 24 * time.Hour,
		Now: func() time.Time { return *now },
	}
	return job, db
}

// failingIn is what the site database reports failing in a window, by
// key: the oracle the marks are checked against.
func failingIn(t *testing.T, db *query.DB, since, until time.Time) map[string]smsfail.Failure {
	t.Helper()
	out := map[string]smsfail.Failure{}
	f := query.Filter{ExitCodes: []int64{1603}, MessageIDs: []int{10006}, ExitCodeIndex: 3, Since: since, Until: until}
	if _, err := db.Failures(context.Background(), query.RouteMessages, f, func(fl smsfail.Failure) error {
		out[fl.Key()] = fl
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// addSuccess writes a status message 10008 (program succeeded) for a
// machine and advertisement into the demo site, as a client that ran the
// program again would.
func addSuccess(t *testing.T, dir string, f smsfail.Failure, at time.Time) {
	t.Helper()
	const record = 1 << 60
	execSite(t, dir,
		siteStmt{`INSERT INTO v_StatusMessage (RecordID, MessageID, MachineName, Time, SiteCode, Component, ModuleName, Severity, MessageType, Win32Error)
			VALUES (?, 10008, ?, ?, 'KID', 'Software Distribution', 'SMS Client', 1073741824, 256, 0)`, []any{record, f.Machine, at.UTC()}},
		siteStmt{`INSERT INTO v_StatMsgAttributes (RecordID, AttributeID, AttributeValue, AttributeTime) VALUES (?, 401, ?, ?)`,
			[]any{record, f.AdvertisementID, at.UTC()}},
	)
}

// siteStmt is a statement run against the demo site database.
type siteStmt struct {
	sql  string
	args []any
}

// execSite writes into the demo site database in dir, as the site server
// does when client messages come in.
func execSite(t *testing.T, dir string, stmts ...siteStmt) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, demosite.DBFile)+"?_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestThreeNights runs the real job over a demo site on three nights and
// reads each workbook back: every failure marked new or recurring (with
// its nights) as the site's own messages say, the one machine that
// succeeded after failing listed fixed, the windows meeting exactly.
func TestThreeNights(t *testing.T) {
	ctx := context.Background()
	var now time.Time
	job, db, dir := testJob(t, &now)
	ends := []time.Time{siteNow.Add(-48 * time.Hour), siteNow.Add(-24 * time.Hour), siteNow}
	sets := []map[string]smsfail.Failure{
		failingIn(t, db, ends[0].Add(-24*time.Hour), ends[0]), failingIn(t, db, ends[0], ends[1]), failingIn(t, db, ends[1], ends[2]),
	}
	fixedKey := pickFixed(t, sets)
	fx := sets[0][fixedKey]
	addSuccess(t, dir, fx, ends[0].Add(3*time.Hour))

	want := expectedMarks(sets, fixedKey)
	var prevUntil time.Time
	for n, end := range ends {
		now = end
		out, err := job.Run(ctx, Options{Nightly: true})
		if err != nil {
			t.Fatalf("night %d: %v", n+1, err)
		}
		if n > 0 && !out.Since.Equal(prevUntil) {
			t.Errorf("night %d starts %s, want %s where night %d ended", n+1, out.Since, prevUntil, n)
		}
		prevUntil = out.Until
		got := readMarks(t, out.Workbook)
		if fmt.Sprint(got) != fmt.Sprint(want[n]) {
			t.Errorf("night %d marks in the workbook:\n got %v\nwant %v", n+1, got, want[n])
		}
		wantFixed := []string{}
		if n == 1 {
			wantFixed = []string{fx.Machine + " " + fx.AdvertisementID}
		}
		if got := readFixed(t, out.Workbook); fmt.Sprint(got) != fmt.Sprint(wantFixed) {
			t.Errorf("night %d Fixed sheet %v, want %v", n+1, got, wantFixed)
		}
		checkSummaryCounts(t, out.Workbook, want[n], len(wantFixed), n > 0)
		if n == 1 {
			runByHand(t, job, ends[0], ends[1], want[1])
		}
	}
	runs, err := job.History.Runs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var windows []string
	for _, r := range runs {
		windows = append(windows, fmt.Sprintf("%s %s %s", r.Kind, r.Since.Format(time.RFC3339), r.Until.Format(time.RFC3339)))
	}
	wantWindows := "[nightly 2026-03-11T07:00:00Z 2026-03-12T07:00:00Z once 2026-03-10T07:00:00Z 2026-03-11T07:00:00Z " +
		"nightly 2026-03-10T07:00:00Z 2026-03-11T07:00:00Z nightly 2026-03-09T07:00:00Z 2026-03-10T07:00:00Z]"
	if fmt.Sprint(windows) != wantWindows {
		t.Fatalf("recorded runs\n%v\nwant\n%v", windows, wantWindows)
	}
}

// runByHand runs one advertisement by hand over night 2's window, after
// night 2: marked against the nights like night 2 itself, it moves
// neither the window nor the open failures (night 3 checks both).
func runByHand(t *testing.T, job *Job, since, until time.Time, night map[string]string) {
	t.Helper()
	out, err := job.Run(context.Background(), Options{Since: since, Until: until, Advertisements: []string{"KID2000A"}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Kind != history.KindOnce || out.Marks.Change.Previous == nil {
		t.Fatalf("run by hand: kind %s, previous %v", out.Kind, out.Marks.Change.Previous)
	}
	got := readMarks(t, out.Workbook)
	for k, mk := range got {
		if !strings.HasSuffix(k, " KID2000A") {
			t.Errorf("run by hand of KID2000A reports %s", k)
		}
		// Night 2 counted itself; the run by hand counts night 2 and itself.
		want := night[k]
		if n, ok := strings.CutPrefix(want, "recurring/"); ok {
			nights, _ := strconv.Atoi(n)
			want = fmt.Sprintf("recurring/%d", nights+1)
		} else {
			want = "recurring/2"
		}
		if mk != want {
			t.Errorf("run by hand: %s marked %s, want %s", k, mk, want)
		}
	}
	if len(got) == 0 {
		t.Fatal("the run by hand found no failure of KID2000A")
	}
}

// pickFixed picks a failure of the first night that the second does not
// see failing again: the one the test makes succeed.
func pickFixed(t *testing.T, sets []map[string]smsfail.Failure) string {
	t.Helper()
	var keys []string
	for k := range sets[0] {
		if _, again := sets[1][k]; !again {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) == 0 {
		t.Fatal("the demo site has no failure of night 1 that night 2 does not repeat: pick another seed")
	}
	return keys[0]
}

// expectedMarks works out each night's marks from the failures alone:
// new unless open (failing on an earlier night and not fixed since), and
// nights counted from the night that first reported it.
func expectedMarks(sets []map[string]smsfail.Failure, fixedKey string) []map[string]string {
	first := map[string]int{} // open failures: the night that first reported them
	out := make([]map[string]string, len(sets))
	recurring := 0
	for n, set := range sets {
		if n == 2 {
			delete(first, fixedKey) // found fixed on night 2, so closed for night 3
		}
		out[n] = map[string]string{}
		for k, f := range set {
			mk := "new/1"
			if since, open := first[k]; open {
				mk = fmt.Sprintf("recurring/%d", n-since+1)
				recurring++
			} else {
				first[k] = n
			}
			out[n][f.Machine+" "+f.AdvertisementID] = mk
		}
	}
	if recurring == 0 {
		panic("no recurring failure on the demo site: pick another seed")
	}
	return out
}

// readMarks reads "machine advertisement" → "status/nights" off the
// Failures sheet.
func readMarks(t *testing.T, path string) map[string]string {
	t.Helper()
	rows := sheet(t, path, "Failures")
	col := columns(rows[0])
	out := map[string]string{}
	for _, r := range rows[1:] {
		get := func(h string) string {
			if j, ok := col[h]; ok && j < len(r) {
				return r[j]
			}
			return ""
		}
		out[get("Machine")+" "+get("Advertisement ID")] = get("History") + "/" + get("Nights")
	}
	return out
}

func readFixed(t *testing.T, path string) []string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if idx, _ := f.GetSheetIndex("Fixed"); idx < 0 {
		return []string{}
	}
	rows, err := f.GetRows("Fixed")
	if err != nil {
		t.Fatal(err)
	}
	col := columns(rows[0])
	out := []string{}
	for _, r := range rows[1:] {
		out = append(out, r[col["Machine"]]+" "+r[col["Advertisement ID"]])
	}
	return out
}

// checkSummaryCounts holds the Summary's history lines against the marks.
func checkSummaryCounts(t *testing.T, path string, marks map[string]string, fixed int, previous bool) {
	t.Helper()
	want := map[string]int{"New since last run": 0, "Recurring": 0, "Fixed since last run": fixed}
	for _, m := range marks {
		if strings.HasPrefix(m, "new") {
			want["New since last run"]++
		} else {
			want["Recurring"]++
		}
	}
	got := map[string]int{}
	hasPrevious := false
	for _, r := range sheet(t, path, "Summary") {
		if len(r) > 3 && r[0] == "Counts" && r[2] == "Previous run" {
			hasPrevious = true
		}
		if _, ok := want[first(r)]; ok && len(r) > 1 {
			got[r[0]], _ = strconv.Atoi(r[1])
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Summary history counts %v, want %v", got, want)
	}
	if hasPrevious != previous {
		t.Errorf("Summary shows the previous run: %v, want %v", hasPrevious, previous)
	}
}

func first(r []string) string {
	if len(r) == 0 {
		return ""
	}
	return r[0]
}

func sheet(t *testing.T, path, name string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(name)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func columns(header []string) map[string]int {
	col := map[string]int{}
	for j, h := range header {
		col[h] = j
	}
	return col
}
