package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

const corpus = "../../classify/testdata"

// run runs smsfail in-process and returns the exit code and outputs.
func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	code := dispatch(context.Background(), a, args)
	return code, stdout.String(), stderr.String()
}

func TestClassifyJSON(t *testing.T) {
	files := []string{
		filepath.Join(corpus, "custom-action-failed--msi-1722-utf16.log"),
		filepath.Join(corpus, "prerequisite-failed--kb931768-ru-cp1251.log"),
	}
	code, out, errOut := run(t, append([]string{"classify", "--json", "--codepage", "cp1251"}, files...)...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines of output, want one per file:\n%s", len(lines), out)
	}
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"file", "kind", "cause", "title", "remediation", "codes", "action", "evidence", "rule", "confidence"} {
		if _, ok := first[key]; !ok {
			t.Errorf("no %q in %s", key, lines[0])
		}
	}
	if _, ok := first["explanation"]; ok {
		t.Errorf("an explanation without --explain: %s", lines[0])
	}
	if first["cause"] != "custom-action-failed" || first["action"] != "InstallHelper" || first["file"] != files[0] || first["confidence"] != "high" {
		t.Errorf("first finding: %s", lines[0])
	}
	ev := first["evidence"].([]any)[0].(map[string]any)
	if ev["line"] == nil || ev["text"] == nil {
		t.Errorf("evidence %v", ev)
	}
	// The Russian message reads right when the code page is given.
	if !strings.Contains(lines[1], "требуется Internet Explorer 6") || !strings.Contains(lines[1], `"cause":"prerequisite-failed"`) {
		t.Errorf("second finding: %s", lines[1])
	}
}

// TestClassifyExplain: --explain says which rules matched, which one
// decided and why, and which error lines were set aside.
func TestClassifyExplain(t *testing.T) {
	file := filepath.Join(corpus, "real", "msi_error1920_windows_exporter_killprocess_translated.log")
	code, out, errOut := run(t, "classify", "--json", "--explain", file)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var got struct {
		Cause, Confidence string
		Explanation       struct {
			Considered []struct{ Rule, Cause string }
			Decision   string
			SetAside   []struct {
				Line         int
				Text, Reason string
			} `json:"set_aside"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	x := got.Explanation
	if got.Cause != "service-start-failed" || got.Confidence != "high" || len(x.Considered) < 2 ||
		x.Considered[0].Rule != "msi-service-start" || x.Considered[1].Cause != "custom-action-failed" {
		t.Errorf("finding %s", out)
	}
	if !strings.Contains(x.Decision, "highest priority") || !strings.Contains(x.Decision, "Return value 3") {
		t.Errorf("decision %q", x.Decision)
	}
	if len(x.SetAside) == 0 || !strings.Contains(x.SetAside[0].Text, "KillProcess") || !strings.Contains(x.SetAside[0].Reason, "translated to success") {
		t.Errorf("set aside %+v", x.SetAside)
	}
	code, out, _ = run(t, "classify", "--explain", file)
	for _, want := range []string{"CONFIDENCE", "why: msi-service-start decided", "matched: msi-custom-action-exit", "set aside:"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("exit %d, no %q in:\n%s", code, want, out)
		}
	}
}

func TestClassifyTable(t *testing.T) {
	code, out, _ := run(t, "classify", "-v", filepath.Join(corpus, "disk-space--win2k-sp4.log"))
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"FILE", "CAUSE", "disk-space", "extended 0xf201", "Not enough disk space", "There is not enough disk space on C:\\WINNT"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
}

func TestClassifyUnreadableFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "KB925902.log")
	code, out, errOut := run(t, "classify", missing, filepath.Join(corpus, "no-detail--kb938127-masked-only.log"))
	if code != exitIncomplete {
		t.Errorf("exit %d, want %d", code, exitIncomplete)
	}
	if !strings.Contains(errOut, "cannot read "+missing) || !strings.Contains(errOut, "1 of 2 files could not be read") {
		t.Errorf("stderr %q", errOut)
	}
	if !strings.Contains(out, "no-detail") {
		t.Errorf("the readable file was not classified:\n%s", out)
	}
}

func TestClassifyRulesFile(t *testing.T) {
	rules := filepath.Join(corpus, "rules", "override-add.yaml")
	code, out, _ := run(t, "classify", "--json", "--rules", rules, filepath.Join(corpus, "file-in-use--msi-1310-utf16.log"))
	if code != exitOK || !strings.Contains(out, `"cause":"antivirus-lock"`) || !strings.Contains(out, `"rule":"site-antivirus"`) {
		t.Errorf("exit %d, output %s", code, out)
	}
	code, _, errOut := run(t, "classify", "--rules", filepath.Join(corpus, "rules", "invalid-pattern.yaml"), "x.log")
	if code != exitFailure || !strings.Contains(errOut, "invalid-pattern.yaml:4: rule \"bad-pattern\": bad pattern") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestClassifyUsage(t *testing.T) {
	code, out, _ := run(t, "classify", "--help")
	if code != exitOK || !strings.Contains(out, "-codepage") || !strings.Contains(out, "-rules") || !strings.Contains(out, "-json") {
		t.Errorf("help: exit %d\n%s", code, out)
	}
	for _, args := range [][]string{{"classify"}, {"classify", "--nope", "x"}, {"classify", "--codepage", "klingon", "x"}} {
		if code, _, errOut := run(t, args...); code != exitUsage || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestRulesCommand(t *testing.T) {
	rules := filepath.Join(corpus, "rules", "override-add.yaml")
	code, out, errOut := run(t, "rules", "--rules", rules)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"antivirus-lock", "site-antivirus", rules + " (overrides built-in)", rules + " (disabled)", "msi-registry", "built-in"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	code, out, _ = run(t, "rules", "--json")
	var listed struct {
		Causes []struct{ ID string }
		Rules  []struct{ ID, Source string }
	}
	if code != exitOK || json.Unmarshal([]byte(out), &listed) != nil || len(listed.Causes) != 24 || len(listed.Rules) == 0 {
		t.Errorf("exit %d, output %s", code, out)
	}
	code, _, errOut = run(t, "rules", "--rules", filepath.Join(corpus, "rules", "invalid-cause.yaml"))
	if code != exitFailure || !strings.Contains(errOut, `unknown cause "gremlins"`) {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
