package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestHelp: every command's --help lists its flags as they are typed
// (--flag), the environment variables that can replace them and the exit
// codes it can return, and only those.
func TestHelp(t *testing.T) {
	flags := map[string][]string{
		"run":        {"--config file", "--advertisement", "--since", "--until", "--out", "--no-mail", "--wait", "--dry-run", "--json", "--log-level", "--log-format"},
		"demo":       {"--dir", "--clients", "--seed", "--log-level"},
		"serve":      {"--config", "--log-level", "--log-format", "SIGTERM", "schedule.grace"},
		"check":      {"--config", "--host", "--send-test", "--json", "--log-level", "--log-format"},
		"service":    {"install", "--user", "SMSFAIL_SERVICE_PASSWORD"},
		"classify":   {"--json", "--rules", "--codepage", "-v, --verbose"},
		"rules":      {"--json", "--rules"},
		"version":    {"--json", "smsfail --version"},
		"completion": {"bash", "powershell"},
	}
	codes := map[string][]int{
		"run":        {0, 1, 2, 3, 4, 130},
		"demo":       {0, 1, 2, 130},
		"serve":      {0, 1, 2, 130},
		"check":      {0, 1, 2, 130},
		"service":    {0, 1, 2, 130},
		"classify":   {0, 1, 2, 3, 130},
		"rules":      {0, 1, 2},
		"version":    {0, 2},
		"completion": {0, 2},
	}
	for _, c := range commands() {
		if c.hidden {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			r := invoke(context.Background(), nil, c.name, "--help")
			if r.code != exitOK || r.stderr != "" {
				t.Fatalf("--help:\n%s", r)
			}
			want := append([]string{"Usage: smsfail " + c.name, "Exit codes:"}, flags[c.name]...)
			switch c.name {
			case "run", "demo", "serve", "check":
				want = append(want, "Environment:", "SMSFAIL_CONFIG")
			}
			for _, w := range want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
			if got := exitCodesListed(r.stdout); !slices.Equal(got, codes[c.name]) {
				t.Errorf("help lists exit codes %v, want %v:\n%s", got, codes[c.name], r.stdout)
			}
			if h := invoke(context.Background(), nil, "help", c.name); h.code != exitOK || h.stdout != r.stdout {
				t.Errorf("'smsfail help %s' is not its --help:\n%s", c.name, h)
			}
		})
	}
	r := invoke(context.Background(), nil, "--help")
	for _, c := range commands() {
		if listed := strings.Contains(r.stdout, "  "+c.name+" "); listed == c.hidden {
			t.Errorf("the main help lists %s: %v, want %v:\n%s", c.name, listed, !c.hidden, r.stdout)
		}
	}
	if h := invoke(context.Background(), nil, "help"); h.code != exitOK || h.stdout != r.stdout {
		t.Errorf("'smsfail help' is not the main help:\n%s", h)
	}
}

// exitCodesListed reads the codes under "Exit codes:" in a help text.
func exitCodesListed(help string) []int {
	_, list, ok := strings.Cut(help, "\nExit codes:\n")
	if !ok {
		return nil
	}
	var codes []int
	for _, line := range strings.Split(list, "\n") {
		var code int
		if _, err := fmt.Sscanf(line, "  %d ", &code); err == nil {
			codes = append(codes, code)
		}
	}
	return codes
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
