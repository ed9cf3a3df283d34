package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smsfail"
)

// cancelAfter yields results and cancels the run once n of them have been
// yielded, on whichever pass over them gets there.
func cancelAfter(results iter.Seq[smsfail.Result], n int, cancel context.CancelFunc) iter.Seq[smsfail.Result] {
	seen := 0
	return func(yield func(smsfail.Result) bool) {
		for r := range results {
			seen++
			if seen == n {
				cancel()
			}
			if !yield(r) {
				return
			}
		}
	}
}

func TestCancelledWriteLeavesNothing(t *testing.T) {
	// Enough rows that the check every 4096 is reached and that the stream
	// writer spills to a temporary file; cancelled during the first pass,
	// then while the sheets are streamed.
	const rows = 40_000
	spill := t.TempDir()
	t.Setenv("TMPDIR", spill)
	for _, at := range []int{rows / 2, rows + rows*3/4} {
		dir := t.TempDir()
		path := filepath.Join(dir, "report.xlsx")
		ctx, cancel := context.WithCancel(context.Background())
		spilled := 0
		err := Write(ctx, path, testRun(), cancelAfter(generated(rows, 5, true), at, func() {
			entries, _ := os.ReadDir(spill)
			spilled = len(entries)
			cancel()
		}))
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled at result %d: err = %v, want context.Canceled", at, err)
		}
		if at > rows && spilled == 0 {
			t.Errorf("cancelled at result %d: nothing had spilled to a temporary file yet; the test needs more rows", at)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("cancelled at result %d: the folder holds %v, want nothing", at, names(entries))
		}
		if entries, _ := os.ReadDir(spill); len(entries) != 0 {
			t.Errorf("cancelled at result %d: temporary files left: %v", at, names(entries))
		}
	}
}

func TestCancelledWriteKeepsPreviousWorkbook(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xlsx")
	if err := Write(context.Background(), path, testRun(), slices.Values(sample())); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	err = Write(ctx, path, testRun(), cancelAfter(generated(20_000, 5, true), 30_000, cancel))
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	after, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(before, after) {
		t.Errorf("the previous workbook was changed by a cancelled run (err %v)", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the folder holds %v, want only the previous workbook", names(entries))
	}
}

func TestWriteErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.xlsx")
	// Results that differ between passes: the writer must notice, fail,
	// and leave nothing behind.
	pass := 0
	changing := func(yield func(smsfail.Result) bool) {
		pass++
		for i, r := range sample() {
			if pass > 1 && i == 3 {
				return
			}
			if !yield(r) {
				return
			}
		}
	}
	err := Write(context.Background(), path, testRun(), changing)
	if !errors.Is(err, errResultsChanged) {
		t.Errorf("err = %v, want results changed", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("the folder holds %v, want nothing", names(entries))
	}
	if err := Write(context.Background(), filepath.Join(dir, "missing", "report.xlsx"), testRun(), slices.Values(sample())); err == nil ||
		!strings.Contains(err.Error(), "missing") {
		t.Errorf("writing into a missing folder: err = %v, want it named", err)
	}
}

func names(entries []os.DirEntry) []string {
	var n []string
	for _, e := range entries {
		n = append(n, e.Name())
	}
	return n
}

// TestSameInputSameBytes writes the same results in two orders: the
// workbooks are byte for byte the same.
func TestSameInputSameBytes(t *testing.T) {
	rs := slices.Collect(generated(3000, 7, true))
	shuffled := slices.Clone(rs)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	dir := t.TempDir()
	run := testRun()
	var books [][]byte
	for i, in := range [][]smsfail.Result{rs, shuffled, rs} {
		path := filepath.Join(dir, "report"+string(rune('a'+i))+".xlsx")
		if err := write(context.Background(), path, run, slices.Values(in), limits{orderChunk: 1000}); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		books = append(books, b)
	}
	if !bytes.Equal(books[0], books[1]) || !bytes.Equal(books[0], books[2]) {
		t.Errorf("the same results gave different workbooks")
	}
}

// TestUnsortedInput checks results that come in any order are listed in
// the workbook's order, through the passes that hold a chunk at a time.
func TestUnsortedInput(t *testing.T) {
	rs := slices.Collect(generated(500, 4, true))
	shuffled := slices.Clone(rs)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	path := filepath.Join(t.TempDir(), "report.xlsx")
	if err := write(context.Background(), path, testRun(), slices.Values(shuffled), limits{orderChunk: 37}); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, path)
	rows := sheetRows(t, f, "Failures")
	machine := colIndex(t, rows[0], "Machine")
	for i, r := range inOrder(shuffled) {
		if got := rows[i+1][machine]; got != r.Failure.Machine {
			t.Fatalf("row %d is %s, want %s", i+1, got, r.Failure.Machine)
		}
	}
}

