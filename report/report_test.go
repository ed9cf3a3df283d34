package report

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"smsfail"
)

// inOrder returns results sorted as the workbook must list them, by the
// test's own reading of the order (collection, advertisement, machine).
func inOrder(rs []smsfail.Result) []smsfail.Result {
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b smsfail.Result) int {
		return cmp.Or(
			strings.Compare(a.Failure.CollectionID, b.Failure.CollectionID),
			strings.Compare(a.Failure.AdvertisementID, b.Failure.AdvertisementID),
			strings.Compare(strings.ToUpper(a.Failure.Machine), strings.ToUpper(b.Failure.Machine)))
	})
	return rs
}

// notRead reports whether the test's sample result had its log read.
func notRead(r smsfail.Result) bool { return r.Finding == nil }

// column in the test's own terms: the Summary column a sample result must
// fall in.
func wantBucket(r smsfail.Result) string {
	if notRead(r) {
		return "not read: " + string(r.Fetch.Outcome)
	}
	return r.Finding.Cause
}

func TestSheetsInOrder(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	want := []string{"Summary", "Failures", "Unreachable", "Causes", "Causes per collection", "Workstations PS10001A", "Workstations PS10001B"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	if i := f.GetActiveSheetIndex(); i != 0 {
		t.Errorf("active sheet = %d, want the Summary", i)
	}
}

func TestFailuresSheet(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	rows := sheetRows(t, f, "Failures")
	want := inOrder(sample())
	if len(rows) != len(want)+1 {
		t.Fatalf("Failures has %d rows, want a header and %d", len(rows), len(want))
	}
	h := rows[0]
	col := func(name string) int { return colIndex(t, h, name) }
	if h[col("Latest failure")] != "Latest failure (Europe/Berlin)" {
		t.Errorf("date header = %q, want the site's time zone named", h[col("Latest failure")])
	}
	for i, r := range want {
		row, n := rows[i+1], i+1
		get := func(name string) string {
			if c := col(name); c < len(row) {
				return row[c]
			}
			return ""
		}
		checks := []struct{ name, want, typ string }{
			{"Collection ID", r.Failure.CollectionID, "text"},
			{"Collection", r.Failure.CollectionName, "text"},
			{"Advertisement ID", r.Failure.AdvertisementID, "text"},
			{"Advertisement", r.Failure.AdvertisementName, "text"},
			{"Package ID", r.Failure.PackageID, "text"},
			{"Package", "Office 2003 SP3 11.0", "text"},
			{"Program", r.Failure.ProgramName, "text"},
			{"Machine", r.Failure.Machine, "text"},
			{"Domain", "CORP", "text"},
			{"Operating system", r.Failure.OS, "text"},
			{"Latest failure", r.Failure.Time.In(testZone).Format("2006-01-02 15:04:05"), "date"},
			{"Exit code", "1603", "number"},
			{"Failures", "2", "number"},
			{"Cause", wantBucket(r), "text"},
			{"Log path", r.Fetch.UNC, "text"},
		}
		if notRead(r) {
			checks = append(checks,
				struct{ name, want, typ string }{"Evidence", r.Fetch.Error, "text"},
				struct{ name, want, typ string }{"Log copy", "", "empty"},
				struct{ name, want, typ string }{"Cause title", outcomeInfo(r.Fetch.Outcome).Title, "text"})
		} else {
			title := cmp.Or(testCauses[r.Finding.Cause].Title, r.Finding.Title)
			if r.Fetch.Outcome == smsfail.OutcomeTruncated {
				title += " (log read up to the size cap)"
			}
			checks = append(checks,
				struct{ name, want, typ string }{"Cause title", title, "text"},
				struct{ name, want, typ string }{"Codes", "extended 0xf01e; masked 0x643", "text"},
				struct{ name, want, typ string }{"Evidence", "line 412: Update.exe extended error code = 0xf01e", "text"},
				struct{ name, want, typ string }{"Log copy", r.Fetch.Kept, "formula"})
		}
		for _, c := range checks {
			if got := get(c.name); got != c.want {
				t.Errorf("row %d %s = %q, want %q", n, c.name, got, c.want)
			}
			if got := cellType(t, f, "Failures", col(c.name), n); got != c.typ {
				t.Errorf("row %d %s is %s, want %s", n, c.name, got, c.typ)
			}
		}
		if !notRead(r) {
			formula, _ := f.GetCellFormula("Failures", cellName(t, col("Log copy"), n))
			if want := `HYPERLINK("` + r.Fetch.Kept + `")`; formula != want {
				t.Errorf("row %d link = %q, want %q", n, formula, want)
			}
		}
	}
}

func TestFailuresTableLayout(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	tables, err := f.GetTables("Failures")
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || tables[0].Range != "A1:U11" {
		t.Errorf("tables = %+v, want one over A1:U11", tables)
	}
	panes, err := f.GetPanes("Failures")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes = %+v, want the header row frozen", panes)
	}
	rows := sheetRows(t, f, "Failures")
	width := func(name string) float64 {
		letter, _ := excelize.ColumnNumberToName(colIndex(t, rows[0], name) + 1)
		w, err := f.GetColWidth("Failures", letter)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := width("Evidence"); w < float64(len("line 412: Update.exe extended error code = 0xf01e")) {
		t.Errorf("Evidence is %v wide, narrower than its text", w)
	}
	if w := width("Exit code"); w > 16 {
		t.Errorf("Exit code is %v wide, want it fitted to its content", w)
	}
	// Each row is filled with a tint of its cause's colour, and its Cause
	// cell with the colour itself.
	causeCol := colIndex(t, rows[0], "Cause")
	for n := 1; n < len(rows); n++ {
		cause := rows[n][causeCol]
		want := Colour(cause, testCauses)
		for c := range rows[0] {
			fill := cellFill(t, f, "Failures", cellName(t, c, n))
			if c == causeCol && fill != want {
				t.Errorf("row %d: the cause %s is filled %q, want its colour %s", n, cause, fill, want)
			}
			if c != causeCol && fill != tint(want) {
				t.Errorf("row %d column %d of cause %s is filled %q, want %s", n, c, cause, fill, tint(want))
			}
		}
	}
}

// cellFill returns the fill colour of a cell, "" for none.
func cellFill(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Fill.Color) == 0 {
		return ""
	}
	return strings.ToUpper(st.Fill.Color[0])
}

