//go:build linux

package wintest

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"smsfail/demosite"
)

// Exit codes of smsfail, as its help lists them.
const (
	exitOK         = 0
	exitFailure    = 1
	exitUsage      = 2
	exitIncomplete = 3
	exitMailFailed = 4
)

func TestCommandLineExitCodes(t *testing.T) {
	w := needWine(t)
	missing := w.dir(t) + `\nowhere\smsfail.yaml`
	badRules := w.dir(t) + `\my rules.yaml`
	w.write(t, badRules, []byte("causes:\n  - id: my-cause\n    colour: red\n"))
	for _, c := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"--help"}, exitOK, "Usage: smsfail <command>"},
		{nil, exitUsage, "Usage: smsfail <command>"},
		{[]string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{[]string{"run"}, exitUsage, "run needs --config FILE"},
		{[]string{"run", "--config", missing}, exitFailure, "cannot read configuration"},
		{[]string{"rules"}, exitOK, "disk-space"},
		{[]string{"rules", "--rules", badRules}, exitFailure, badRules + ":"},
		{[]string{"service", "--help"}, exitOK, "serve --service --config FILE"},
		{[]string{"service", "restart"}, exitUsage, `unknown action "restart"`},
	} {
		r := w.want(t, c.code, c.args...)
		if !strings.Contains(r.stdout+r.stderr, c.says) {
			t.Errorf("smsfail %v does not say %q:\n%s", c.args, c.says, r)
		}
	}
}

// TestDemoEndToEnd runs the demo on a C:\ folder with a space in its
// name, as a new user on a Windows server does, and reads the workbook
// back here: every failing machine of the site, with the cause its log
// shows, and links to the copies of the logs that lie beside it.
func TestDemoEndToEnd(t *testing.T) {
	w := needWine(t)
	dir := w.dir(t) + `\demo site`
	out := w.dir(t) + `\report book.xlsx`
	r := w.want(t, exitOK, "demo", "--dir", dir, "--clients", "200", "--seed", "7", "--out", out)
	if !strings.Contains(r.stdout, "Workbook: "+out) {
		t.Errorf("the summary does not name the workbook %s:\n%s", out, r)
	}
	truth, err := demosite.ReadTruth(w.unix(dir + `\truth.json`))
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(w.unix(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checkFailuresSheet(t, f, truth.Default())
	checkLogLinks(t, f, filepath.Dir(w.unix(out)))
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
	seen := map[string]string{}
	for _, r := range rows[1:] {
		get := func(h string) string {
			if j, ok := col[h]; ok && j < len(r) {
				return r[j]
			}
			return ""
		}
		seen[get("Machine")+" "+get("Advertisement ID")] = get("Cause")
	}
	if len(seen) != len(truth) {
		t.Errorf("Failures sheet has %d machine-advertisement rows, the site has %d", len(seen), len(truth))
	}
	for _, tf := range truth {
		key := tf.Machine + " " + tf.AdvertisementID
		want := tf.Cause
		switch tf.Cause {
		case "log-missing", "unreachable", "bad-host-name", "access-denied-share", "log-too-large":
			want = "not read: " + tf.Cause
		}
		if got, ok := seen[key]; !ok || got != want {
			t.Errorf("%s: cause %q, want %q", key, got, want)
		}
	}
}

// checkLogLinks follows every link of the Failures sheet's Log copy
// column (a HYPERLINK() formula) to its copy of a log: each must lie beside
// the workbook, where the link says.
func checkLogLinks(t *testing.T, f *excelize.File, dir string) {
	t.Helper()
	rows, err := f.GetRows("Failures")
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(rows[0], "Log copy")
	if col < 0 {
		t.Fatalf("the Failures sheet has no Log copy column: %v", rows[0])
	}
	link := regexp.MustCompile(`^HYPERLINK\("([^"]+)"\)$`)
	links := 0
	for i := 2; i <= len(rows); i++ {
		cell, _ := excelize.CoordinatesToCellName(col+1, i)
		formula, err := f.GetCellFormula("Failures", cell)
		m := link.FindStringSubmatch(formula)
		if err != nil || m == nil {
			continue
		}
		links++
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(m[1]))); err != nil {
			t.Errorf("%s links to %q, which is not beside the workbook: %v", cell, m[1], err)
		}
	}
	if links == 0 {
		t.Error("the Failures sheet links to no log")
	}
}

