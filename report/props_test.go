package report

import (
	"slices"
	"strings"
	"testing"
)

// TestPropertiesNameTheTool reads the workbook's properties back, where
// Excel's File > Info and Explorer show them: smsfail and its version, not
// the library that wrote the file.
func TestPropertiesNameTheTool(t *testing.T) {
	run := testRun()
	run.Version = "v1.4.2"
	f, _ := writeBook(t, run, slices.Values(sample()))
	doc, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	app, err := f.GetAppProps()
	if err != nil {
		t.Fatal(err)
	}
	if doc.Creator != "smsfail v1.4.2" || doc.Version != "v1.4.2" || app.Application != "smsfail" {
		t.Errorf("creator %q, version %q, application %q: want smsfail v1.4.2", doc.Creator, doc.Version, app.Application)
	}
	if want := "Failed deployments at PS1 - Primary site, 2024-03-01 01:00 to 2024-03-02 01:00 (Europe/Berlin), written by smsfail v1.4.2."; doc.Description != want {
		t.Errorf("description %q, want %q", doc.Description, want)
	}
	for _, p := range []string{doc.Creator, doc.LastModifiedBy, app.Application, doc.Description} {
		if strings.Contains(strings.ToLower(p), "excelize") {
			t.Errorf("a property names the library: %q", p)
		}
	}

	run.Version = "" // the build's own: "devel" in a test binary
	f, _ = writeBook(t, run, slices.Values(sample()))
	if doc, _ := f.GetDocProps(); doc.Creator != "smsfail devel" {
		t.Errorf("creator %q, want smsfail devel", doc.Creator)
	}
}

func TestJoinLink(t *testing.T) {
	for _, c := range []struct{ base, rel, want string }{
		{`\\SMSSRV\reports$\KID-2026-12-03-072107`, "logs/PC001/svcpack.log", `\\SMSSRV\reports$\KID-2026-12-03-072107\logs\PC001\svcpack.log`},
		{`\\SMSSRV\reports$\`, `logs\PC001\KB 123.log`, `\\SMSSRV\reports$\logs\PC001\KB 123.log`},
		{"https://smssrv/reports/KID-1/", "logs/PC 001/a#b.log", "https://smssrv/reports/KID-1/logs/PC%20001/a%23b.log"},
	} {
		if got := JoinLink(c.base, c.rel); got != c.want {
			t.Errorf("JoinLink(%q, %q) = %q, want %q", c.base, c.rel, got, c.want)
		}
	}
	if f, ok := linkFormula("logs/PC1/a.log", `\\S\r`); !ok || f != `HYPERLINK("\\S\r\logs\PC1\a.log","logs/PC1/a.log")` {
		t.Errorf("linkFormula = %q, %v", f, ok)
	}
	if _, ok := linkFormula("logs/"+strings.Repeat("x", 250)+".log", `\\S\r`); ok {
		t.Error("a link longer than a formula's 255 characters was made")
	}
}
