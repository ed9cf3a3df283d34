package report

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsfail"
)

// LibreOffice is the independent reader: a workbook it cannot open, or
// whose numbers it reads differently, fails these tests. They need
// soffice (Debian: libreoffice-calc-nogui) and pdftotext (poppler-utils);
// without them they skip, unless CI=true, where they fail.

// loProfile is the LibreOffice profile the tests share: making one takes
// LibreOffice seconds, and the tests convert one at a time.
var loProfile string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "smsfail-report-lo-")
	if err != nil {
		panic(err)
	}
	loProfile = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needTool returns the path of a program the tests need.
func needTool(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := names[0] + " not found (apt-get install libreoffice-calc-nogui poppler-utils)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// csvEverySheet is the CSV export filter: UTF-8, every sheet to a file of
// its own named <workbook>-<sheet>.csv, cells as shown.
const csvEverySheet = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"

// convert has LibreOffice convert workbooks into outDir, with a profile of
// its own so that it neither needs nor touches the user's.
func convert(t *testing.T, format, outDir string, books ...string) {
	t.Helper()
	soffice := needTool(t, "soffice", "libreoffice")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	profile := "file://" + filepath.ToSlash(loProfile)
	args := append([]string{"-env:UserInstallation=" + profile, "--headless", "--norestore", "--convert-to", format, "--outdir", outDir}, books...)
	out, err := exec.CommandContext(ctx, soffice, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice --convert-to %s: %v\n%s", format, err, out)
	}
}

// convertSample writes the sample workbook and has LibreOffice convert it;
// it returns the workbook and the folder of what LibreOffice wrote.
func convertSample(t *testing.T, format string) (book, out string) {
	t.Helper()
	needTool(t, "soffice", "libreoffice")
	book = filepath.Join(t.TempDir(), "report.xlsx")
	if err := Write(context.Background(), book, testRun(), slices.Values(sample())); err != nil {
		t.Fatal(err)
	}
	out = t.TempDir()
	convert(t, format, out, book)
	return book, out
}

// readCSV reads one sheet LibreOffice exported.
func readCSV(t *testing.T, dir, book, sheet string) [][]string {
	t.Helper()
	name := strings.TrimSuffix(filepath.Base(book), ".xlsx") + "-" + sheet + ".csv"
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("LibreOffice did not export sheet %s: %v (folder holds %v)", sheet, err, names(entries))
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatalf("cannot read %s: %v", name, err)
	}
	return rows
}

func TestLibreOfficeReadsTheNumbers(t *testing.T) {
	book, out := convertSample(t, csvEverySheet)

	summary := readCSV(t, out, book, "Summary")
	got := map[string]string{}
	for _, row := range summary {
		if len(row) > 1 {
			got[row[0]] = row[1]
		}
	}
	for label, want := range map[string]string{"Failures": "10", "Classified": "5", "No detail": "1", "Unclassified": "1",
		"Logs not read": "3", "From": "2024-03-01 01:00:00", "Took": "0:02:30"} {
		if got[label] != want {
			t.Errorf("LibreOffice reads %s as %q, want %q", label, got[label], want)
		}
	}
	checkMatrix(t, summary, sample())

	failures := readCSV(t, out, book, "Failures")
	want := inOrder(sample())
	if len(failures) != len(want)+1 {
		t.Fatalf("LibreOffice reads %d rows in Failures, want %d", len(failures), len(want)+1)
	}
	h := failures[0]
	for i, r := range want {
		row := failures[i+1]
		for name, v := range map[string]string{
			"Machine": r.Failure.Machine, "Exit code": "1603", "Failures": "2",
			"Latest failure": r.Failure.Time.In(testZone).Format("2006-01-02 15:04:05"),
			"Log copy":       r.Fetch.Kept, "Log path": r.Fetch.UNC,
		} {
			if got := row[colIndex(t, h, name)]; got != v {
				t.Errorf("LibreOffice reads row %d %s as %q, want %q", i+1, name, got, v)
			}
		}
	}
	if rows := readCSV(t, out, book, "Unreachable"); len(rows) != 4 {
		t.Errorf("LibreOffice reads %d rows in Unreachable, want 4", len(rows))
	}
	if rows := readCSV(t, out, book, "Workstations PS10001B"); len(rows) != 6 {
		t.Errorf("LibreOffice reads %d rows in the sheet of PS10001B, want 6", len(rows))
	}
}

// checkMatrix compares the collections × causes matrix as LibreOffice
// reads it with the results.
func checkMatrix(t *testing.T, summary [][]string, results []smsfail.Result) {
	t.Helper()
	want := map[string]int{}
	for _, r := range results {
		want[r.Failure.CollectionID+"|"+wantBucket(r)]++
	}
	hdr := slices.IndexFunc(summary, func(r []string) bool { return len(r) > 0 && r[0] == "Collection ID" })
	if hdr < 0 {
		t.Fatal("LibreOffice finds no matrix on the Summary")
	}
	header := summary[hdr]
	for _, row := range summary[hdr+1:] {
		if len(row) == 0 || row[0] == "Total" || row[0] == "" {
			break
		}
		for c := 2; c < len(header) && header[c] != "Total"; c++ {
			n, _ := strconv.Atoi(row[c])
			if n != want[row[0]+"|"+header[c]] {
				t.Errorf("LibreOffice reads %s × %s as %d, want %d", row[0], header[c], n, want[row[0]+"|"+header[c]])
			}
			delete(want, row[0]+"|"+header[c])
		}
	}
	if len(want) > 0 {
		t.Errorf("matrix cells LibreOffice did not find: %v", want)
	}
}

