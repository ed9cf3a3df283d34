package report

import (
	"smsfail"

	"archive/zip"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func day(d int) time.Time { return time.Date(2024, 2, 26+d, 0, 0, 0, 0, testZone) }

// trendRun is the sample run with five nights of trend (one that did not
// run, one that failed) and the progress of three advertisements.
func trendRun() RunInfo {
	run := testRun()
	half := 0.5
	run.Trend = &Trend{
		Nights: []TrendNight{
			{Date: day(0), State: NightRan, Failures: 14, New: 14, NotRead: 3, Causes: map[string]int{
				"catalog-install-failed": 5, "disk-space": 2, "custom-action-failed": 2, "no-detail": 1, "unclassified": 1,
				"not read: unreachable": 3}},
			{Date: day(1), State: NightRan, Failures: 12, New: 2, Recurring: 10, Fixed: 4, NotRead: 2, Causes: map[string]int{
				"catalog-install-failed": 6, "disk-space": 1, "custom-action-failed": 2, "no-detail": 1, "not read: unreachable": 2}},
			{Date: day(2), State: NightMissing},
			{Date: day(3), State: NightFailed, Note: "cannot query the site database for failures: connection refused"},
			{Date: day(4), State: NightRan, Failures: 10, New: 3, Recurring: 7, Fixed: 5, NotRead: 4,
				Note: "its window covered 3 days, from 2024-02-28 01:00", Causes: map[string]int{
					"catalog-install-failed": 2, "disk-space": 1, "custom-action-failed": 1, "no-detail": 1, "unclassified": 1,
					"not read: unreachable": 2, "not read: access-denied": 1, "not read: log-missing": 1}},
		},
		SinceLast:  []CauseMove{{"catalog-install-failed", 6, 2}, {"not read: access-denied", 0, 1}},
		OverWindow: []CauseMove{{"catalog-install-failed", 5, 3}},
		Longest:    []LongFailure{{Machine: "PC001", AdvertisementID: "PS120001", Cause: "catalog-install-failed", Nights: 5, FirstFailed: day(0).Add(-3 * time.Hour)}},
	}
	run.Progress = []DeploymentProgress{
		{Progress: smsfail.Progress{AdvertisementID: "PS120001", AdvertisementName: "Deploy Office", CollectionID: "PS10001A", CollectionName: "Workstations", Targeted: 100, Succeeded: 80, Failed: 10}, PreviousRate: &half},
		{Progress: smsfail.Progress{AdvertisementID: "PS120002", AdvertisementName: "Deploy SP4", CollectionID: "PS10001A", CollectionName: "Workstations", Targeted: 50, Succeeded: 10, Failed: 30}},
		{Progress: smsfail.Progress{AdvertisementID: "PS120003", AdvertisementName: "Deploy Reader", CollectionID: "PS10001B", CollectionName: "Finance", Targeted: 20}},
	}
	return run
}

// The Trend sheet has a row per night, empty cells for the nights that
// failed or did not run, the top causes with the rest as "other", the two
// charts over its rows, and the movers below.
func TestTrendSheet(t *testing.T) {
	f, path := writeBook(t, trendRun(), slices.Values(sample()))
	rows := sheetRows(t, f, sheetTrend)
	hdr := rows[3]
	wantHdr := []string{"Night", "State", "Failures", "New", "Recurring", "Fixed", "Logs not read", "catalog-install-failed",
		"not read: unreachable", "custom-action-failed", "disk-space", "no-detail", "unclassified", "not read: access-denied",
		"not read: log-missing", "Note"}
	if fmt.Sprint(hdr) != fmt.Sprint(wantHdr) {
		t.Fatalf("Trend header %q\nwant %q", hdr, wantHdr)
	}
	want := [][]string{
		{"2024-02-26 Mon", "ran", "14", "14", "0", "0", "3", "5", "3", "2", "2", "1", "1", "0", "0"},
		{"2024-02-27 Tue", "ran", "12", "2", "10", "4", "2", "6", "2", "2", "1", "1", "0", "0", "0"},
		{"2024-02-28 Wed", "did not run"},
		{"2024-02-29 Thu", "failed", "", "", "", "", "", "", "", "", "", "", "", "", "", "cannot query the site database for failures: connection refused"},
		{"2024-03-01 Fri", "ran", "10", "3", "7", "5", "4", "2", "2", "1", "1", "1", "1", "1", "1", "its window covered 3 days, from 2024-02-28 01:00"},
	}
	for i, w := range want {
		if got := rows[4+i]; fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("Trend row %d: %q\nwant %q", i+1, got, w)
		}
	}
	if typ := cellType(t, f, sheetTrend, 2, 7); typ != "empty" {
		t.Errorf("a failed night's failures cell holds a %s, want nothing", typ)
	}
	if typ := cellType(t, f, sheetTrend, 0, 4); typ != "date" {
		t.Errorf("a night's day is a %s, want a date", typ)
	}
	text := fmt.Sprint(rows[9:])
	for _, s := range []string{"Causes that moved most since the night before", "catalog-install-failed 6 2 -4",
		"Causes that moved most over the trend", "Failing for the most nights", "PC001 PS120001 catalog-install-failed 5"} {
		if !strings.Contains(text, s) {
			t.Errorf("the Trend sheet lacks %q below the charts:\n%s", s, text)
		}
	}
	charts := trendCharts(t, path)
	if len(charts) != 3 {
		t.Fatalf("%d charts in the workbook, want the Summary's and two on Trend", len(charts))
	}
	stacked, newFixed := charts[1], charts[2]
	if !strings.Contains(stacked, `<grouping val="stacked">`) || strings.Count(stacked, "<ser>") != 8 ||
		!strings.Contains(stacked, "Trend!$A$5:$A$9") || !strings.Contains(stacked, "Failures per night, by cause") {
		t.Errorf("the stacked chart of the Trend is not as made:\n%.600s", stacked)
	}
	if strings.Count(newFixed, "<ser>") != 2 || !strings.Contains(newFixed, "Trend!$D$5:$D$9") || !strings.Contains(newFixed, "Trend!$F$5:$F$9") {
		t.Errorf("the chart of new and fixed is not as made:\n%.600s", newFixed)
	}
}

