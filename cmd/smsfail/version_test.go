package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"smsfail/version"
)

// TestVersionOfABuild builds smsfail as an admin would and reads its
// version back: `smsfail --version` and `smsfail version --json` say what
// the toolchain embedded, as `go version -m` reads it independently.
func TestVersionOfABuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds smsfail")
	}
	bin := filepath.Join(t.TempDir(), "smsfail")
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	embedded, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for line := range strings.Lines(string(embedded)) {
		f := strings.Fields(line)
		switch {
		case len(f) >= 3 && f[0] == "mod":
			settings["mod"] = f[2]
		case len(f) >= 2 && f[0] == "build":
			if k, v, ok := strings.Cut(f[1], "="); ok {
				settings[k] = v
			}
		}
	}
	line, err := exec.Command(bin, "--version").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"smsfail ", "built with " + runtime.Version()}
	if rev := settings["vcs.revision"]; rev != "" {
		want = append(want, "commit "+rev)
	}
	if settings["mod"] == "(devel)" {
		want = append(want, "smsfail devel")
	}
	for _, w := range want {
		if !strings.Contains(string(line), w) {
			t.Errorf("--version says %q, lacking %q (go version -m: %v)", line, w, settings)
		}
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	var v version.Info
	if err != nil || json.Unmarshal(out, &v) != nil || v.Commit != settings["vcs.revision"] || v.Go != runtime.Version() {
		t.Errorf("version --json: %s (%v)", out, err)
	}
	r := invoke(context.Background(), nil, "version")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "smsfail devel") {
		t.Errorf("the test binary's version:\n%s", r)
	}
}
