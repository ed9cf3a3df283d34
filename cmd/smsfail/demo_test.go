package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"smsfail/demosite"
)

// TestDemoMatchesTruth runs the demo end to end, exactly as a new user does,
// reads the workbook back, and holds it against what the generator put in
// the site: every collection × cause cell of the Summary, and every failing
// machine once per advertisement on the Failures sheet.
func TestDemoMatchesTruth(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "site")
	out := filepath.Join(t.TempDir(), "report.xlsx")
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := dispatch(context.Background(), a, []string{"demo", "--dir", dir, "--out", out, "--clients", "300", "--seed", "7"})
	if code != exitOK {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "Workbook: "+out) {
		t.Errorf("summary does not name the workbook:\n%s", stdout.String())
	}
	truth, err := demosite.ReadTruth(filepath.Join(dir, "truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	want := map[[2]string]int{}
	for _, tf := range truth.Default() {
		want[[2]string{tf.CollectionID, bucket(tf.Cause)}]++
	}
	if got := summaryMatrix(t, f); !equalCounts(got, want) {
		t.Errorf("Summary matrix differs from the truth:\n got %v\nwant %v", got, want)
	}
	checkFailuresSheet(t, f, truth.Default())
}

// bucket is the Summary column a truth cause falls in: logs that were not
// read are counted apart from causes.
func bucket(cause string) string {
	switch cause {
	case "log-missing", "unreachable", "bad-host-name", "access-denied-share", "log-too-large":
		return "not read: " + cause
	}
	return cause
}

// summaryMatrix reads the collections × causes matrix of every cause, on
// the sheet after Causes (the Summary folds the rarer causes into one
// column).
func summaryMatrix(t *testing.T, f *excelize.File) map[[2]string]int {
	t.Helper()
	rows, err := f.GetRows("Causes per collection")
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string]int{}
	for i, r := range rows {
		if len(r) < 3 || r[0] != "Collection ID" || r[1] != "Collection" {
			continue
		}
		header := r
		for _, row := range rows[i+1:] {
			if len(row) == 0 || row[0] == "Total" {
				return got
			}
			for j := 2; j < len(row) && j < len(header)-1; j++ {
				if row[j] == "" {
					continue
				}
				n, err := strconv.Atoi(row[j])
				if err != nil {
					t.Fatalf("matrix cell %q is not a count", row[j])
				}
				got[[2]string{row[0], header[j]}] = n
			}
		}
	}
	t.Fatal("no collections × causes matrix on the Causes per collection sheet")
	return nil
}

func equalCounts(a, b map[[2]string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkFailuresSheet holds the Failures sheet against the truth: one row
// per failing machine and advertisement, with the truth's cause.
func checkFailuresSheet(t *testing.T, f *excelize.File, truth []demosite.TruthFailure) {
	t.Helper()
	rows, err := f.GetRows("Failures")
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for j, h := range rows[0] {
		col[h] = j
	}
	for _, h := range []string{"Machine", "Advertisement ID", "Cause"} {
		if _, ok := col[h]; !ok {
			t.Fatalf("Failures sheet has no %q column: %v", h, rows[0])
		}
	}
	seen := map[string]string{}
	for _, r := range rows[1:] {
		get := func(h string) string {
			if j := col[h]; j < len(r) {
				return r[j]
			}
			return ""
		}
		key := get("Machine") + " " + get("Advertisement ID")
		if _, dup := seen[key]; dup {
			t.Errorf("%s appears twice", key)
		}
		seen[key] = get("Cause")
	}
	if len(seen) != len(truth) {
		t.Errorf("Failures sheet has %d machine-advertisement rows, the site has %d", len(seen), len(truth))
	}
	for _, tf := range truth {
		key := tf.Machine + " " + tf.AdvertisementID
		if got, ok := seen[key]; !ok {
			t.Errorf("%s (%s) is missing from the Failures sheet", key, tf.Cause)
		} else if got != bucket(tf.Cause) {
			t.Errorf("%s: cause %s, want %s (%s)", key, got, tf.Cause, tf.Log)
		}
	}
}