func TestSummaryCountsAndMatrix(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	rows := sheetRows(t, f, "Summary")
	find := func(label string) int {
		for i, r := range rows {
			if len(r) > 0 && r[0] == label {
				return i
			}
		}
		t.Fatalf("no row %q on the Summary", label)
		return -1
	}
	for label, want := range map[string]string{"Failures": "10", "Classified": "5", "No detail": "1", "Unclassified": "1", "Logs not read": "3"} {
		i := find(label)
		if rows[i][1] != want {
			t.Errorf("%s = %q, want %s", label, rows[i][1], want)
		}
		if typ := cellType(t, f, "Summary", 1, i); typ != "number" {
			t.Errorf("%s is %s, want a number", label, typ)
		}
	}
	if got := rows[find("Time zone")][1]; got != "Europe/Berlin" {
		t.Errorf("time zone = %q", got)
	}
	if got, typ := rows[find("From")][1], cellType(t, f, "Summary", 1, find("From")); got != "2024-03-01 01:00:00" || typ != "date" {
		t.Errorf("From = %q (%s), want 2024-03-01 01:00:00 as a date", got, typ)
	}
	if got := rows[find("Took")][1]; got != "0:02:30" {
		t.Errorf("Took = %q, want 0:02:30", got)
	}

	// The matrix: every result in exactly one column, totals both ways.
	want := map[string]map[string]int{}
	for _, r := range sample() {
		if want[r.Failure.CollectionID] == nil {
			want[r.Failure.CollectionID] = map[string]int{}
		}
		want[r.Failure.CollectionID][wantBucket(r)]++
	}
	hdr := find("Collection ID")
	header := rows[hdr]
	if header[len(header)-1] != "Total" {
		t.Fatalf("matrix header %q does not end in Total", header)
	}
	colTotals := map[string]int{}
	for i := hdr + 1; rows[i][0] != "Total"; i++ {
		row := rows[i]
		sum := 0
		for c := 2; c < len(header)-1; c++ {
			n := 0
			if c < len(row) && row[c] != "" {
				n, _ = strconv.Atoi(row[c])
			}
			if n != want[row[0]][header[c]] {
				t.Errorf("matrix %s × %s = %d, want %d", row[0], header[c], n, want[row[0]][header[c]])
			}
			sum += n
			colTotals[header[c]] += n
		}
		if total, _ := strconv.Atoi(row[len(header)-1]); total != sum {
			t.Errorf("collection %s total %d, row sums to %d", row[0], total, sum)
		}
		delete(want, row[0])
	}
	if len(want) > 0 {
		t.Errorf("collections missing from the matrix: %v", want)
	}
	totals := rows[find("Total")]
	for c := 2; c < len(header)-1; c++ {
		if n, _ := strconv.Atoi(totals[c]); n != colTotals[header[c]] {
			t.Errorf("total of %s = %d, column sums to %d", header[c], n, colTotals[header[c]])
		}
	}
	if totals[len(header)-1] != "10" {
		t.Errorf("grand total = %q, want 10", totals[len(header)-1])
	}
	for _, b := range []string{"not read: unreachable", "not read: access-denied", "access-denied", "no-detail", "unclassified"} {
		if !slices.Contains(header, b) {
			t.Errorf("matrix has no column %q: %q", b, header)
		}
	}
}

