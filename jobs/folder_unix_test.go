//go:build unix

package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// --out naming a device or a pipe is refused; it stays what it was.
func TestOutRefusesADevice(t *testing.T) {
	now := siteNow
	job, _, dir := testJob(t, &now)
	pipe := filepath.Join(dir, "full")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := byHand()
	opts.Out = pipe
	_, err := job.Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "device or special file") {
		t.Fatalf("got %v, want the pipe refused", err)
	}
	if fi, err := os.Lstat(pipe); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe became %v (%v)", fi.Mode(), err)
	}
}
