package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelp: every command's --help lists its flags, the environment
// variables that can replace them and the exit codes.
func TestHelp(t *testing.T) {
	flags := map[string][]string{
		"run":      {"-config", "-advertisement", "-since", "-until", "-out", "-no-mail", "-wait", "-log-level", "-log-format"},
		"demo":     {"-dir", "-clients", "-seed", "-log-level"},
		"serve":    {"-config", "-log-level", "-log-format", "SIGTERM", "schedule.grace"},
		"check":    {"-config", "-host", "-send-test", "-log-level", "-log-format"},
		"service":  {"install", "--user", "SMSFAIL_SERVICE_PASSWORD", "130"},
		"classify": {"-json", "-rules", "-codepage"},
		"rules":    {"-json", "-rules"},
	}
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			r := invoke(context.Background(), nil, c.name, "--help")
			if r.code != exitOK {
				t.Fatalf("--help:\n%s", r)
			}
			want := append([]string{"Usage: smsfail " + c.name, "Environment:", "Exit codes:"}, flags[c.name]...)
			switch c.name {
			case "run", "demo", "serve", "check":
				want = append(want, "SMSFAIL_CONFIG", "130")
			}
			for _, w := range want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}
	r := invoke(context.Background(), nil, "--help")
	for _, c := range commands() {
		if !strings.Contains(r.stdout, "  "+c.name+" ") {
			t.Errorf("the main help lacks %s:\n%s", c.name, r.stdout)
		}
	}
}

// TestStrayArguments: a word the command does not take is a wrong command
// line, not silently dropped: `run --config F KID2000A` must not run a
// whole night in place of one advertisement.
func TestStrayArguments(t *testing.T) {
	s := newSite(t, "")
	for _, args := range [][]string{
		{"run", "--config", s.config, "KID2000A"},
		{"serve", "--config", s.config, "now"},
		{"check", "--config", s.config, "KID-PC0001"},
		{"demo", "--dir", filepath.Join(t.TempDir(), "site"), "big"},
	} {
		r := invoke(context.Background(), nil, args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "unexpected argument") {
			t.Errorf("%v:\n%s", args, r)
		}
	}
	if _, err := os.Stat(filepath.Join(s.dir, "state")); !os.IsNotExist(err) {
		t.Errorf("a refused command line touched the state folder (%v)", err)
	}
}
