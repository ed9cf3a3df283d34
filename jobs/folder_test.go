package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smsfail/history"
	"smsfail/lock"
)

// stages records the stages a run went through.
func stages(job *Job) *[]string {
	var seen []string
	job.Progress = func(stage string, done, total int) {
		if len(seen) == 0 || seen[len(seen)-1] != stage {
			seen = append(seen, stage)
		}
	}
	return &seen
}

func byHand() Options {
	return Options{Since: siteNow.Add(-7 * 24 * time.Hour), Until: siteNow}
}

// Ten runs by hand started in the same second each write their own
// workbook, and the history points each run to its own.
func TestRunsOfOneSecondWriteTheirOwnWorkbook(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	seen := map[string]bool{}
	for i := 0; i < 10; i++ {
		out, err := job.Run(context.Background(), byHand())
		if err != nil {
			t.Fatal(err)
		}
		if seen[out.Workbook] {
			t.Fatalf("run %d wrote %s again", i+1, out.Workbook)
		}
		seen[out.Workbook] = true
	}
	runs, err := job.History.Runs(context.Background(), 20)
	if err != nil || len(runs) != 10 {
		t.Fatalf("%d runs recorded (%v)", len(runs), err)
	}
	for _, r := range runs {
		if !seen[r.Report] || !filepath.IsAbs(r.Report) {
			t.Errorf("run %d points to %s, not a workbook a run wrote", r.ID, r.Report)
		}
		if _, err := os.Stat(r.Report); err != nil {
			t.Errorf("run %d's workbook: %v", r.ID, err)
		}
	}
}

// Two runs with state folders of their own and one report folder, at one
// time, never share a path.
func TestTwoStateFoldersOneReportFolder(t *testing.T) {
	now := siteNow
	a, _, _ := testJob(t, &now)
	b, _, _ := testJob(t, &now)
	b.ReportDir = a.ReportDir
	outs := make(chan string, 2)
	errs := make(chan error, 2)
	for _, job := range []*Job{a, b} {
		go func() {
			out, err := job.Run(context.Background(), byHand())
			if err != nil {
				errs <- err
				return
			}
			outs <- out.Workbook
		}()
	}
	var got []string
	for range 2 {
		select {
		case err := <-errs:
			t.Fatal(err)
		case w := <-outs:
			got = append(got, w)
		}
	}
	if got[0] == got[1] {
		t.Fatalf("both runs wrote %s", got[0])
	}
}

// A site name that is a path stays a name inside the report folder.
func TestSiteNameStaysInTheReportFolder(t *testing.T) {
	now := siteNow
	job, _, dir := testJob(t, &now)
	job.SiteName = "../../../../" + filepath.Base(dir) + "-escaped/x"
	out, err := job.Run(context.Background(), byHand())
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(job.ReportDir, out.Workbook)
	if err != nil || strings.HasPrefix(rel, "..") || strings.Count(rel, string(filepath.Separator)) != 1 {
		t.Fatalf("the workbook went to %s, not a run folder of %s", out.Workbook, job.ReportDir)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-escaped*")); len(left) > 0 {
		t.Fatalf("created %v outside the report folder", left)
	}
}

func TestPathName(t *testing.T) {
	for in, want := range map[string]string{
		"KID":                    "KID",
		"Demo site":              "Demo_site",
		"../../../../tmp/x":      "tmp_x",
		`C:\Windows`:             "C__Windows",
		"..":                     "site",
		"":                       "site",
		"NUL":                    "_NUL",
		"com1.site":              "_com1.site",
		"Zürich":                 "Zürich",
		"a\x00b":                 "a_b",
		strings.Repeat("x", 100): strings.Repeat("x", 64),
	} {
		if got := PathName(in); got != want {
			t.Errorf("PathName(%q) = %q, want %q", in, got, want)
		}
	}
}

