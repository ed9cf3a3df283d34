package report

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"smsfail"
)

// wide is a site that strains the Summary: more causes than the chart
// shows, a user cause without a colour, long titles, remediations and
// collection names, and a site name with an ampersand.
func wide() (Run, []smsfail.Result) {
	run := testRun()
	run.Site = "PS1 - Sales & Marketing primary site"
	run.Causes = map[string]CauseInfo{}
	for k, v := range testCauses {
		run.Causes[k] = v
	}
	causes := []string{"catalog-install-failed", "custom-action-failed", "disk-space", "file-in-use", "source-missing",
		"access-denied", "registry-access-denied", "invalid-drive", "service-start-failed", "site-antivirus-lock",
		"migration-blocked", "no-detail", "unclassified"}
	run.Causes["site-antivirus-lock"] = CauseInfo{
		Title:       "On-access antivirus scanning locks the package's temporary files while Windows Installer copies them",
		Remediation: strings.Repeat("Exclude the package's temporary folder from on-access scanning and rerun. ", 4),
	}
	var rs []smsfail.Result
	for i := range 60 {
		coll := fmt.Sprintf("PS10%03d", i%5)
		cause := causes[(i*i+i/3)%len(causes)]
		r := result(coll, "PS120001", fmt.Sprintf("PC%03d", i), cause, smsfail.OutcomeOK)
		if i%11 == 0 {
			r = result(coll, "PS120001", fmt.Sprintf("PC%03d", i), "", smsfail.OutcomeUnreachable)
		}
		r.Failure.CollectionName = "Pilot: Sales & Marketing [EMEA] / Berlin\\Munich * phase " + strconv.Itoa(i%5) + " (Acrobat Reader DC, all workstations)"
		rs = append(rs, r)
	}
	return run, rs
}

// chartSeries reads the chart's series back: the header cell each names
// and its fill colour, in order.
func chartSeries(t *testing.T, f *excelize.File, path string) (names, colours []string) {
	t.Helper()
	chart := zipEntries(t, path)["xl/charts/chart1.xml"]
	re := regexp.MustCompile(`(?s)<(?:c:)?ser>.*?<(?:c:)?tx><(?:c:)?strRef><(?:c:)?f>Summary!\$([A-Z]+)\$(\d+)</.*?<(?:a:)?srgbClr val="([0-9A-Fa-f]{6})"`)
	for _, m := range re.FindAllStringSubmatch(chart, -1) {
		v, err := f.GetCellValue(sheetSummary, m[1]+m[2])
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, v)
		colours = append(colours, strings.ToUpper(m[3]))
	}
	return names, colours
}

// TestCauseColoursDoNotFollowRank writes two workbooks in which the same
// causes rank differently: each cause has the same colour in both, in the
// chart, its Failures rows and the matrix's header.
func TestCauseColoursDoNotFollowRank(t *testing.T) {
	ok := smsfail.OutcomeOK
	first := []smsfail.Result{
		result("C1", "A1", "PC1", "disk-space", ok), result("C1", "A1", "PC2", "disk-space", ok),
		result("C1", "A1", "PC3", "catalog-install-failed", ok),
	}
	second := []smsfail.Result{
		result("C1", "A1", "PC1", "catalog-install-failed", ok), result("C1", "A1", "PC2", "catalog-install-failed", ok),
		result("C1", "A1", "PC3", "disk-space", ok), result("C1", "A1", "PC4", "site-own", ok),
	}
	run := testRun()
	run.Causes = map[string]CauseInfo{"disk-space": {Colour: "ED7D31"}, "catalog-install-failed": {Colour: "1F4E79"}}
	seen := map[string]string{}
	for _, rs := range [][]smsfail.Result{first, second} {
		f, path := writeBook(t, run, slices.Values(rs))
		names, colours := chartSeries(t, f, path)
		if len(names) == 0 {
			t.Fatal("no chart series read back")
		}
		rows := sheetRows(t, f, sheetMatrix)
		for i, name := range names {
			col := slices.Index(rows[0], name)
			if col < 0 {
				t.Fatalf("cause %s of the chart is not in the matrix %q", name, rows[0])
			}
			for where, got := range map[string]string{
				"chart":  colours[i],
				"matrix": cellFill(t, f, sheetMatrix, cellName(t, col, 0)),
			} {
				if want, ok := seen[name]; ok && got != want {
					t.Errorf("%s is %s in the %s, %s elsewhere", name, got, where, want)
				}
				seen[name] = got
			}
		}
		fails := sheetRows(t, f, "Failures")
		causeCol := colIndex(t, fails[0], "Cause")
		for n := 1; n < len(fails); n++ {
			if got := cellFill(t, f, "Failures", cellName(t, causeCol, n)); got != seen[fails[n][causeCol]] {
				t.Errorf("Failures row %d: %s is %s, %s in the chart", n, fails[n][causeCol], got, seen[fails[n][causeCol]])
			}
		}
	}
	if seen["disk-space"] != "ED7D31" || seen["catalog-install-failed"] != "1F4E79" {
		t.Errorf("colours = %v: want the rules' colours", seen)
	}
	if seen["site-own"] != hashColour("site-own") || hashColour("site-own") != hashColour("site-own") {
		t.Errorf("a cause without a colour is %s, want %s from its id", seen["site-own"], hashColour("site-own"))
	}
}