// TestRowsOverflowToNextSheet checks a table longer than a sheet holds
// continues on numbered sheets, each with its header and table.
func TestRowsOverflowToNextSheet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.xlsx")
	run := testRun()
	if err := write(context.Background(), path, run, slices.Values(sample()), limits{rowsPerSheet: 4}); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, path)
	want := []string{"Summary", "Failures", "Failures (2)", "Failures (3)", "Unreachable", "Causes", "Causes per collection",
		"Workstations PS10001A", "Workstations PS10001A (2)", "Workstations PS10001B", "Workstations PS10001B (2)"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	var machines []string
	for _, s := range want[1:4] {
		rows := sheetRows(t, f, s)
		if rows[0][0] != "Collection ID" {
			t.Errorf("%s has no header", s)
		}
		if tables, _ := f.GetTables(s); len(tables) != 1 {
			t.Errorf("%s has %d tables", s, len(tables))
		}
		for _, row := range rows[1:] {
			machines = append(machines, row[colIndex(t, rows[0], "Machine")]+"/"+row[colIndex(t, rows[0], "Advertisement ID")])
		}
	}
	var wantMachines []string
	for _, r := range inOrder(sample()) {
		wantMachines = append(wantMachines, r.Failure.Machine+"/"+r.Failure.AdvertisementID)
	}
	if !slices.Equal(machines, wantMachines) {
		t.Errorf("rows across sheets = %q, want %q", machines, wantMachines)
	}
	// Table names are unique in the workbook.
	var tables []string
	for _, s := range f.GetSheetList() {
		ts, err := f.GetTables(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, tb := range ts {
			tables = append(tables, tb.Name)
		}
	}
	if want := []string{"Failures", "Failures_2", "Failures_3", "Unreachable", "Collection1", "Collection1_2", "Collection2", "Collection2_2"}; !slices.Equal(tables, want) {
		t.Errorf("tables = %q, want %q", tables, want)
	}
}

// TestFixedSheetOverflows checks the Fixed sheet is written like the other
// long ones: a previous night of a million failures can be fixed at once.
func TestFixedSheetOverflows(t *testing.T) {
	run := testRun()
	run.PerCollectionSheets = 0
	for i := range 10 {
		run.Fixed = append(run.Fixed, FixedFailure{Machine: fmt.Sprintf("PC%03d", 10-i), CollectionID: "PS10001A",
			AdvertisementID: "PS120001", Cause: "disk-space", LastFailed: time.Date(2024, 2, 29, 22, 0, 0, 0, time.UTC), Nights: i})
	}
	path := filepath.Join(t.TempDir(), "report.xlsx")
	if err := write(context.Background(), path, run, slices.Values(sample()), limits{rowsPerSheet: 4}); err != nil {
		t.Fatal(err)
	}
	f := openBook(t, path)
	want := []string{"Summary", "Failures", "Failures (2)", "Failures (3)", "Unreachable", "Causes", "Causes per collection", "Fixed", "Fixed (2)", "Fixed (3)"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets = %q, want %q", got, want)
	}
	var machines []string
	for _, s := range want[7:] {
		rows := sheetRows(t, f, s)
		if rows[0][0] != "Machine" {
			t.Errorf("%s has no header: %q", s, rows[0])
		}
		if tables, _ := f.GetTables(s); len(tables) != 1 {
			t.Errorf("%s has %d tables, want 1", s, len(tables))
		}
		for n, row := range rows[1:] {
			machines = append(machines, row[0])
			if typ := cellType(t, f, s, 6, n+1); typ != "date" {
				t.Errorf("%s row %d: Last failed is %s, want a date", s, n+1, typ)
			}
		}
	}
	if wantMachines := []string{"PC001", "PC002", "PC003", "PC004", "PC005", "PC006", "PC007", "PC008", "PC009", "PC010"}; !slices.Equal(machines, wantMachines) {
		t.Errorf("fixed rows across sheets = %q, want %q", machines, wantMachines)
	}
}

func TestHistory(t *testing.T) {
	run := testRun()
	run.Marks = func(r smsfail.Result) (string, int) {
		if r.Failure.Machine == "PC001" {
			return MarkRecurring, 3
		}
		return MarkNew, 1
	}
	run.Fixed = []FixedFailure{
		{Machine: "PC099", CollectionID: "PS10001A", AdvertisementID: "PS120001", Cause: "disk-space",
			LastFailed: time.Date(2024, 2, 29, 22, 0, 0, 0, time.UTC), Nights: 2},
	}
	run.Previous = &smsfail.Counts{Failures: 12, Classified: 4, NoDetail: 2, Unclassified: 1, NotRead: 5,
		ByBucket: map[string]int{"disk-space": 3, "file-in-use": 2}}
	f, _ := writeBook(t, run, slices.Values(sample()))
	rows := sheetRows(t, f, "Failures")
	h := rows[0]
	recurring := 0
	for n, row := range rows[1:] {
		status, nights := row[colIndex(t, h, "History")], row[colIndex(t, h, "Nights")]
		if row[colIndex(t, h, "Machine")] == "PC001" {
			recurring++
			if status != "recurring" || nights != "3" || cellType(t, f, "Failures", colIndex(t, h, "Nights"), n+1) != "number" {
				t.Errorf("PC001: history %q nights %q", status, nights)
			}
		} else if status != "new" {
			t.Errorf("row %d: history %q, want new", n+1, status)
		}
	}
	if recurring != 2 {
		t.Errorf("%d recurring rows, want 2", recurring)
	}
	fixed := sheetRows(t, f, "Fixed")
	if len(fixed) != 2 || fixed[1][0] != "PC099" || fixed[1][6] != "2024-02-29 23:00:00" {
		t.Errorf("Fixed sheet = %q", fixed)
	}
	summary := sheetRows(t, f, "Summary")
	want := map[string][]string{
		"Failures":             {"Failures", "10", "12", "-2"},
		"Logs not read":        {"Logs not read", "3", "5", "-2"},
		"Recurring":            {"Recurring", "2"},
		"Fixed since last run": {"Fixed since last run", "1"},
		"file-in-use":          {"file-in-use", "0", "2", "-2"},
		"disk-space":           {"disk-space", "1", "3", "-2"},
	}
	for _, row := range summary {
		if len(row) > 0 {
			if w, ok := want[row[0]]; ok && slices.Equal(row[:min(len(row), len(w))], w) {
				delete(want, row[0])
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("the Summary lacks the change since last run: %v", want)
	}
}

func TestCountResults(t *testing.T) {
	c := smsfail.Count(slices.Values(sample()))
	if c.Failures != 10 || c.Classified != 5 || c.NoDetail != 1 || c.Unclassified != 1 || c.NotRead != 3 {
		t.Errorf("counts = %+v", c)
	}
	if c.ByBucket["access-denied"] != 1 || c.ByBucket["not read: access-denied"] != 1 {
		t.Errorf("a cause and an outcome of the same name are counted together: %v", c.ByBucket)
	}
}

func TestNoLocationMeansUTC(t *testing.T) {
	run := testRun()
	run.Location = nil
	f, _ := writeBook(t, run, slices.Values(sample()))
	rows := sheetRows(t, f, "Failures")
	if got := rows[1][colIndex(t, rows[0], "Latest failure")]; got != "2024-03-01 19:47:56" {
		t.Errorf("latest failure = %q, want the UTC time", got)
	}
}

// A night that looked back marks the failures from before its window late
// and says on the Summary how many there were and how far back it looked.
func TestLateFailures(t *testing.T) {
	run := testRun()
	run.Lookback = run.Since.Add(-72 * time.Hour)
	run.Marks = func(r smsfail.Result) (string, int) {
		if r.Failure.Machine == "PC001" {
			return MarkRecurring, 2
		}
		return MarkNew, 1
	}
	results := sample()
	for i := range results {
		switch results[i].Failure.Machine {
		case "PC001":
			results[i].Failure.Time = run.Since.Add(-12 * time.Hour)
		case "PC002":
			results[i].Failure.Time = run.Since.Add(-37 * time.Hour)
		}
	}
	f, _ := writeBook(t, run, slices.Values(results))
	rows := sheetRows(t, f, "Failures")
	h := rows[0]
	got := map[string]int{}
	for _, row := range rows[1:] {
		got[row[colIndex(t, h, "Machine")]+" "+row[colIndex(t, h, "History")]]++
	}
	if got["PC001 recurring (late)"] != 2 || got["PC002 new (late)"] != 1 || got["PC003 new"] != 1 {
		t.Errorf("History column %v, want PC001 recurring and PC002 new, both late", got)
	}
	want := map[string][]string{
		"Late messages":      {"Late messages", "3 failures from before this window, back to 2024-02-28 12:00 (looked back to 2024-02-27 01:00)"},
		"New since last run": {"New since last run", "8"},
		"Recurring":          {"Recurring", "2"},
		"Arrived late":       {"Arrived late", "3"},
	}
	for _, row := range sheetRows(t, f, "Summary") {
		if len(row) > 0 {
			if w, ok := want[row[0]]; ok && slices.Equal(row[:min(len(row), len(w))], w) {
				delete(want, row[0])
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("the Summary lacks %v", want)
	}
}
