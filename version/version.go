// Package version says which smsfail this is: its version, the commit and
// time it was built from and the Go release that built it, read from what
// the Go toolchain embeds in every binary (runtime/debug.ReadBuildInfo).
// The workbook's properties, the mail's X-Mailer, `smsfail check` and
// `smsfail version` all name the build through it.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"
)

// Info is what a build says of itself.
type Info struct {
	// Version is the main module's version (v1.4.0, or a pseudo-version
	// for a build from a commit), "devel" when built from a working tree.
	Version string `json:"version"`
	// Commit is the VCS revision built from, "" when not known (a build
	// outside a Git checkout, or with -buildvcs=false).
	Commit string `json:"commit,omitempty"`
	// Time is the commit's time, zero when not known.
	Time time.Time `json:"time,omitzero"`
	// Modified says the working tree had changes not committed.
	Modified bool `json:"modified,omitempty"`
	// Go is the Go release that built the binary.
	Go string `json:"go"`
}

// Get reads the build's information.
func Get() Info {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: "devel", Go: runtime.Version()}
	}
	return fromBuildInfo(info)
}

func fromBuildInfo(info *debug.BuildInfo) Info {
	v := Info{Version: info.Main.Version, Go: info.GoVersion}
	if v.Version == "" || v.Version == "(devel)" {
		v.Version = "devel"
	}
	if v.Go == "" {
		v.Go = runtime.Version()
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Time, _ = time.Parse(time.RFC3339, s.Value)
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// Short is the version with the commit's first 12 characters, as the
// workbook and the mail name the build: "devel (3f2a9c81d0e4)",
// "v1.4.0", "devel (3f2a9c81d0e4, modified)".
func (v Info) Short() string {
	s := v.Version
	var extra []string
	if v.Commit != "" && !isPseudoVersionOf(v.Version, v.Commit) {
		extra = append(extra, v.Commit[:min(12, len(v.Commit))])
	}
	if v.Modified {
		extra = append(extra, "modified")
	}
	switch len(extra) {
	case 1:
		s += " (" + extra[0] + ")"
	case 2:
		s += " (" + extra[0] + ", " + extra[1] + ")"
	}
	return s
}

// String is the full description `smsfail version` prints:
// "smsfail devel (3f2a9c81d0e4), built from 3f2a9c81d0e4... of
// 2026-12-03 07:12 UTC with go1.26.8 linux/amd64".
func (v Info) String() string {
	s := "smsfail " + v.Short()
	if v.Commit != "" {
		s += ", commit " + v.Commit
		if !v.Time.IsZero() {
			s += " of " + v.Time.UTC().Format("2006-01-02 15:04 UTC")
		}
	}
	return fmt.Sprintf("%s, built with %s %s/%s", s, v.Go, runtime.GOOS, runtime.GOARCH)
}

// String is Get().Short(): what the workbook, the mail and check show.
func String() string { return Get().Short() }

// isPseudoVersionOf reports whether version already names the commit, as
// a pseudo-version (v0.0.0-20261203071200-3f2a9c81d0e4) does.
func isPseudoVersionOf(version, commit string) bool {
	n := min(12, len(commit))
	return n > 0 && len(version) >= n && version[len(version)-n:] == commit[:n]
}
