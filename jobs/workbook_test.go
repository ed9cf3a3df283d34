package jobs

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"smsfail/demosite"
)

// demoWorkbook runs the job by hand over the week of a 500-client demo
// site, as `smsfail demo` does, and returns the job and the workbook.
func demoWorkbook(t *testing.T, linkBase string) (*Job, *Outcome) {
	t.Helper()
	now := siteNow
	job, _, _ := siteJob(t, &now, demosite.Options{Seed: 1, Clients: 500, Days: 7, Now: siteNow})
	job.LinkBase = linkBase
	out, err := job.Run(context.Background(), Options{Since: siteNow.Add(-7 * 24 * time.Hour), Until: siteNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) < 50 {
		t.Fatalf("the demo site gave %d failures, want a week's worth", len(out.Results))
	}
	return job, out
}

// needProgram returns the path of a program the test needs; without it the
// test skips, or fails under CI=true.
func needProgram(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found (apt-get install " + pkg + ")"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// printedPages has LibreOffice print the workbook to PDF and counts the
// pages of each sheet by their footers ("Failures, page 3 of 10"); it
// returns each page's text by sheet.
func printedPages(t *testing.T, workbook string) map[string][]string {
	t.Helper()
	soffice := needProgram(t, "soffice", "libreoffice-calc-nogui")
	pdftotext := needProgram(t, "pdftotext", "poppler-utils")
	out, profile := t.TempDir(), t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, soffice, "-env:UserInstallation=file://"+filepath.ToSlash(profile), "--headless",
		"--norestore", "--convert-to", "pdf", "--outdir", out, workbook)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	pdf := filepath.Join(out, strings.TrimSuffix(filepath.Base(workbook), ".xlsx")+".pdf")
	text, err := exec.Command(pdftotext, pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	footer := regexp.MustCompile(`(?m)^(.+), page \d+ of \d+$`)
	pages := map[string][]string{}
	for i, page := range strings.Split(string(text), "\f") {
		if strings.TrimSpace(page) == "" {
			continue
		}
		m := footer.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("printed page %d has no footer naming its sheet:\n%s", i+1, page)
		}
		pages[m[1]] = append(pages[m[1]], page)
	}
	return pages
}

// TestDemoWorkbookPrints prints the demo's workbook with LibreOffice: the
// Failures sheet on a handful of landscape pages, not one per column, the
// Summary on one or two, each page with its footer.
func TestDemoWorkbookPrints(t *testing.T) {
	job, out := demoWorkbook(t, "")
	pages := printedPages(t, out.Workbook)
	for sheet, ps := range pages {
		t.Logf("%s: %d printed pages", sheet, len(ps))
	}
	if n := len(pages["Failures"]); n == 0 || n > 5 {
		t.Errorf("the Failures sheet of %d failures prints on %d pages, want 1 to 5", len(out.Results), n)
	}
	if n := len(pages["Summary"]); n == 0 || n > 2 {
		t.Errorf("the Summary prints on %d pages, want 1 or 2", n)
	}
	for sheet, ps := range pages {
		for i, p := range ps {
			if !strings.Contains(p, "smsfail "+job.SiteName) || !strings.Contains(p, "2026-03-05 07:00 to 2026-03-12 07:00") {
				t.Errorf("page %d of %s lacks the site or the window in its footer:\n%s", i+1, sheet, p)
			}
		}
	}
	for i, p := range pages["Failures"] {
		if !strings.Contains(p, "Collection ID") || !strings.Contains(p, "Log copy") {
			t.Errorf("page %d of Failures does not repeat the header row", i+1)
		}
	}
}

// openpyxlReadOnly compares openpyxl's read-only load of each sheet, which
// trusts the sheet's dimension, with a full load, and reads the
// workbook's properties.
const openpyxlReadOnly = `
import datetime, json, sys, openpyxl
def value(v):
    if isinstance(v, datetime.timedelta):
        return v.total_seconds()
    if isinstance(v, datetime.time):
        return v.hour * 3600 + v.minute * 60 + v.second
    return v
ro = openpyxl.load_workbook(sys.argv[1], read_only=True)
full = openpyxl.load_workbook(sys.argv[1])
sheets = {}
for name in full.sheetnames:
    a = [[value(v) for v in r] for r in ro[name].iter_rows(values_only=True)]
    b = [[value(v) for v in r] for r in full[name].iter_rows(values_only=True)]
    sheets[name] = {"read_only": ro[name].calculate_dimension(), "full": full[name].calculate_dimension(), "same": a == b, "rows": len(b)}
p = full.properties
print(json.dumps({"sheets": sheets, "creator": p.creator, "description": p.description}))
`

// TestDemoWorkbookOtherReaders reads the demo's workbook with Debian's
// openpyxl in read-only mode, as csvkit and other readers that trust each
// sheet's dimension do, and compares it with a full load; and reads the
// properties that name the tool.
func TestDemoWorkbookOtherReaders(t *testing.T) {
	_, out := demoWorkbook(t, "")
	const python = "/usr/bin/python3"
	if err := exec.Command(python, "-c", "import openpyxl").Run(); err != nil {
		msg := "openpyxl not found for " + python + " (apt-get install python3-openpyxl)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	b, err := exec.Command(python, "-c", openpyxlReadOnly, out.Workbook).Output()
	if err != nil {
		t.Fatalf("openpyxl: %v", err)
	}
	var got struct {
		Sheets map[string]struct {
			ReadOnly string `json:"read_only"`
			Full     string `json:"full"`
			Same     bool   `json:"same"`
			Rows     int    `json:"rows"`
		} `json:"sheets"`
		Creator, Description string
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("openpyxl printed %s: %v", b, err)
	}
	if len(got.Sheets) < 5 {
		t.Fatalf("openpyxl sees %d sheets", len(got.Sheets))
	}
	for name, s := range got.Sheets {
		if s.ReadOnly != s.Full || !s.Same || s.Rows < 2 {
			t.Errorf("sheet %s: read-only %s, full load %s, same cells %v, %d rows", name, s.ReadOnly, s.Full, s.Same, s.Rows)
		}
	}
	if f := got.Sheets["Failures"]; f.Rows != len(out.Results)+1 {
		t.Errorf("openpyxl reads %d rows of Failures, want %d", f.Rows, len(out.Results)+1)
	}
	if !strings.HasPrefix(got.Creator, "smsfail ") || !strings.Contains(got.Description, "written by smsfail") {
		t.Errorf("the workbook's creator is %q, its description %q: want smsfail and its version", got.Creator, got.Description)
	}
}

// TestDemoLinks: with report.link_base the workbook's links and the mail
// point at the published folder; without it the Summary says the links
// work only beside the logs, and the mail gives the absolute path.
func TestDemoLinks(t *testing.T) {
	const base = `\\SMSSRV\reports$`
	job, out := demoWorkbook(t, base)
	runDir := filepath.Base(filepath.Dir(out.Workbook))
	f, err := excelize.OpenFile(out.Workbook)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := sheet(t, out.Workbook, "Failures")
	col := columns(rows[0])["Log copy"]
	links := 0
	for i := 1; i < len(rows); i++ {
		if col >= len(rows[i]) || rows[i][col] == "" {
			continue
		}
		ref, _ := excelize.CoordinatesToCellName(col+1, i+1)
		formula, err := f.GetCellFormula("Failures", ref)
		if err != nil {
			t.Fatal(err)
		}
		want := `HYPERLINK("` + base + `\` + runDir + `\` + strings.ReplaceAll(rows[i][col], "/", `\`) + `","` + rows[i][col] + `")`
		if formula != want {
			t.Fatalf("row %d links %s, want %s", i+1, formula, want)
		}
		links++
	}
	if links == 0 {
		t.Fatal("no Log copy links on the Failures sheet")
	}
	if note := summaryValue(t, out.Workbook, "Log copy links"); !strings.Contains(note, base+`\`+runDir) {
		t.Errorf("the Summary says the links %q", note)
	}
	if got, want := job.summary(Options{}, out).OpenAt, base+`\`+runDir+`\`+filepath.Base(out.Workbook); got != want {
		t.Errorf("the mail says open it at %s, want %s", got, want)
	}

	job, out = demoWorkbook(t, "")
	if note := summaryValue(t, out.Workbook, "Log copy links"); !strings.Contains(note, "work only where this workbook sits beside its logs folder") {
		t.Errorf("without link_base the Summary says the links %q", note)
	}
	if got := job.summary(Options{}, out).OpenAt; !filepath.IsAbs(got) || got != out.Workbook {
		t.Errorf("the mail says open it at %s, want the absolute %s", got, out.Workbook)
	}
}

func summaryValue(t *testing.T, path, label string) string {
	t.Helper()
	for _, r := range sheet(t, path, "Summary") {
		if len(r) > 1 && r[0] == label {
			return r[1]
		}
	}
	t.Fatalf("no %s on the Summary", label)
	return ""
}
