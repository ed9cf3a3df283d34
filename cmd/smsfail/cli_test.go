package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnknownFlag: a flag the command does not know is answered in two
// lines, the error and where the help is, with exit code 2.
func TestUnknownFlag(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--bogus"},
		{"classify", "x.log", "--bogus"},
		{"check", "-x"},
		{"rules", "--json=maybe"},
	} {
		r := invoke(context.Background(), nil, args...)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if r.code != exitUsage || len(lines) != 2 || !strings.HasPrefix(lines[0], "smsfail: "+args[0]+": ") ||
			lines[1] != "see 'smsfail "+args[0]+" --help'" || r.stdout != "" {
			t.Errorf("%v:\n%s", args, r)
		}
	}
	r := invoke(context.Background(), nil, "rnu")
	if r.code != exitUsage || r.stderr != "smsfail: unknown command \"rnu\"\nsee 'smsfail help'\n" {
		t.Errorf("unknown command:\n%s", r)
	}
}

// TestFlagsAnywhere: flags may follow the files, -- ends them, and a flag
// written with one dash as before (-config) still works.
func TestFlagsAnywhere(t *testing.T) {
	log := filepath.Join(t.TempDir(), "KB925902.log")
	if err := os.WriteFile(log, []byte("0.733: Failed to install catalog files.\r\n0.734: Update.exe extended error code = 0xf01e\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := invoke(context.Background(), nil, "classify", log, "--json")
	var f fileFinding
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &f) != nil || f.File != log {
		t.Fatalf("classify FILE --json:\n%s", r)
	}
	r = invoke(context.Background(), nil, "classify", "--", "--json")
	if r.code != exitIncomplete || !strings.Contains(r.stderr, "cannot read --json") {
		t.Errorf("after --, --json is a file name:\n%s", r)
	}
	s := newSite(t, "")
	r = invoke(context.Background(), nil, "run", "-config", s.config, "-dry-run")
	if r.code != exitOK || !strings.Contains(r.stdout, "Dry run") {
		t.Errorf("-config, -dry-run:\n%s", r)
	}
}

// TestJSONErrors: under --log-format json every line on stderr is JSON,
// the error that ends the command too, whatever failed: the command line,
// the configuration, the site database.
func TestJSONErrors(t *testing.T) {
	s := newSite(t, "")
	noSite := filepath.Join(s.dir, "nosite.yaml")
	cfg, err := os.ReadFile(s.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "path: site.db", "path: "+filepath.Join(s.dir, "missing", "site.db"), 1))
	if err := os.WriteFile(noSite, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"run", "--log-format", "json", "--bogus"}, exitUsage, "unknown flag: --bogus"},
		{[]string{"run", "--log-format=json", "--config", s.config + ".missing"}, exitFailure, "cannot read configuration"},
		{[]string{"run", "--config", noSite, "--log-format", "json", "--since", "1h"}, exitFailure, "site database"},
		{[]string{"check", "--config", s.config, "--log-format", "json", "--log-level", "loud"}, exitUsage, "--log-level"},
	} {
		r := invoke(context.Background(), nil, tc.args...)
		if r.code != tc.code || r.stderr == "" {
			t.Errorf("%v:\n%s", tc.args, r)
			continue
		}
		var last map[string]any
		for line := range strings.Lines(r.stderr) {
			last = nil
			if err := json.Unmarshal([]byte(line), &last); err != nil {
				t.Errorf("%v: a line on stderr is not JSON: %q", tc.args, line)
			}
		}
		if last["level"] != "ERROR" || !strings.Contains(last["msg"].(string), tc.msg) || last["exit"] != float64(tc.code) {
			t.Errorf("%v: the last line %v does not carry the error %q and exit code %d", tc.args, last, tc.msg, tc.code)
		}
	}
}

