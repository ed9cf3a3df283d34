package report

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLibreOfficeRepeatsTheHeaderRow prints a Failures sheet of many pages
// with LibreOffice: every page carries the header row and a footer naming
// the sheet and the page.
func TestLibreOfficeRepeatsTheHeaderRow(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	book := filepath.Join(t.TempDir(), "long.xlsx")
	run := testRun()
	run.PerCollectionSheets = 0
	if err := Write(context.Background(), book, run, generated(400, 3, true)); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	convert(t, "pdf", out, book)
	text, err := exec.Command(pdftotext, filepath.Join(out, "long.pdf"), "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	footer := regexp.MustCompile(`(?m)^Failures, page \d+ of \d+$`)
	pages := 0
	for i, page := range strings.Split(string(text), "\f") {
		if !footer.MatchString(page) {
			continue
		}
		pages++
		for _, h := range []string{"Collection ID", "Advertisement ID", "Evidence", "Log path"} {
			if !strings.Contains(page, h) {
				t.Errorf("printed page %d of Failures lacks the header %q", i+1, h)
			}
		}
		if !strings.Contains(page, "smsfail PS1 - Primary site") {
			t.Errorf("printed page %d of Failures lacks the site in its footer", i+1)
		}
	}
	if pages < 2 {
		t.Fatalf("400 failures print on %d pages of Failures, want several to see the header repeated", pages)
	}
	t.Logf("400 failures: Failures prints on %d pages", pages)
}
