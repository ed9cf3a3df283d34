//go:build unix

package schedule

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as `smsfail serve`: with SCHEDULE_TEST_SERVE set
// it runs a schedule whose job takes a second, stopped by SIGINT or SIGTERM
// as main does.
func TestMain(m *testing.M) {
	if os.Getenv("SCHEDULE_TEST_SERVE") != "" {
		os.Exit(serve())
	}
	os.Exit(m.Run())
}

func serve() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	job := func(ctx context.Context) error {
		fmt.Println("job started")
		select {
		case <-time.After(time.Second):
			fmt.Println("job finished")
		case <-ctx.Done():
			fmt.Println("job cancelled")
		}
		return nil
	}
	if err := Run(ctx, everySecond, time.UTC, job, Options{Seconds: true, Grace: 30 * time.Second}); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println("stopped")
	return 0
}

func TestSignalStopsAfterRunningJob(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "SCHEDULE_TEST_SERVE=1")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		if !lines.Scan() || lines.Text() != "job started" {
			cmd.Process.Kill()
			t.Fatalf("serve did not start a job: %q", lines.Text())
		}
		if err := cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
		var rest []string
		for lines.Scan() {
			rest = append(rest, lines.Text())
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: serve exited with %v", sig, err)
		}
		if got := strings.Join(rest, "|"); got != "job finished|stopped" {
			t.Fatalf("%s: after the signal serve printed %q, want the job to finish and no new one to start", sig, got)
		}
	}
}