// demo builds a demo site in a folder of the test's own and returns the
// folder.
func demo(t *testing.T, w *wine) string {
	t.Helper()
	dir := w.dir(t) + `\site`
	w.want(t, exitOK, "demo", "--dir", dir, "--clients", "120", "--seed", "3")
	return dir
}

// TestNightsAndRunsByHand: nights from the command line move on from one
// another; a run by hand is marked against them and writes where --out says.
func TestNightsAndRunsByHand(t *testing.T) {
	w := needWine(t)
	cfg := demo(t, w) + `\smsfail.yaml`
	first := w.want(t, exitIncomplete, "run", "--config", cfg)
	if !strings.HasPrefix(first.stdout, "Nightly run: ") || !strings.Contains(first.stdout, "Since the last night: ") {
		t.Errorf("the first night's summary:\n%s", first)
	}
	second := w.want(t, exitOK, "run", "--config", cfg)
	if !strings.Contains(second.stdout, "Nightly run: 0 failures") {
		t.Errorf("the second night, right after the first, found failures:\n%s", second)
	}
	out := w.dir(t) + `\by hand\KID2000A.xlsx`
	byHand := w.want(t, exitIncomplete, "run", "--config", cfg, "--since", "7d", "--out", out)
	if !strings.HasPrefix(byHand.stdout, "Run by hand: ") || !strings.Contains(byHand.stdout, "Against the nights: ") {
		t.Errorf("the run by hand's summary:\n%s", byHand)
	}
	if _, err := excelize.OpenFile(w.unix(out)); err != nil {
		t.Errorf("the run by hand's workbook: %v", err)
	}
}

func TestCheck(t *testing.T) {
	w := needWine(t)
	site := demo(t, w)
	r := w.want(t, exitOK, "check", "--config", site+`\smsfail.yaml`)
	if !strings.Contains(r.stdout, "6 of 7 passed, 1 skipped") || !strings.Contains(r.stdout, `\\KID-PC`) {
		t.Errorf("check on the demo site:\n%s", r)
	}
	// A report folder on a drive this server lacks.
	cfg := string(w.read(t, site+`\smsfail.yaml`))
	w.write(t, site+`\no drive.yaml`, []byte(strings.Replace(cfg, "dir: reports", `dir: Q:\reports`, 1)))
	r = w.want(t, exitFailure, "check", "--config", site+`\no drive.yaml`)
	if !strings.Contains(r.stdout, `Q:\reports`) {
		t.Errorf("check does not name the report folder it cannot write:\n%s", r)
	}
}