// TestChartFoldsIntoOther: past the configured number of causes, the
// chart and the Summary's matrix fold the rest into "other"; the sheet of
// causes per collection keeps every one.
func TestChartFoldsIntoOther(t *testing.T) {
	run, rs := wide()
	run.ChartCauses = 5
	f, path := writeBook(t, run, slices.Values(rs))
	names, colours := chartSeries(t, f, path)
	byCount := map[string]int{}
	for _, r := range rs {
		byCount[wantBucket(r)]++
	}
	if len(names) != 6 || !strings.HasPrefix(names[5], "other (") || colours[5] != otherColour {
		t.Fatalf("chart series %q in %q: want the 5 top causes and other", names, colours)
	}
	folded := len(byCount) - 5
	if names[5] != fmt.Sprintf("other (%d causes)", folded) {
		t.Errorf("the folded series is %q, want other (%d causes)", names[5], folded)
	}
	for i := 1; i < 5; i++ {
		if byCount[names[i]] > byCount[names[i-1]] {
			t.Errorf("the chart shows %s (%d) after %s (%d)", names[i], byCount[names[i]], names[i-1], byCount[names[i-1]])
		}
	}
	full := sheetRows(t, f, sheetMatrix)
	if got := len(full[0]) - 3; got != len(byCount) {
		t.Errorf("%s has %d causes, want all %d", sheetMatrix, got, len(byCount))
	}
	if last := full[len(full)-1]; last[0] != "Total" || last[len(last)-1] != strconv.Itoa(len(rs)) {
		t.Errorf("%s ends with %q, want the total of %d", sheetMatrix, last, len(rs))
	}

	run.ChartCauses = 0 // the default, 8
	f, path = writeBook(t, run, slices.Values(rs))
	if names, _ := chartSeries(t, f, path); len(names) != DefaultChartCauses+1 {
		t.Errorf("default chart has %d series, want %d", len(names), DefaultChartCauses+1)
	}
}

// sheetCell is one cell of a sheet as the tests measure it.
type sheetCell struct {
	ref, text string
	row, col  int
}

// TestSummaryCellsAreNotCut computes, from each cell's content, its font,
// the width of its column (or merged columns) and the height of its row,
// whether Excel at its default zoom would show the whole of it: text
// either fits its width or wraps within a row tall enough for its lines,
// and numbers fit (Excel shows #### for a number wider than its cell).
func TestSummaryCellsAreNotCut(t *testing.T) {
	run, rs := wide()
	run.Previous = &smsfail.Counts{Failures: 3, ByBucket: map[string]int{"disk-space": 3}}
	for name, c := range map[string]struct {
		run Run
		rs  []smsfail.Result
	}{"wide": {run, rs}, "sample": {testRun(), sample()}, "hostile": {testRun(), hostile()}, "empty": {testRun(), nil}} {
		t.Run(name, func(t *testing.T) {
			f, _ := writeBook(t, c.run, slices.Values(c.rs))
			for _, sheet := range []string{sheetSummary, sheetMatrix} {
				checkNotCut(t, f, sheet)
			}
		})
	}
}

func checkNotCut(t *testing.T, f *excelize.File, sheet string) {
	t.Helper()
	merges, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sheetCells(t, f, sheet) {
		last := c.col
		for _, m := range merges {
			if m.GetStartAxis() == c.ref {
				last, _, _ = excelize.CellNameToCoordinates(m.GetEndAxis())
			}
		}
		width := 0.0
		for col := c.col; col <= last; col++ {
			name, _ := excelize.ColumnNumberToName(col)
			w, err := f.GetColWidth(sheet, name)
			if err != nil {
				t.Fatal(err)
			}
			width += w
		}
		height, err := f.GetRowHeight(sheet, c.row)
		if err != nil {
			t.Fatal(err)
		}
		st := cellStyle(t, f, sheet, c.ref)
		bold, size := st.Font != nil && st.Font.Bold, 11.0
		if st.Font != nil && st.Font.Size > 0 {
			size = st.Font.Size
		}
		need := textUnits(c.text, bold) * size / 11
		switch {
		case st.Alignment != nil && st.Alignment.WrapText:
			if lines := wrapLines(c.text, width, bold); float64(lines)*lineHeight*size/11 > height+0.01 {
				t.Errorf("%s!%s %q wraps to %d lines in %.1f, its row is %.1f points high", sheet, c.ref, c.text, lines, width, height)
			}
		case need > width:
			t.Errorf("%s!%s %q needs %.1f, its cell is %.1f wide", sheet, c.ref, c.text, need, width)
		}
	}
}

// sheetCells returns every cell that shows something, as formatted.
func sheetCells(t *testing.T, f *excelize.File, sheet string) []sheetCell {
	t.Helper()
	var cells []sheetCell
	for r, row := range sheetRows(t, f, sheet) {
		for c, v := range row {
			if v != "" {
				cells = append(cells, sheetCell{ref: cellName(t, c, r), text: v, row: r + 1, col: c + 1})
			}
		}
	}
	return cells
}

func cellStyle(t *testing.T, f *excelize.File, sheet, ref string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
