package report

import (
	"encoding/json"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"smsfail"
)

// historyRun is the sample run with history: the Fixed sheet and the
// history columns.
func historyRun() Run {
	run := testRun()
	run.Marks = func(smsfail.Result) (string, int) { return MarkNew, 1 }
	run.Fixed = []FixedFailure{{Machine: "PC099", CollectionID: "PS10001A", Cause: "disk-space", Nights: 2}}
	return run
}

// TestPrintSettings reads every sheet's print settings back from the
// workbook's XML: landscape, one page wide and as many down as needed, a
// print area over what the sheet holds, the header row repeated on the
// tables' pages, and a footer with the site, the window and the page.
func TestPrintSettings(t *testing.T) {
	f, path := writeBook(t, historyRun(), slices.Values(sample()))
	parts := zipEntries(t, path)
	names := definedNames(t, parts["xl/workbook.xml"])
	for i, sheet := range f.GetSheetList() {
		xml := parts[sheetPart(t, parts, sheet)]
		for _, want := range []string{`<pageSetUpPr fitToPage="(true|1)"`, `<pageSetup[^>]* fitToHeight="0"`,
			`<pageSetup[^>]* fitToWidth="1"`, `<pageSetup[^>]* orientation="landscape"`} {
			if !regexp.MustCompile(want).MatchString(xml) {
				t.Errorf("sheet %s lacks %s", sheet, want)
			}
		}
		footer := html.UnescapeString(regexp.MustCompile(`<oddFooter>([^<]*)</oddFooter>`).FindStringSubmatch(xml + "<oddFooter></oddFooter>")[1])
		for _, want := range []string{"&LsmsFail PS1 - Primary site", "&C2024-03-01 01:00 to 2024-03-02 01:00", "&R&A, page &P of &N"} {
			if !strings.Contains(strings.ToLower(footer), strings.ToLower(want)) {
				t.Errorf("sheet %s footer %q lacks %q", sheet, footer, want)
			}
		}
		dim := sheetDimension(t, xml)
		area := names[nameKey{"_xlnm.Print_Area", i}]
		if want := quoteSheet(sheet) + "!$A$1:" + absolute(dim); area != want {
			t.Errorf("sheet %s print area %q, want %q", sheet, area, want)
		}
		titles, want := names[nameKey{"_xlnm.Print_Titles", i}], quoteSheet(sheet)+"!$1:$1"
		if sheet == sheetSummary {
			want = "" // no table, no header row to repeat
		}
		if titles != want {
			t.Errorf("sheet %s repeats %q on each page, want %q", sheet, titles, want)
		}
	}
}

type nameKey struct {
	name  string
	sheet int
}

// definedNames reads the workbook's defined names by name and sheet.
func definedNames(t *testing.T, workbook string) map[nameKey]string {
	t.Helper()
	out := map[nameKey]string{}
	re := regexp.MustCompile(`<definedName ([^>]*)>([^<]*)</definedName>`)
	nameRe, sheetRe := regexp.MustCompile(` ?name="([^"]+)"`), regexp.MustCompile(`localSheetId="(\d+)"`)
	for _, m := range re.FindAllStringSubmatch(workbook, -1) {
		name, sheet := nameRe.FindStringSubmatch(m[1]), sheetRe.FindStringSubmatch(m[1])
		if name == nil || sheet == nil {
			continue
		}
		n, _ := strconv.Atoi(sheet[1])
		out[nameKey{name[1], n}] = html.UnescapeString(m[2])
	}
	return out
}

func sheetDimension(t *testing.T, xml string) string {
	t.Helper()
	m := regexp.MustCompile(`<dimension ref="([^"]+)"`).FindStringSubmatch(xml)
	if m == nil {
		t.Fatalf("no dimension in %.200s", xml)
	}
	return m[1]
}

// absolute makes "U11" of "A1:U11" into "$U$11".
func absolute(dim string) string {
	_, last, _ := strings.Cut(dim, ":")
	col, row, _ := excelize.SplitCellName(last)
	return "$" + col + "$" + strconv.Itoa(row)
}