// With more causes than columns, the rest add up in "other".
func TestTrendOtherCauses(t *testing.T) {
	run := testRun()
	causes := map[string]int{}
	for i := 0; i < 12; i++ {
		causes[fmt.Sprintf("cause-%02d", i)] = 20 - i
	}
	run.Trend = &Trend{Nights: []TrendNight{{Date: day(0), State: NightRan, Failures: 186, Causes: causes}}}
	f, _ := writeBook(t, run, slices.Values(sample()))
	rows := sheetRows(t, f, sheetTrend)
	if h := rows[3]; h[len(h)-2] != OtherCauses || len(h) != 7+9+1 {
		t.Fatalf("header %q", h)
	}
	if r := rows[4]; r[len(r)-1] != fmt.Sprint(12+11+10+9) {
		t.Fatalf("other holds %q, want the four smallest causes", r[len(r)-1])
	}
}

// trendCharts returns the charts' XML in the workbook, in order.
func trendCharts(t *testing.T, path string) []string {
	t.Helper()
	parts := zipEntries(t, path)
	var out []string
	for i := 1; ; i++ {
		c, ok := parts[fmt.Sprintf("xl/charts/chart%d.xml", i)]
		if !ok {
			return out
		}
		out = append(out, c)
	}
}

// The Progress sheet lists every advertisement worst first with its
// failure rate and its change; the Summary the ten worst.
func TestProgressSheet(t *testing.T) {
	f, _ := writeBook(t, trendRun(), slices.Values(sample()))
	rows := sheetRows(t, f, sheetProgress)
	want := [][]string{
		progressHeaders,
		{"PS120002", "Deploy SP4", "PS10001A", "Workstations", "50", "10", "30", "10", "75.0%"},
		{"PS120001", "Deploy Office", "PS10001A", "Workstations", "100", "80", "10", "10", "11.1%", "50.0%", "-38.9%"},
		{"PS120003", "Deploy Reader", "PS10001B", "Finance", "20", "0", "0", "20", "0.0%"},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Fatalf("Progress sheet:\n%q\nwant\n%q", rows, want)
	}
	summary := fmt.Sprint(sheetRows(t, f, sheetSummary))
	if !strings.Contains(summary, "Deployments with the highest failure rate") ||
		!strings.Contains(summary, "[PS120002 Deploy SP4 50 10 30 10 75.0%]") {
		t.Fatalf("the Summary lacks the worst deployments:\n%s", summary)
	}
	sheets := f.GetSheetList()
	if i, j := slices.Index(sheets, sheetTrend), slices.Index(sheets, sheetProgress); i < 0 || j != i+1 {
		t.Fatalf("sheets %q", sheets)
	}
}

// LibreOffice opens the Trend sheet's charts as stacked and clustered
// columns over the nights.
func TestLibreOfficeFindsTheTrendCharts(t *testing.T) {
	needTool(t, "soffice", "libreoffice")
	book := filepath.Join(t.TempDir(), "report.xlsx")
	if err := Write(context.Background(), book, trendRun(), slices.Values(sample())); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	convert(t, "ods", out, book)
	zr, err := zip.OpenReader(filepath.Join(out, "report.ods"))
	if err != nil {
		t.Fatalf("LibreOffice wrote no ods: %v", err)
	}
	defer zr.Close()
	found := map[string]int{}
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
		for _, title := range []string{"Failures per night, by cause", "New and fixed failures per night"} {
			if strings.Contains(chart, title) {
				found[title] = strings.Count(chart, "<chart:series ")
			}
		}
	}
	if found["Failures per night, by cause"] != 8 || found["New and fixed failures per night"] != 2 {
		t.Fatalf("LibreOffice's Trend charts: %v", found)
	}
}

// The trend draws each cause in the colour the Summary gives it: the
// rules' colour, the fixed one of a log not read, else one from its id;
// the other causes in the grey of the Summary's "other".
func TestCauseColors(t *testing.T) {
	info := map[string]CauseInfo{"disk-space": {Colour: "123456"}}
	c := CauseColors([]string{"disk-space", "catalog-install-failed", "not read: unreachable", OtherCauses}, info)
	want := map[string]string{"disk-space": "123456", "catalog-install-failed": Colour("catalog-install-failed", info),
		"not read: unreachable": Colour("not read: unreachable", info), OtherCauses: otherColour}
	if fmt.Sprint(c) != fmt.Sprint(want) {
		t.Fatalf("colours %v, want %v", c, want)
	}
	if again := CauseColors([]string{"catalog-install-failed"}, info); again["catalog-install-failed"] != c["catalog-install-failed"] {
		t.Fatal("a cause changed colour with the causes beside it")
	}
}
