//go:build !windows

package main

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

// TestClosedPipeError: a write to a closed pipe that reaches main (one
// not on stdout, where SIGPIPE comes first) ends quietly with exit code 0.
func TestClosedPipeError(t *testing.T) {
	err := fmt.Errorf("cannot write output: %w", &os.PathError{Op: "write", Path: "|1", Err: syscall.EPIPE})
	var stderr syncBuffer
	a := &app{stdout: &stderr, stderr: &stderr, getenv: os.Getenv}
	if code := exitCode(t.Context(), a, err); code != exitOK || stderr.String() != "" {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
}