// --out never replaces what is not a workbook of smsfail: a folder, a
// file of another program (the site database). The refusal comes before
// any log is read; a workbook smsfail wrote there is replaced.
func TestOutRefusesWhatIsNotItsWorkbook(t *testing.T) {
	now := siteNow
	job, _, dir := testJob(t, &now)
	site := filepath.Join(dir, "site.db")
	before, err := os.ReadFile(site)
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "a folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		site:   "not a workbook written by smsfail",
		folder: "it is a folder",
	} {
		seen := stages(job)
		opts := byHand()
		opts.Out = path
		_, err := job.Run(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "Excel") {
			t.Errorf("--out %s: got %v, want %q", path, err, want)
		}
		if len(*seen) > 0 {
			t.Errorf("--out %s: refused after %v", path, *seen)
		}
	}
	if after, _ := os.ReadFile(site); !bytes.Equal(before, after) {
		t.Fatal("the site database changed")
	}
	opts := byHand()
	opts.Out = filepath.Join(dir, "book.xlsx")
	for i := 0; i < 2; i++ {
		if _, err := job.Run(context.Background(), opts); err != nil {
			t.Fatalf("run %d into its own workbook: %v", i+1, err)
		}
	}
}

// A report folder that cannot be written stops the run before any log is
// read, and the failed run is recorded.
func TestReportFolderCheckedBeforeTheFetch(t *testing.T) {
	now := siteNow
	job, _, dir := testJob(t, &now)
	file := filepath.Join(dir, "not a folder")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	job.ReportDir = filepath.Join(file, "reports")
	seen := stages(job)
	_, err := job.Run(context.Background(), Options{Nightly: true})
	if err == nil || !strings.Contains(err.Error(), "report folder") {
		t.Fatalf("got %v, want the report folder refused", err)
	}
	if len(*seen) > 0 {
		t.Errorf("refused after %v", *seen)
	}
	runs, err := job.History.Runs(context.Background(), 5)
	if err != nil || len(runs) != 1 || runs[0].Outcome != history.OutcomeFailed {
		t.Fatalf("runs %+v (%v)", runs, err)
	}
}

// killedRun leaves a run folder as a killed run does: a lock holding a
// run's record that no process holds, the files it was writing.
func killedRun(t *testing.T, dir string, files ...string) {
	t.Helper()
	rec, _ := json.Marshal(lock.Holder{PID: 999999, Host: "here", Started: siteNow})
	put(t, filepath.Join(dir, lock.FileName), string(rec)+"\n")
	for _, f := range files {
		put(t, filepath.Join(dir, filepath.FromSlash(f)), "half")
	}
}

func put(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// The next run cleans up after killed runs, and only after them: a run
// folder whose lock is live, or any other folder, is left alone.
func TestKilledRunsCleanedUp(t *testing.T) {
	now := siteNow
	job, _, _ := testJob(t, &now)
	r := job.ReportDir
	killedRun(t, filepath.Join(r, "KID-before-workbook"), "logs/PC1/.part-123", "logs/PC1/svcpack.log")
	killedRun(t, filepath.Join(r, "KID-after-workbook"), "smsfail-KID.xlsx", ".smsfail-KID.xlsx.1.tmp", "logs/PC2/.part-9", "logs/PC2/x.log")
	killedRun(t, filepath.Join(r, "KID-live"), "logs/PC3/.part-5")
	live, err := lock.Acquire(context.Background(), filepath.Join(r, "KID-live"), lock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer live.Release()
	put(t, filepath.Join(r, "admins-own", "logs", ".part-1"), "not ours")
	if _, err := job.Run(context.Background(), byHand()); err != nil {
		t.Fatal(err)
	}
	gone := []string{"KID-before-workbook", "KID-after-workbook/.smsfail-KID.xlsx.1.tmp", "KID-after-workbook/logs/PC2/.part-9",
		"KID-after-workbook/" + lock.FileName}
	kept := []string{"KID-after-workbook/smsfail-KID.xlsx", "KID-after-workbook/logs/PC2/x.log", "KID-live/logs/PC3/.part-5",
		"admins-own/logs/.part-1"}
	for _, p := range gone {
		if _, err := os.Stat(filepath.Join(r, p)); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(filepath.Join(r, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// FuzzPathName: whatever the site's name, the name made of it is one
// element of a path: no separator, no parent, not empty.
func FuzzPathName(f *testing.F) {
	for _, s := range []string{"KID", "../../x", `C:\`, "..", "NUL", "a/b\\c:d", "\x00", "Zürich site"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := PathName(name)
		if got == "" || got == "." || got == ".." || strings.ContainsAny(got, `/\:`+"\x00") || filepath.Base(got) != got ||
			len([]rune(got)) > 65 || reservedOnWindows(got) {
			t.Fatalf("PathName(%q) = %q", name, got)
		}
	})
}
