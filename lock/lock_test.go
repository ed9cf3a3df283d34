package lock

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The test binary doubles as a second process: with LOCK_TEST_HOLD set it
// takes the lock of that folder, says "locked" and holds it until its
// standard input closes.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LOCK_TEST_HOLD"); dir != "" {
		os.Exit(holdLock(dir))
	}
	os.Exit(m.Run())
}

func holdLock(dir string) int {
	l, err := Acquire(context.Background(), dir, Options{})
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

type holder struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startHolder runs a second process holding the lock of dir and returns
// once it holds it.
func startHolder(t *testing.T, dir string) *holder {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "LOCK_TEST_HOLD="+dir)
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
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("holder process did not take the lock: %q %v", line, err)
	}
	return &holder{cmd: cmd, stdin: stdin}
}

func TestSecondProcessRefused(t *testing.T) {
	dir := t.TempDir()
	h := startHolder(t, dir)

	_, err := Acquire(context.Background(), dir, Options{})
	var held *HeldError
	if !errors.As(err, &held) {
		t.Fatalf("got %v, want a HeldError", err)
	}
	if held.Holder == nil || held.Holder.PID != h.cmd.Process.Pid {
		t.Fatalf("holder = %+v, want pid %d", held.Holder, h.cmd.Process.Pid)
	}
	host, _ := os.Hostname()
	want := fmt.Sprintf("by pid %d on %s is still going", h.cmd.Process.Pid, host)
	if !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "a run started at ") {
		t.Fatalf("message %q does not say %q", err, want)
	}
}

func TestWaitUntilReleased(t *testing.T) {
	dir := t.TempDir()
	h := startHolder(t, dir)

	got := make(chan error, 1)
	told := make(chan *HeldError, 10)
	go func() {
		l, err := Acquire(context.Background(), dir, Options{Wait: true, Poll: 20 * time.Millisecond, Waiting: func(h *HeldError) { told <- h }})
		if err == nil {
			if l.Stale != nil {
				err = fmt.Errorf("a clean release left a stale record %+v", l.Stale)
			}
			l.Release()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("acquired while the other process held the lock: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	h.stdin.Close() // the holder releases and exits
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("holder: %v", err)
	}
	if len(told) != 1 {
		t.Fatalf("told %d times that the run waits, want once", len(told))
	}
	if held := <-told; held.Holder == nil || held.Holder.PID != h.cmd.Process.Pid {
		t.Fatalf("told of %+v", held.Holder)
	}
}

func TestWaitGivesUpWithContext(t *testing.T) {
	dir := t.TempDir()
	h := startHolder(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := Acquire(ctx, dir, Options{Wait: true, Poll: 10 * time.Millisecond})
	var held *HeldError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &held) {
		t.Fatalf("got %v, want the holder and the deadline", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("pid %d", h.cmd.Process.Pid)) {
		t.Fatalf("%q does not name the holder", err)
	}
}

func TestKilledHolderTakenOver(t *testing.T) {
	dir := t.TempDir()
	h := startHolder(t, dir)
	pid := h.cmd.Process.Pid
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	h.cmd.Wait()

	l, err := Acquire(context.Background(), dir, Options{})
	if err != nil {
		t.Fatalf("lock of a killed process not taken over: %v", err)
	}
	defer l.Release()
	if l.Stale == nil || l.Stale.PID != pid {
		t.Fatalf("stale holder = %+v, want pid %d", l.Stale, pid)
	}
	rec, _ := readHolder(l.f)
	if rec == nil || rec.PID != os.Getpid() {
		t.Fatalf("lock file records %+v, want this process", rec)
	}
}

func TestStaleOrGarbledFile(t *testing.T) {
	for name, content := range map[string]string{
		"stale":   `{"pid":999999,"host":"GONE","started":"2024-01-01T02:00:00Z"}`,
		"garbled": `{"pid":12`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Acquire(context.Background(), dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Release()
			if name == "stale" && (l.Stale == nil || l.Stale.Host != "GONE") {
				t.Fatalf("stale = %+v", l.Stale)
			}
			if name == "garbled" && !l.StaleGarbled {
				t.Fatal("garbled record not reported")
			}
		})
	}
}

func TestReleaseLeavesEmptyFile(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		l, err := Acquire(context.Background(), dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Stale != nil || l.StaleGarbled {
			t.Fatalf("run %d sees a stale record after a clean release", i)
		}
		if err := l.Release(); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil || len(b) != 0 {
		t.Fatalf("lock file after release: %q %v", b, err)
	}
}

func TestSameProcessSecondAcquireRefused(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(context.Background(), dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if _, err := Acquire(context.Background(), dir, Options{}); err == nil {
		t.Fatal("a second acquire in the same process succeeded")
	}
}
