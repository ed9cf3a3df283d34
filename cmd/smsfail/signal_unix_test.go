//go:build !windows

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSecondSignalStopsAtOnce: the first Ctrl-C lets serve's running night
// finish within the grace period (ten minutes here); a second one stops
// the process at once instead of leaving the admin to wait it out.
func TestSecondSignalStopsAtOnce(t *testing.T) {
	s := newSite(t, "schedule:\n  cron: \"@every 1s\"\n  grace: 10m\n")
	// A run by hand holds the state folder, so the night waits for it:
	// a night that is going when the signals come.
	startHolder(t, filepath.Join(s.dir, "state"))
	cmd := exec.Command(os.Args[0], "serve", "--config", s.config)
	cmd.Env = append(os.Environ(), "SMSFAIL_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine(t, lines, "waiting for it to end")
	cmd.Process.Signal(os.Interrupt)
	waitLine(t, lines, "waiting for the running job")

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
		if code := cmd.ProcessState.ExitCode(); code != exitInterrupted {
			t.Fatalf("exit code %d after a second interrupt, want %d", code, exitInterrupted)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a second interrupt did not stop serve")
	}
}

// waitLine reads log lines until one holds want.
func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	var seen []string
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve ended before logging %q:\n%s", want, strings.Join(seen, "\n"))
			}
			if strings.Contains(l, want) {
				return
			}
			seen = append(seen, l)
		case <-timeout:
			t.Fatalf("serve did not log %q in 20s:\n%s", want, strings.Join(seen, "\n"))
		}
	}
}
