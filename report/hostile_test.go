package report

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"smsfail"
)

// hostile returns results carrying what real sites and damaged logs put in
// the fields: formula-looking text, control characters, invalid UTF-8,
// 100 KB lines, escape sequences Excel's XML uses, and collection names
// no sheet may carry.
func hostile() []smsfail.Result {
	long := strings.Repeat("0123456789", 10_000) // 100 KB, one line
	r1 := result("PS1HOST1", "PS120001", "=cmd|' /C calc'!A0", "site-own-cause", smsfail.OutcomeOK)
	r1.Failure.CollectionName = `Servers [EU]: *all* /or\ some? ` + strings.Repeat("x", 30)
	r1.Failure.AdvertisementName = "+SUM(A1:A9)"
	r1.Failure.Domain = "-2+3"
	r1.Failure.OS = "@SUM(1)"
	r1.Failure.PackageName = "http://example.com/evil"
	r1.Finding.Evidence = []smsfail.Evidence{{Line: 1, Text: "=HYPERLINK(\"http://x\",\"click\")"}}
	r1.Finding.Action = "bell\a tab\t nul\x00 esc\x1b vt\v ff\f del\x7f c1\u0085 fffe\ufffe bad\xff\xfe utf8"
	r1.Finding.Remediation = "_x0041_ stays as typed"
	r1.Fetch.Kept = `logs/PC"1/svcpack.log`

	r2 := result("PS1HOST2", "PS120002", "PC002", "custom-action-failed", smsfail.OutcomeOK)
	r2.Failure.CollectionName = strings.Repeat("Ж", 60)
	r2.Finding.Evidence = []smsfail.Evidence{{Line: 7, Text: long}}
	r2.Fetch.Kept = "../../etc/passwd"

	r3 := result("PS1HOST3", "PS120003", "PC003", "", smsfail.OutcomeReadError)
	r3.Failure.CollectionName = strings.Repeat("Ж", 60) // same name: the sheet names must differ
	r3.Fetch.Error = long + "\r\nsecond line"
	r3.Failure.ExitCodeKnown = false

	r4 := result("PS1HOST4", "PS120004", "PC004", "no-detail", smsfail.OutcomeOK)
	r4.Failure.CollectionName = "'History'"
	r4.Fetch.Kept = "https://example.com/x.log"
	r4.Finding.Cause = ""

	r5 := result("PS1HOST5", "PS120005", "PC005", "", smsfail.OutcomeBadHost)
	r5.Failure.CollectionName = "[]:*?/\\"
	r5.Failure.Time = r5.Failure.Time.AddDate(-200, 0, 0) // before Excel's dates
	return []smsfail.Result{r1, r2, r3, r4, r5}
}

func TestHostileInputStaysText(t *testing.T) {
	run := testRun()
	f, _ := writeBook(t, run, slices.Values(hostile()))
	rows := sheetRows(t, f, "Failures")
	h := rows[0]
	at := func(n int, name string) string {
		if c := colIndex(t, h, name); c < len(rows[n]) {
			return rows[n][c]
		}
		return ""
	}
	// Text that looks like a formula, a number or a link stays text.
	for _, c := range []struct{ name, want string }{
		{"Machine", "=cmd|' /C calc'!A0"}, {"Advertisement", "+SUM(A1:A9)"}, {"Domain", "-2+3"},
		{"Operating system", "@SUM(1)"}, {"Package", "http://example.com/evil 11.0"},
		{"Evidence", `line 1: =HYPERLINK("http://x","click")`}, {"Remediation", "_x0041_ stays as typed"},
	} {
		if got := at(1, c.name); got != c.want {
			t.Errorf("%s = %q, want %q", c.name, got, c.want)
		}
		if typ := cellType(t, f, "Failures", colIndex(t, h, c.name), 1); typ != "text" {
			t.Errorf("%s is %s, want text", c.name, typ)
		}
	}
	// Characters XML forbids are gone; tabs and line breaks are spaces;
	// invalid UTF-8 is a replacement character.
	if got, want := at(1, "Failing action"), "bell tab  nul esc vt ff del c1 fffe bad\ufffd\ufffd utf8"; got != want {
		t.Errorf("action = %q, want %q", got, want)
	}
	// A 100 KB line is cut to what a cell holds, visibly.
	for _, c := range []struct {
		row  int
		name string
	}{{2, "Evidence"}, {3, "Evidence"}} {
		got := at(c.row, c.name)
		if utf16Len(got) > maxCellChars || !strings.HasSuffix(got, cutMark) || !utf8.ValidString(got) {
			t.Errorf("row %d %s: %d characters ending %q, want at most %d ending with the cut mark",
				c.row, c.name, utf16Len(got), got[max(0, len(got)-40):], maxCellChars)
		}
	}
	// Only a plain relative path to a kept copy becomes a link, with its
	// quotes doubled; anything else is shown as text.
	if got, _ := f.GetCellFormula("Failures", cellName(t, colIndex(t, h, "Log copy"), 1)); got != `HYPERLINK("logs/PC""1/svcpack.log")` {
		t.Errorf("link with a quote = %q", got)
	}
	for _, n := range []int{2, 4} {
		if typ := cellType(t, f, "Failures", colIndex(t, h, "Log copy"), n); typ != "text" {
			t.Errorf("row %d: log copy %q is %s, want text", n, at(n, "Log copy"), typ)
		}
	}
	// An unknown exit code and a date Excel cannot show leave cells empty.
	if typ := cellType(t, f, "Failures", colIndex(t, h, "Exit code"), 3); typ != "empty" {
		t.Errorf("unknown exit code is %s, want empty", typ)
	}
	if typ := cellType(t, f, "Failures", colIndex(t, h, "Latest failure"), 5); typ != "empty" {
		t.Errorf("a failure 200 years ago is %s, want empty", typ)
	}
}