// TestDimensions checks every sheet's <dimension ref> against what it
// holds: readers that trust the tag see the whole sheet.
func TestDimensions(t *testing.T) {
	for name, c := range map[string]struct {
		run Run
		lim limits
	}{"sample": {historyRun(), limits{}}, "overflowing": {testRun(), limits{rowsPerSheet: 4}}} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "report.xlsx")
			if err := write(t.Context(), path, c.run, slices.Values(sample()), c.lim); err != nil {
				t.Fatal(err)
			}
			f, parts := openBook(t, path), zipEntries(t, path)
			for _, sheet := range f.GetSheetList() {
				if got, want := sheetDimension(t, parts[sheetPart(t, parts, sheet)]), usedRange(t, f, sheet); got != want {
					t.Errorf("sheet %s says dimension %s, holds %s", sheet, got, want)
				}
			}
		})
	}
}

// usedRange is the range a sheet's values and merged cells cover.
func usedRange(t *testing.T, f *excelize.File, sheet string) string {
	t.Helper()
	rows, cols := 0, 0
	for r, row := range sheetRows(t, f, sheet) {
		for c, v := range row {
			if v != "" {
				rows, cols = max(rows, r+1), max(cols, c+1)
			}
		}
	}
	merges, err := f.GetMergeCells(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range merges {
		c, r, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
		rows, cols = max(rows, r), max(cols, c)
	}
	return "A1:" + cellName(t, cols-1, rows-1)
}

// openpyxlCompare loads the workbook with openpyxl twice, in read-only
// mode (which trusts each sheet's dimension) and fully, and reports per
// sheet whether both read the same cells.
const openpyxlCompare = `
import datetime, json, sys, openpyxl
path = sys.argv[1]

def value(v):
    # openpyxl reads a [h]:mm:ss duration as a time in read-only mode and
    # as a timedelta in a full load: compare them as seconds.
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    if isinstance(v, datetime.time):
        return v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
    return v

ro = openpyxl.load_workbook(path, read_only=True)
full = openpyxl.load_workbook(path)
out = {}
for name in full.sheetnames:
    a, b = ro[name], full[name]
    ra = [[value(v) for v in r] for r in a.iter_rows(values_only=True)]
    rb = [[value(v) for v in r] for r in b.iter_rows(values_only=True)]
    out[name] = {"read_only": a.calculate_dimension(), "full": b.calculate_dimension(),
                 "rows": len(rb), "cells": sum(len(r) for r in rb), "same": ra == rb}
print(json.dumps(out))
`

// openpyxlReport is what openpyxlCompare prints for one sheet.
type openpyxlReport struct {
	ReadOnly string `json:"read_only"`
	Full     string `json:"full"`
	Rows     int    `json:"rows"`
	Cells    int    `json:"cells"`
	Same     bool   `json:"same"`
}

// readWithOpenpyxl runs openpyxlCompare with Debian's python3 and its
// python3-openpyxl; without them the test skips, or fails under CI=true.
func readWithOpenpyxl(t *testing.T, path string) map[string]openpyxlReport {
	t.Helper()
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		msg := "openpyxl not found for " + python + " (apt-get install python3-openpyxl)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out, err := exec.Command(python, "-c", openpyxlCompare, path).Output()
	if err != nil {
		t.Fatalf("openpyxl: %v", err)
	}
	var got map[string]openpyxlReport
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("openpyxl printed %s: %v", out, err)
	}
	return got
}

// TestOpenpyxlReadOnlySeesEverything reads the workbook with openpyxl in
// read-only mode, as csvkit and pandas readers do, and compares it with a
// full load: the same dimension and the same cells on every sheet.
func TestOpenpyxlReadOnlySeesEverything(t *testing.T) {
	f, path := writeBook(t, historyRun(), slices.Values(sample()))
	got := readWithOpenpyxl(t, path)
	for _, sheet := range f.GetSheetList() {
		r, ok := got[sheet]
		switch {
		case !ok:
			t.Errorf("openpyxl does not see sheet %s", sheet)
		case r.ReadOnly != r.Full || !r.Same:
			t.Errorf("sheet %s: read-only openpyxl sees %s, a full load %s (same cells: %v)", sheet, r.ReadOnly, r.Full, r.Same)
		case r.Rows < 2:
			t.Errorf("sheet %s: openpyxl reads %d rows", sheet, r.Rows)
		}
	}
	if !slices.Contains(f.GetSheetList(), "Fixed") {
		t.Error("the sample with history has no Fixed sheet")
	}
}