func TestSummaryTopCauses(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	rows := sheetRows(t, f, "Summary")
	i := slices.IndexFunc(rows, func(r []string) bool { return len(r) > 0 && r[0] == "Top causes" })
	if i < 0 {
		t.Fatal("no Top causes on the Summary")
	}
	first := rows[i+2]
	if first[0] != "catalog-install-failed" || first[2] != "2" || first[3] != "20.0%" ||
		first[4] != testCauses["catalog-install-failed"].Remediation {
		t.Errorf("top cause row = %q", first)
	}
}

// TestSummaryChart checks the chart is really in the file: a chart added to
// a streamed sheet is silently dropped.
func TestSummaryChart(t *testing.T) {
	_, path := writeBook(t, testRun(), slices.Values(sample()))
	parts := zipEntries(t, path)
	sheet := sheetPart(t, parts, "Summary")
	if !strings.Contains(parts[sheet], "<drawing ") {
		t.Fatalf("the Summary sheet has no drawing")
	}
	rels := parts[strings.Replace(sheet, "worksheets/", "worksheets/_rels/", 1)+".rels"]
	if !strings.Contains(rels, "drawings/drawing1.xml") {
		t.Fatalf("the Summary's drawing is not drawing1: %s", rels)
	}
	if !strings.Contains(parts["xl/drawings/_rels/drawing1.xml.rels"], "charts/chart1.xml") {
		t.Fatalf("the drawing holds no chart")
	}
	chart := parts["xl/charts/chart1.xml"]
	// excelize writes the chart namespace as the default one; Excel writes
	// it with a c: prefix: accept both.
	for _, want := range []string{`<(c:)?barChart>`, `<(c:)?barDir val="bar"`, `<(c:)?grouping val="stacked"`, `Summary!\$B\$\d+:\$B\$\d+`} {
		if !regexp.MustCompile(want).MatchString(chart) {
			t.Errorf("chart lacks %s", want)
		}
	}
	// One series per column of the matrix: 6 causes and 3 ways of not reading.
	if n := len(regexp.MustCompile(`<(c:)?ser>`).FindAllString(chart, -1)); n != 9 {
		t.Errorf("chart has %d series, want 9", n)
	}
}

func TestUnreachableSheet(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	rows := sheetRows(t, f, "Unreachable")
	var want []smsfail.Result
	for _, r := range inOrder(sample()) {
		if notRead(r) {
			want = append(want, r)
		}
	}
	if len(rows) != len(want)+1 {
		t.Fatalf("Unreachable has %d rows, want a header and %d", len(rows), len(want))
	}
	h := rows[0]
	for i, r := range want {
		row := rows[i+1]
		for name, v := range map[string]string{
			"Machine": r.Failure.Machine, "Collection ID": r.Failure.CollectionID, "Advertisement ID": r.Failure.AdvertisementID,
			"Outcome": string(r.Fetch.Outcome), "Error": r.Fetch.Error, "Log path": r.Fetch.UNC,
			"Tried": r.Fetch.Tried.In(testZone).Format("2006-01-02 15:04:05"),
		} {
			if got := row[colIndex(t, h, name)]; got != v {
				t.Errorf("row %d %s = %q, want %q", i+1, name, got, v)
			}
		}
		if typ := cellType(t, f, "Unreachable", colIndex(t, h, "Tried"), i+1); typ != "date" {
			t.Errorf("Tried is %s, want a date", typ)
		}
	}
	if tables, _ := f.GetTables("Unreachable"); len(tables) != 1 {
		t.Errorf("Unreachable has %d tables, want 1", len(tables))
	}
}

