//go:build unix

package config

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A secret file that is a named pipe, given by mistake, is refused at once:
// opening one for reading waits for a writer, and would hang the start.
func TestSecretFileThatIsAPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "db.password")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	text := "database: {driver: sqlserver, server: sql1, name: SMS_KID, user: reader, password: {file: " + fifo + "}}\n" +
		"logs: {source: local, root: clients}\n"
	done := make(chan error, 1)
	go func() {
		_, err := read("x.yaml", text, nil)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "x.yaml:1: database.password: ") || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("got %v, want the pipe refused at database.password", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("loading hangs on a secret file that is a pipe")
	}
}
