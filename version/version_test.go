package version

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

func TestFromBuildInfo(t *testing.T) {
	commit := "3f2a9c81d0e4b5a6c7d8e9f00112233445566778"
	for _, tc := range []struct {
		name      string
		info      debug.BuildInfo
		short     string
		inString  []string
		wantTime  time.Time
		wantDirty bool
	}{
		{
			name: "from a working tree",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: commit}, {Key: "vcs.time", Value: "2026-12-03T07:12:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			short:    "devel (3f2a9c81d0e4)",
			inString: []string{"smsfail devel (3f2a9c81d0e4)", "commit " + commit + " of 2026-12-03 07:12 UTC", "built with go1.26.8"},
			wantTime: time.Date(2026, 12, 3, 7, 12, 0, 0, time.UTC),
		},
		{
			name: "with changes not committed",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: commit}, {Key: "vcs.modified", Value: "true"}}},
			short: "devel (3f2a9c81d0e4, modified)", wantDirty: true,
		},
		{
			name:     "a tagged release",
			info:     debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}},
			short:    "v1.4.0",
			inString: []string{"smsfail v1.4.0, built with go1.26.8"},
		},
		{
			name: "a pseudo-version names its commit already",
			info: debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261203071200-3f2a9c81d0e4"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: commit}}},
			short: "v0.0.0-20261203071200-3f2a9c81d0e4",
		},
		{
			name:  "no version at all",
			info:  debug.BuildInfo{GoVersion: "go1.26.8"},
			short: "devel",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := fromBuildInfo(&tc.info)
			if got := v.Short(); got != tc.short {
				t.Errorf("Short() = %q, want %q", got, tc.short)
			}
			for _, w := range tc.inString {
				if !strings.Contains(v.String(), w) {
					t.Errorf("String() = %q lacks %q", v.String(), w)
				}
			}
			if !v.Time.Equal(tc.wantTime) || v.Modified != tc.wantDirty || v.Go != "go1.26.8" {
				t.Errorf("got %+v", v)
			}
		})
	}
}

func TestString(t *testing.T) {
	// A test binary has no version of its own: it is a build from a
	// working tree.
	if s := String(); !strings.HasPrefix(s, "devel") {
		t.Fatalf("String() = %q", s)
	}
}
