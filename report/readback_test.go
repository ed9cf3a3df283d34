package report

import (
	"archive/zip"
	"context"
	"fmt"
	"html"
	"io"
	"iter"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"smsfail"
)

// writeBook writes results with run into a fresh folder and opens the
// workbook with excelize.
func writeBook(t *testing.T, run RunInfo, results iter.Seq[smsfail.Result]) (*excelize.File, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.xlsx")
	if err := Write(context.Background(), path, run, results); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return openBook(t, path), path
}

func openBook(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("cannot open the workbook: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// sheetRows returns a sheet's rows as excelize formats them.
func sheetRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatalf("cannot read sheet %s: %v", sheet, err)
	}
	return rows
}

// colIndex returns the index of header in a header row.
func colIndex(t *testing.T, header []string, name string) int {
	t.Helper()
	i := slices.IndexFunc(header, func(h string) bool { return h == name || strings.HasPrefix(h, name+" (") })
	if i < 0 {
		t.Fatalf("no column %q in %q", name, header)
	}
	return i
}

func cellName(t *testing.T, col, row int) string {
	t.Helper()
	name, err := excelize.CoordinatesToCellName(col+1, row+1)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// cellType tells what a cell holds as a reader sees it: "text", "number",
// "date" (a number with a date format), "formula" or "empty".
func cellType(t *testing.T, f *excelize.File, sheet string, col, row int) string {
	t.Helper()
	ref := cellName(t, col, row)
	if formula, err := f.GetCellFormula(sheet, ref); err != nil {
		t.Fatal(err)
	} else if formula != "" {
		return "formula"
	}
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	switch typ {
	case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
		return "text"
	case excelize.CellTypeUnset, excelize.CellTypeNumber:
		raw, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if raw == "" {
			return "empty"
		}
		if isDateStyle(t, f, sheet, ref) {
			return "date"
		}
		return "number"
	}
	return fmt.Sprint(typ)
}

func isDateStyle(t *testing.T, f *excelize.File, sheet, ref string) bool {
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st.CustomNumFmt != nil && strings.Contains(*st.CustomNumFmt, "yyyy")
}

// zipEntries returns the parts of a workbook by name.
func zipEntries(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	parts := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = string(b)
	}
	return parts
}

// sheetPart returns the zip part of a sheet, following the workbook's
// relationships.
func sheetPart(t *testing.T, parts map[string]string, sheet string) string {
	t.Helper()
	sheetRe := regexp.MustCompile(`<sheet [^>]*name="([^"]*)"[^>]*r:id="([^"]*)"`)
	relRe := regexp.MustCompile(`<Relationship [^>]*Id="([^"]*)"[^>]*Target="([^"]*)"`)
	targets := map[string]string{}
	for _, m := range relRe.FindAllStringSubmatch(parts["xl/_rels/workbook.xml.rels"], -1) {
		targets[m[1]] = m[2]
	}
	for _, m := range sheetRe.FindAllStringSubmatch(parts["xl/workbook.xml"], -1) {
		if html.UnescapeString(m[1]) == sheet {
			return "xl/" + strings.TrimPrefix(targets[m[2]], "/xl/")
		}
	}
	t.Fatalf("no sheet %s in the workbook", sheet)
	return ""
}