// TestHostileTextOnSmallSheets checks the sheets written cell by cell
// (Summary, Causes, Fixed) keep text that looks like an escape of Excel's
// XML as typed: "_x0041_" must not be read as "A", nor "_x000D_" as a
// carriage return.
func TestHostileTextOnSmallSheets(t *testing.T) {
	run := testRun()
	run.Site = "_x005F_x0053_ite"
	run.Fixed = []FixedFailure{{Machine: "PC_x0031_", Cause: "site-own-cause"}}
	f, _ := writeBook(t, run, slices.Values(hostile()))
	for _, c := range []struct{ sheet, want string }{
		{"Summary", "_x005F_x0053_ite"},
		{"Summary", "_x0041_ stays as typed"},
		{"Causes", "_x0041_ stays as typed"},
		{"Fixed", "PC_x0031_"},
	} {
		found := false
		for _, row := range sheetRows(t, f, c.sheet) {
			found = found || slices.Contains(row, c.want)
		}
		if !found {
			t.Errorf("the %s sheet does not show %q as typed", c.sheet, c.want)
		}
	}
}

func TestHostileSheetNames(t *testing.T) {
	f, _ := writeBook(t, testRun(), slices.Values(hostile()))
	names := f.GetSheetList()
	seen := map[string]bool{}
	for _, n := range names {
		if utf16Len(n) > 31 || strings.ContainsAny(n, `[]:*?/\`) || strings.HasPrefix(n, "'") || strings.HasSuffix(n, "'") || n == "" {
			t.Errorf("illegal sheet name %q", n)
		}
		if seen[strings.ToLower(n)] {
			t.Errorf("sheet name %q twice", n)
		}
		seen[strings.ToLower(n)] = true
	}
	want := []string{"Summary", "Failures", "Unreachable", "Causes", "Causes per collection",
		"Servers EU all or some xxxxxxxx", strings.Repeat("Ж", 31), strings.Repeat("Ж", 27) + " (2)", "History (2)", "PS1HOST5"}
	if !slices.Equal(names, want) {
		t.Errorf("sheets = %q, want %q", names, want)
	}
}

func TestNoFailures(t *testing.T) {
	f, path := writeBook(t, testRun(), slices.Values([]smsfail.Result{}))
	rows := sheetRows(t, f, "Summary")
	found := false
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], "No failures in this window") {
			found = true
		}
	}
	if !found {
		t.Errorf("the Summary of an empty run does not say there were no failures: %q", rows)
	}
	if rows := sheetRows(t, f, "Failures"); len(rows) != 2 || rows[1][0] != "No failures in this window." {
		t.Errorf("Failures of an empty run = %q", rows)
	}
	if rows := sheetRows(t, f, "Unreachable"); len(rows) != 2 || rows[1][0] != "Every log was read." {
		t.Errorf("Unreachable of an empty run = %q", rows)
	}
	if parts := zipEntries(t, path); parts["xl/charts/chart1.xml"] != "" {
		t.Errorf("an empty run has a chart")
	}
}

func TestOneCollection(t *testing.T) {
	var rs []smsfail.Result
	for _, r := range sample() {
		r.Failure.CollectionID, r.Failure.CollectionName = "SMS00001", "All Systems"
		rs = append(rs, r)
	}
	f, _ := writeBook(t, testRun(), slices.Values(rs))
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Summary", "Failures", "Unreachable", "Causes", "Causes per collection", "All Systems"}) {
		t.Errorf("sheets = %q", got)
	}
	if rows := sheetRows(t, f, "All Systems"); len(rows) != len(rs)+1 {
		t.Errorf("the collection's sheet has %d rows, want %d", len(rows), len(rs)+1)
	}
}

func TestManyCollections(t *testing.T) {
	var rs []smsfail.Result
	for i := range 500 {
		// Every collection named alike, 60 characters long: the sheet
		// names are cut to 31 and numbered.
		r := result(fmt.Sprintf("PS1%05d", i), "PS120001", fmt.Sprintf("PC%04d", i), "disk-space", smsfail.OutcomeOK)
		r.Failure.CollectionName = strings.Repeat("Deployment wave ", 4)[:60]
		rs = append(rs, r)
	}
	run := testRun()
	run.PerCollectionSheets = 500
	f, path := writeBook(t, run, slices.Values(rs))
	names := f.GetSheetList()
	if len(names) != 5+500 {
		t.Fatalf("%d sheets, want 505", len(names))
	}
	seen := map[string]bool{}
	for _, n := range names {
		if utf16Len(n) > 31 || seen[strings.ToLower(n)] {
			t.Errorf("sheet name %q too long or repeated", n)
		}
		seen[strings.ToLower(n)] = true
	}
	if names[504] != "Deployment wave Deploymen (500)" {
		t.Errorf("last sheet = %q", names[504])
	}
	// The chart shows the 20 collections with most failures.
	chart := zipEntries(t, path)["xl/charts/chart1.xml"]
	if !strings.Contains(chart, "Causes in the 20 collections with most failures") {
		t.Errorf("the chart of 500 collections does not say it shows 20")
	}
	rows := sheetRows(t, f, "Summary")
	matrix := 0
	for _, r := range rows {
		if len(r) > 0 && strings.HasPrefix(r[0], "PS1") {
			matrix++
		}
	}
	if matrix != 500 {
		t.Errorf("the matrix has %d collections, want 500", matrix)
	}

	run.PerCollectionSheets = 20
	f, _ = writeBook(t, run, slices.Values(rs))
	if n := len(f.GetSheetList()); n != 5 {
		t.Errorf("500 collections over a limit of 20 give %d sheets, want 5", n)
	}
}