func TestCausesSheet(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	rows := sheetRows(t, f, "Causes")
	count := map[string]int{}
	for _, r := range sample() {
		count[wantBucket(r)]++
	}
	h := rows[0]
	seen := 0
	for _, row := range rows[1:] {
		cause := row[0]
		if n, _ := strconv.Atoi(row[colIndex(t, h, "Failures")]); n != count[cause] {
			t.Errorf("cause %s counted %d, want %d", cause, n, count[cause])
		}
		seen++
		if notReadBucket := strings.HasPrefix(cause, "not read: "); !notReadBucket {
			if want := fmt.Sprintf("rule-%s (%d)", cause, count[cause]); row[colIndex(t, h, "Rules that fired")] != want {
				t.Errorf("rules of %s = %q, want %q", cause, row[colIndex(t, h, "Rules that fired")], want)
			}
		}
		if info, ok := testCauses[cause]; ok && row[colIndex(t, h, "Remediation")] != info.Remediation {
			t.Errorf("remediation of %s = %q", cause, row[colIndex(t, h, "Remediation")])
		}
	}
	if seen != len(count) {
		t.Errorf("Causes lists %d causes, want %d", seen, len(count))
	}
}

func TestPerCollectionSheets(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(sample()))
	for _, coll := range []string{"PS10001A", "PS10001B"} {
		rows := sheetRows(t, f, "Workstations "+coll)
		var want []string
		for _, r := range inOrder(sample()) {
			if r.Failure.CollectionID == coll {
				want = append(want, r.Failure.Machine+"/"+r.Failure.AdvertisementID)
			}
		}
		var got []string
		for _, row := range rows[1:] {
			got = append(got, row[colIndex(t, rows[0], "Machine")]+"/"+row[colIndex(t, rows[0], "Advertisement ID")])
		}
		if !slices.Equal(got, want) {
			t.Errorf("sheet of %s lists %q, want %q", coll, got, want)
		}
		if tables, _ := f.GetTables("Workstations " + coll); len(tables) != 1 {
			t.Errorf("sheet of %s has %d tables, want 1", coll, len(tables))
		}
	}

	// Past the failures the per-collection sheets may repeat, there are
	// none, and the Summary says why.
	path := filepath.Join(t.TempDir(), "report.xlsx")
	if err := write(context.Background(), path, testRun(), slices.Values(sample()), limits{perCollRows: 9}); err != nil {
		t.Fatal(err)
	}
	f = openBook(t, path)
	if n := len(f.GetSheetList()); n != 5 {
		t.Errorf("with 10 failures over a limit of 9: %d sheets, want 5", n)
	}
	if rows := sheetRows(t, f, "Summary"); !slices.ContainsFunc(rows, func(r []string) bool {
		return len(r) > 1 && r[0] == "Sheets per collection" && strings.Contains(r[1], "10 failures, more than 9")
	}) {
		t.Errorf("the Summary does not say there are too many failures for sheets per collection")
	}

	run := testRun()
	run.PerCollectionSheets = 1
	f, _ = writeBook(t, run, slices.Values(sample()))
	if n := len(f.GetSheetList()); n != 5 {
		t.Errorf("with 2 collections over a limit of 1: %d sheets, want 5", n)
	}
	rows := sheetRows(t, f, "Summary")
	if i := slices.IndexFunc(rows, func(r []string) bool {
		return len(r) > 1 && r[0] == "Sheets per collection" && strings.Contains(r[1], "2 collections")
	}); i < 0 {
		t.Errorf("the Summary does not say why there are no per-collection sheets")
	}
}