// TestRunJSON: --json prints one JSON summary that agrees with the
// workbook's run and the demo site's truth.
func TestRunJSON(t *testing.T) {
	s := newSite(t, "")
	r := invoke(context.Background(), nil, append([]string{"run", "--config", s.config, "--json", "--log-level", "warn"}, s.window()...)...)
	var got runJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r)
	}
	if r.code != exitIncomplete || got.ExitCode != exitIncomplete || got.Kind != "once" {
		t.Fatalf("exit code %d, JSON says %d, kind %q:\n%s", r.code, got.ExitCode, got.Kind, r)
	}
	if got.Failures != len(s.truth.Default()) || got.Unread == 0 || len(got.Causes) == 0 || len(got.NotRead) == 0 {
		t.Errorf("failures %d (truth %d), unread %d, causes %v, not read %v", got.Failures, len(s.truth.Default()), got.Unread, got.Causes, got.NotRead)
	}
	sum := 0
	for _, c := range append(got.Causes, got.NotRead...) {
		sum += c.Count
	}
	if sum != got.Failures {
		t.Errorf("causes and reasons add up to %d, not %d", sum, got.Failures)
	}
	if _, err := os.Stat(got.Workbook); err != nil || got.Mail != "off" || got.Marks == nil {
		t.Errorf("workbook %q (%v), mail %q, marks %v", got.Workbook, err, got.Mail, got.Marks)
	}
}

// TestDryRun: --dry-run lists the window, the query and each host's log
// paths, reads no log and writes nothing: no run folder, no history, no
// lock taken (it runs while another process holds it).
func TestDryRun(t *testing.T) {
	s := newSite(t, "")
	args := append([]string{"run", "--config", s.config, "--dry-run"}, s.window()...)
	r := invoke(context.Background(), nil, args...)
	if r.code != exitOK {
		t.Fatalf("dry run:\n%s", r)
	}
	for _, want := range []string{"Dry run of a run by hand", "Query: failures from", "exit codes 1603", "route ",
		`\admin$\`, "not read: not a valid host name"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the plan lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, dir := range []string{"reports", "state"} {
		if _, err := os.Stat(filepath.Join(s.dir, dir)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a dry run made %s (%v)", dir, err)
		}
	}

	// After a night, a dry night starts where it ended, beside a run
	// holding the lock, and leaves the history as it was.
	if r := invoke(context.Background(), nil, "run", "--config", s.config, "--log-level", "warn"); r.code != exitIncomplete {
		t.Fatalf("night:\n%s", r)
	}
	before := lastRun(t, s)
	hold, _ := startHolder(t, filepath.Join(s.dir, "state"))
	defer hold.Close()
	r = invoke(context.Background(), nil, "run", "--config", s.config, "--dry-run", "--json")
	var plan planJSON
	if r.code != exitOK || json.Unmarshal([]byte(r.stdout), &plan) != nil {
		t.Fatalf("dry night beside a held lock:\n%s", r)
	}
	if plan.Kind != "nightly" || !plan.Since.Equal(before.Until) || !plan.DryRun {
		t.Errorf("dry night %s from %v, the last night ended %v", plan.Kind, plan.Since, before.Until)
	}
	if after := lastRun(t, s); after.ID != before.ID {
		t.Errorf("the dry run recorded run #%d", after.ID)
	}
}

// TestCompletionBash runs bash's own completion machinery on the script
// smsfail prints: commands, flags, flag values and file names.
func TestCompletionBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		requireComponent(t, "bash", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "smsfail.yaml"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		words string // the line up to the cursor; a trailing space starts a new word
		want  []string
		not   []string
	}{
		{"smsfail cl", []string{"classify"}, []string{"check", "run"}},
		{"smsfail ", []string{"check", "classify", "completion", "run", "serve", "version", "help"}, []string{"__complete"}},
		{"smsfail run --d", []string{"--dry-run"}, []string{"--config"}},
		{"smsfail run --log-level ", []string{"debug", "info", "warn", "error"}, nil},
		{"smsfail check --log-format j", []string{"json"}, []string{"text"}},
		{"smsfail run --config smsf", []string{"smsfail.yaml"}, nil},
		{"smsfail help r", []string{"rules", "run"}, []string{"check"}},
		{"smsfail completion ", []string{"bash", "powershell"}, nil},
		{"smsfail classify --json smsf", []string{"smsfail.yaml"}, nil},
	} {
		words := strings.Fields(tc.words)
		if strings.HasSuffix(tc.words, " ") {
			words = append(words, "")
		}
		words[0] = os.Args[0] // the test binary plays smsfail
		script := `source <("$SMSFAIL" completion bash)
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
_smsfail
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, append([]string{"-c", script, "bash"}, words...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SMSFAIL_TEST_MAIN=1", "SMSFAIL="+os.Args[0])
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", tc.words, err, out)
		}
		got := strings.Fields(string(out))
		for _, w := range tc.want {
			if !slicesContains(got, w) {
				t.Errorf("%q completes to %v, lacking %q", tc.words, got, w)
			}
		}
		for _, w := range tc.not {
			if slicesContains(got, w) {
				t.Errorf("%q completes to %v, with %q", tc.words, got, w)
			}
		}
	}
}