// TestLibreOfficeFindsTheChart converts the workbook to OpenDocument and
// looks for the chart object LibreOffice made of the stacked bar chart.
func TestLibreOfficeFindsTheChart(t *testing.T) {
	_, out := convertSample(t, "ods")
	zr, err := zip.OpenReader(filepath.Join(out, "report.ods"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no ods: %v", err)
	}
	defer zr.Close()
	charts := 0
	for _, zf := range zr.File {
		if !strings.HasPrefix(zf.Name, "Object ") || !strings.HasSuffix(zf.Name, "/content.xml") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		chart := string(b)
		if !strings.Contains(chart, `chart:class="chart:bar"`) {
			continue
		}
		charts++
		for _, want := range []string{`chart:stacked="true"`, `chart:vertical="true"`, "Causes per collection"} {
			if !strings.Contains(chart, want) {
				t.Errorf("LibreOffice's chart lacks %s", want)
			}
		}
		if n := strings.Count(chart, "<chart:series "); n != 9 {
			t.Errorf("LibreOffice's chart has %d series, want 9", n)
		}
	}
	if charts != 1 {
		t.Errorf("LibreOffice found %d bar charts, want 1", charts)
	}
}

// TestLibreOfficePrintsTheSummary prints the workbook to PDF and reads the
// text back: the Summary is on the first page, chart included.
func TestLibreOfficePrintsTheSummary(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	_, out := convertSample(t, "pdf")
	text, err := exec.Command(pdftotext, "-f", "1", "-l", "1", "-layout", filepath.Join(out, "report.pdf"), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	page := string(text)
	for _, want := range []string{"Failed deployments at PS1 - Primary site", "Causes per collection", "Top causes",
		"catalog-install-failed", "Workstations PS10001A"} {
		if !strings.Contains(page, want) {
			t.Errorf("the first printed page lacks %q", want)
		}
	}
}

// TestLibreOfficeOpensHostileWorkbooks opens the workbooks made of hostile
// input, of no failures and of 500 collections.
func TestLibreOfficeOpensHostileWorkbooks(t *testing.T) {
	needTool(t, "soffice", "libreoffice")
	dir := t.TempDir()
	hostileBook, emptyBook, manyBook := filepath.Join(dir, "hostile.xlsx"), filepath.Join(dir, "empty.xlsx"), filepath.Join(dir, "many.xlsx")
	var many []smsfail.Result
	for i := range 500 {
		many = append(many, result("PS1"+strconv.Itoa(10000+i), "PS120001", "PC"+strconv.Itoa(i), "disk-space", smsfail.FetchOK))
	}
	for book, rs := range map[string][]smsfail.Result{hostileBook: hostile(), emptyBook: nil, manyBook: many} {
		if err := Write(context.Background(), book, testRun(), slices.Values(rs)); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	convert(t, csvEverySheet, out, hostileBook, emptyBook, manyBook)

	failures := readCSV(t, out, hostileBook, "Failures")
	h := failures[0]
	if got := failures[1][colIndex(t, h, "Machine")]; got != "=cmd|' /C calc'!A0" {
		t.Errorf("LibreOffice reads the formula-looking machine as %q", got)
	}
	if got := failures[1][colIndex(t, h, "Advertisement")]; got != "+SUM(A1:A9)" {
		t.Errorf("LibreOffice reads the formula-looking advertisement as %q", got)
	}
	if got := failures[2][colIndex(t, h, "Evidence")]; !strings.HasSuffix(got, cutMark) || utf16Len(got) > maxCellChars {
		t.Errorf("LibreOffice reads the 100 KB line as %d characters", utf16Len(got))
	}
	causes := readCSV(t, out, hostileBook, "Causes")
	if !slices.ContainsFunc(causes, func(r []string) bool { return slices.Contains(r, "_x0041_ stays as typed") }) {
		t.Errorf("LibreOffice does not read the remediation _x0041_ as typed on the Causes sheet: %q", causes)
	}
	for _, sheet := range []string{strings.Repeat("Ж", 31), strings.Repeat("Ж", 27) + " (2)", "History (2)", "Servers EU all or some xxxxxxxx"} {
		if rows := readCSV(t, out, hostileBook, sheet); len(rows) < 2 {
			t.Errorf("sheet %s: %d rows", sheet, len(rows))
		}
	}

	empty := readCSV(t, out, emptyBook, "Summary")
	if !slices.ContainsFunc(empty, func(r []string) bool { return len(r) > 0 && strings.HasPrefix(r[0], "No failures") }) {
		t.Errorf("LibreOffice does not read 'No failures' on the empty Summary")
	}
	checkMatrix(t, readCSV(t, out, manyBook, "Summary"), many)
	if rows := readCSV(t, out, manyBook, "Failures"); len(rows) != 501 {
		t.Errorf("LibreOffice reads %d rows of 500 failures", len(rows))
	}
}
