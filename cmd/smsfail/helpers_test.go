package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"smsfail/demosite"
	"smsfail/lock"
)

// The test binary doubles as a second smsfail process: with
// SMSFAIL_TEST_HOLD_LOCK set it takes the lock of that state folder, says
// "locked" and holds it until its standard input closes; with
// SMSFAIL_TEST_MAIN set it is smsfail itself, its arguments smsfail's.
func TestMain(m *testing.M) {
	if dir := os.Getenv("SMSFAIL_TEST_HOLD_LOCK"); dir != "" {
		os.Exit(holdLock(dir))
	}
	if os.Getenv("SMSFAIL_TEST_MAIN") != "" {
		main()
	}
	os.Exit(m.Run())
}

func holdLock(dir string) int {
	l, err := lock.Acquire(context.Background(), dir, lock.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	if err := l.Release(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startHolder runs a second process holding the lock of the state folder
// dir; closing the returned writer ends it cleanly.
func startHolder(t *testing.T, dir string) (io.WriteCloser, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SMSFAIL_TEST_HOLD_LOCK="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("the second process did not take the lock: %q %v", line, err)
	}
	return stdin, cmd
}

// site is a demo site in a temporary folder with its configuration.
type site struct {
	dir, config string
	truth       *demosite.Truth
}

// newSite generates a small demo site ending now and writes the demo's
// configuration for it, with extra YAML appended (a mail section...).
func newSite(t *testing.T, extra string) *site {
	t.Helper()
	dir := t.TempDir()
	truth, err := demosite.Generate(context.Background(), dir, demosite.Options{Seed: 5, Clients: 200, Days: 7, Now: time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "smsfail.yaml")
	if err := os.WriteFile(cfg, []byte(demoConfig+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	return &site{dir: dir, config: cfg, truth: truth}
}

// window is the command line for the site's whole week, a run by hand.
func (s *site) window() []string {
	return []string{"--since", s.truth.Since.Format(time.RFC3339Nano), "--until", s.truth.Now.Format(time.RFC3339Nano)}
}

// result is what a command printed and its exit code.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// invoke runs a command in-process, as main would, with env as the
// environment.
func invoke(ctx context.Context, env map[string]string, args ...string) result {
	var stdout, stderr syncBuffer
	a := &app{stdout: &stdout, stderr: &stderr, getenv: func(k string) string { return env[k] }}
	code := dispatch(ctx, a, args)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// workbookOf reads the workbook's path off a run's summary.
func workbookOf(t *testing.T, r result) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^Workbook: (.+)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no workbook in the summary:\n%s", r)
	}
	return m[1]
}

// syncBuffer is a buffer that goroutines may write at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