// TestCompletionPowerShell: the script registers a completer for both
// names that asks smsfail the way the bash one does. PowerShell itself is
// not on a Debian machine: its answers come from the same __complete.
func TestCompletionPowerShell(t *testing.T) {
	r := invoke(context.Background(), nil, "completion", "powershell")
	for _, want := range []string{"Register-ArgumentCompleter -Native -CommandName 'smsfail', 'smsfail.exe'", "__complete @words \":$wordToComplete\"", "CompletionResult"} {
		if r.code != exitOK || !strings.Contains(r.stdout, want) {
			t.Errorf("script lacks %q:\n%s", want, r)
		}
	}
	r = invoke(context.Background(), nil, "__complete", "run", "--log-format", ":")
	if r.stdout != ":words\ntext\njson\n" {
		t.Errorf("__complete run --log-format:\n%s", r)
	}
	r = invoke(context.Background(), nil, "__complete", "run", "--config", ":C:\\smsfail\\")
	if r.stdout != ":files\n" {
		t.Errorf("__complete run --config:\n%s", r)
	}
	if r := invoke(context.Background(), nil, "completion", "zsh"); r.code != exitUsage {
		t.Errorf("completion zsh:\n%s", r)
	}
}

// TestClosedPipe: `smsfail rules | head -1` ends quietly: no error text,
// and exit 0 or the death by SIGPIPE every Unix filter dies of.
func TestClosedPipe(t *testing.T) {
	for _, args := range [][]string{{"rules"}, {"rules", "--json"}, {"help"}} {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "SMSFAIL_TEST_MAIN=1")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		stdout.Close() // as head does after its line
		err = cmd.Wait()
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == -1 && strings.Contains(exit.String(), "broken pipe")) {
			t.Errorf("%v: %v", args, err)
		}
		if stderr.Len() > 0 {
			t.Errorf("%v wrote on stderr: %s", args, stderr.String())
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// requireComponent skips a test whose component is missing, and fails it
// under CI=true.
func requireComponent(t *testing.T, name string, err error) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is needed: %v", name, err)
	}
	t.Skipf("%s is needed: %v", name, err)
}

// TestDebugLogPerHost: --log-level debug says for every failure's log the
// host, the reader, the paths tried, the bytes read and the time taken.
func TestDebugLogPerHost(t *testing.T) {
	s := newSite(t, "")
	r := invoke(context.Background(), nil, append([]string{"run", "--config", s.config, "--json", "--log-level", "debug", "--log-format", "json"}, s.window()...)...)
	var sum runJSON
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	logs, connects := 0, 0
	for line := range strings.Lines(r.stderr) {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		switch e["msg"] {
		case "host connect":
			connects++
		case "host log":
			logs++
			for _, k := range []string{"host", "source", "outcome", "paths_tried", "bytes", "elapsed"} {
				if _, ok := e[k]; !ok {
					t.Errorf("%q lacks %s", line, k)
				}
			}
			if e["outcome"] == "ok" && (!strings.HasPrefix(e["paths_tried"].(string), `\\`+e["host"].(string)+`\`) || e["bytes"].(float64) <= 0) {
				t.Errorf("a log read says: %s", line)
			}
		}
	}
	// Every failure on a valid host name is one line; hosts connect once.
	bad := 0
	for _, c := range sum.NotRead {
		if c.Name == "bad-host-name" {
			bad = c.Count
		}
	}
	if logs != sum.Failures-bad || connects == 0 || connects > logs {
		t.Errorf("%d log lines, %d connects for %d failures (%d bad host names)", logs, connects, sum.Failures, bad)
	}
}
