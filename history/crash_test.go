package history

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsfail"
)

// The test binary doubles as a job being killed: with HISTORY_TEST_NIGHT set
// to a state folder it runs a big night over it, saying "committing" just
// before Commit and "committed" after.
func TestMain(m *testing.M) {
	if dir := os.Getenv("HISTORY_TEST_NIGHT"); dir != "" {
		n, _ := strconv.Atoi(os.Getenv("HISTORY_TEST_SIZE"))
		if err := bigNight(dir, 2, n, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	if dir := os.Getenv("HISTORY_TEST_OPEN"); dir != "" {
		openAndSay(dir) // a run by another account: fault_unix_test.go
	}
	os.Exit(m.Run())
}

// openAndSay opens the history in dir and prints the error, for a test
// that runs it as another account.
func openAndSay(dir string) {
	h, err := Open(context.Background(), dir)
	if err == nil {
		h.Close()
	}
	fmt.Println(err)
	os.Exit(0)
}

// bigNight commits night n of size failures: machines PC000000... failing
// advertisement KID00001, half of them the same as the night before.
func bigNight(dir string, n, size int, progress io.Writer) error {
	ctx := context.Background()
	h, err := Open(ctx, dir)
	if err != nil {
		return err
	}
	defer h.Close()
	until := night(n)
	since, err := h.WindowStart(ctx, until, 24*time.Hour)
	if err != nil {
		return err
	}
	run, err := h.Begin(RunSpec{Kind: KindNightly, Since: since, Until: until})
	if err != nil {
		return err
	}
	results := make([]smsfail.Result, size)
	for i := range results {
		e := event{fmt.Sprintf("PC%06d", i+(n-1)*size/2), "KID00001", "disk-full", until.Add(-time.Hour)}
		results[i] = result(e, 1)
	}
	if _, err := run.Mark(ctx, results, nil); err != nil {
		return err
	}
	fmt.Fprintln(progress, "committing")
	if _, err := run.Commit(ctx, CommitInfo{Outcome: OutcomeOK}); err != nil {
		return err
	}
	fmt.Fprintln(progress, "committed")
	return nil
}

type state struct {
	runs, findings, open, lastRunOpen int
}

func readState(t *testing.T, dir string) state {
	t.Helper()
	h, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("reopen after a kill: %v", err)
	}
	defer h.Close()
	var s state
	for q, dst := range map[string]*int{
		`SELECT COUNT(*) FROM runs`:          &s.runs,
		`SELECT COUNT(*) FROM findings`:      &s.findings,
		`SELECT COUNT(*) FROM open_failures`: &s.open,
		`SELECT COUNT(*) FROM open_failures WHERE last_run = (SELECT MAX(id) FROM runs)`: &s.lastRunOpen,
	} {
		if err := h.db.QueryRow(q).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	var check string
	if err := h.db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %s %v", check, err)
	}
	return s
}

// TestKilledMidCommit kills a process in the middle of committing a night
// and checks the history is exactly as before that night; a process left
// to finish leaves it exactly as after.
func TestKilledMidCommit(t *testing.T) {
	const size = 40000
	dir := t.TempDir()
	if err := bigNight(dir, 1, size, io.Discard); err != nil {
		t.Fatal(err)
	}
	before := readState(t, dir)
	if before != (state{runs: 1, findings: size, open: size, lastRunOpen: size}) {
		t.Fatalf("after night 1: %+v", before)
	}
	after := state{runs: 2, findings: 2 * size, open: size + size/2, lastRunOpen: size}

	// A kill too late lets the commit through; shorten the delay until one
	// lands inside the transaction.
	killedInside := false
	for delay := 400 * time.Millisecond; delay >= 5*time.Millisecond && !killedInside; delay /= 2 {
		work := t.TempDir()
		if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		committed := killDuringCommit(t, work, size, delay)
		got := readState(t, work)
		switch {
		case committed && got != after:
			t.Fatalf("committed night: %+v, want %+v", got, after)
		case !committed && got != before && got != after:
			t.Fatalf("killed %s into the commit: history half updated: %+v", delay, got)
		case !committed && got == before:
			t.Logf("killed %s into the commit: history as before the night", delay)
			killedInside = true
		}
	}
	if !killedInside {
		t.Fatal("no kill landed inside the commit")
	}
}

// killDuringCommit runs the big night in another process and kills it
// delay after it starts committing; it reports whether the commit finished.
func killDuringCommit(t *testing.T, dir string, size int, delay time.Duration) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "HISTORY_TEST_NIGHT="+dir, "HISTORY_TEST_SIZE="+strconv.Itoa(size))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	if !lines.Scan() || lines.Text() != "committing" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the night did not reach its commit: %q", lines.Text())
	}
	time.Sleep(delay)
	cmd.Process.Kill()
	var rest []string
	for lines.Scan() {
		rest = append(rest, lines.Text())
	}
	cmd.Wait()
	return strings.Join(rest, "") == "committed"
}