// TestClassifyWildcards: cmd.exe hands a wildcard over as typed; smsfail
// expands it itself.
func TestClassifyWildcards(t *testing.T) {
	w := needWine(t)
	logs := w.dir(t) + `\logs`
	names := []string{"disk-space--msi-1601-utf16.log", "file-in-use--msi-1310-utf16.log",
		"service-start-failed--msi-1920-utf16.log", "package-damaged--svcpack-update-inf.log"}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join("..", "classify", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		w.write(t, logs+`\`+name, data)
	}
	r := w.want(t, exitOK, "classify", "--json", logs+`\*.log`)
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var f struct{ File, Cause string }
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		name := strings.TrimPrefix(f.File, logs+`\`)
		if want, _, _ := strings.Cut(name, "--"); f.Cause != want {
			t.Errorf("%s: cause %s, want %s", f.File, f.Cause, want)
		}
		got = append(got, name)
	}
	if len(got) != len(names) {
		t.Errorf("classify read %v, want the %d files the wildcard matches", got, len(names))
	}
	r = w.want(t, exitOK, "classify", logs+`\disk-space--msi-160?-utf16.log`)
	if !strings.Contains(r.stdout, "disk-space") {
		t.Errorf("classify with ?:\n%s", r)
	}
	r = w.want(t, exitIncomplete, "classify", logs+`\*.log`, logs+`\KB*.txt`)
	if !strings.Contains(r.stderr, `no file matches `+logs+`\KB*.txt`) || strings.Count(r.stdout, "\n") != len(names)+1 {
		t.Errorf("classify with a wildcard that matches nothing:\n%s", r)
	}
}

// TestLockRefusesSecondRun holds a run in its mail stage, with the state
// folder's lock, on a relay that never answers: a second run is refused, a
// third waits with --wait; when the relay hangs up, the first ends with
// exit code 4 and the third runs.
func TestLockRefusesSecondRun(t *testing.T) {
	w := needWine(t)
	site := demo(t, w)
	relay, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := relay.Accept(); err == nil {
			accepted <- c
		}
	}()
	_, port, _ := net.SplitHostPort(relay.Addr().String())
	cfg := string(w.read(t, site+`\smsfail.yaml`)) + "mail:\n  enabled: true\n  host: 127.0.0.1\n  port: " + port +
		"\n  tls: none\n  from: smsfail@corp.example\n  to: [admins@corp.example]\n  retries: 0\n  timeout: 2m\n"
	w.write(t, site+`\mail.yaml`, []byte(cfg))

	first := w.background(t, "run", "--config", site+`\mail.yaml`, "--since", "7d")
	var conn net.Conn
	select {
	case conn = <-accepted:
	case r := <-first:
		t.Fatalf("the first run ended before it mailed: %s", r)
	case <-time.After(2 * time.Minute):
		t.Fatal("the first run never reached the relay")
	}
	second := w.want(t, exitFailure, "run", "--config", site+`\smsfail.yaml`, "--since", "7d")
	if !regexp.MustCompile(`a run started at .* by pid \d+ on .* is still going .*; give --wait`).MatchString(second.stderr) {
		t.Errorf("the second run's refusal:\n%s", second)
	}
	third := w.background(t, "run", "--config", site+`\smsfail.yaml`, "--since", "7d", "--wait")
	time.Sleep(2 * time.Second)
	select {
	case r := <-third:
		t.Fatalf("the run with --wait did not wait: %s", r)
	default:
	}
	conn.Close()
	if r := <-first; r.code != exitMailFailed || !strings.Contains(r.stdout, "Mail: NOT delivered") {
		t.Errorf("the first run, its relay gone: want exit code %d, got %s", exitMailFailed, r)
	}
	if r := <-third; r.code != exitIncomplete || !strings.HasPrefix(r.stdout, "Run by hand: ") {
		t.Errorf("the run that waited: want exit code %d, got %s", exitIncomplete, r)
	}
}

// background runs smsfail and delivers its result when it ends.
func (w *wine) background(t *testing.T, args ...string) <-chan result {
	done := make(chan result, 1)
	go func() { done <- w.smsfail(t, args...) }()
	return done
}

// TestWindowsPathsInConfiguration runs a night whose configuration names
// its places as a Windows admin writes them: a drive letter, a space, a
// report folder on another server's share, the state folder under
// %ProgramData%.
func TestWindowsPathsInConfiguration(t *testing.T) {
	w := needWine(t)
	site := demo(t, w)
	// Drive D: holds the client logs, \\REPORTSRV\reports the reports.
	if err := os.Symlink(w.unix(site+`\clients`), filepath.Join(w.prefix, "dosdevices", "d:")); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(filepath.Join(w.prefix, "dosdevices", "d:"))
	if err := w.mkdirUnix(w.unix(`\\REPORTSRV\reports`)); err != nil {
		t.Fatal(err)
	}
	cfg := `site:
  code: KID
database:
  driver: sqlite
  path: ` + site + `\site.db
logs:
  source: local
  root: 'D:\'
report:
  dir: \\REPORTSRV\reports\smsfail nightly
state:
  dir: '%ProgramData%\smsfail tests\state'
`
	w.write(t, site+`\windows paths.yaml`, []byte(cfg))
	w.want(t, exitOK, "check", "--config", site+`\windows paths.yaml`)
	r := w.want(t, exitIncomplete, "run", "--config", site+`\windows paths.yaml`)
	m := regexp.MustCompile(`Workbook: (\\\\REPORTSRV\\reports\\smsfail nightly\\KID-[^\r\n]+\.xlsx)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("the workbook is not on \\\\REPORTSRV\\reports:\n%s", r)
	}
	if _, err := excelize.OpenFile(w.unix(m[1])); err != nil {
		t.Errorf("the workbook on the report share: %v", err)
	}
	if _, err := os.Stat(w.unix(`C:\ProgramData\smsfail tests\state\history.db`)); err != nil {
		t.Errorf("the history is not under %%ProgramData%%: %v", err)
	}
}
