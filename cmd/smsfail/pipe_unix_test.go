//go:build unix

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// pipeInPlaceOfALog replaces a failing client's log with a named pipe no
// one ever writes to.
func pipeInPlaceOfALog(t *testing.T, s *site) string {
	t.Helper()
	for _, f := range s.truth.Default() {
		if f.Log == "" {
			continue
		}
		p := filepath.Join(s.dir, filepath.FromSlash(f.Log))
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
		return f.Machine
	}
	t.Fatal("the demo site has no failing client with a log")
	return ""
}

// TestServeWithAPipeInPlaceOfALog: a named pipe where a log should be
// costs nothing: every night finishes, the next one runs on time, and
// the first SIGTERM stops serve (the grace period is long, so only a
// night that ends lets it exit).
func TestServeWithAPipeInPlaceOfALog(t *testing.T) {
	s := newSite(t, "schedule:\n  cron: \"@every 1s\"\n  grace: 10m\n")
	pipeInPlaceOfALog(t, s)
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
	lines := make(chan string, 1000)
	var seen strings.Builder
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	nights := 0
	for timeout := time.After(2 * time.Minute); nights < 2; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited:\n%s", seen.String())
			}
			seen.WriteString(l + "\n")
			if strings.Contains(l, "night done") {
				nights++
			}
		case <-timeout:
			t.Fatalf("serve finished %d nights in two minutes:\n%s", nights, seen.String())
		}
	}
	exited := make(chan error, 1)
	go func() {
		for range lines {
		}
		exited <- cmd.Wait()
	}()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		if code := cmd.ProcessState.ExitCode(); code != exitOK {
			t.Fatalf("exit code %d after one SIGTERM, want %d", code, exitOK)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("one SIGTERM did not stop serve")
	}
}
