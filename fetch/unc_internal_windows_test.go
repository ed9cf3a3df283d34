package fetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/windows"
)

// TestUNCWindowsErrors: the errors Windows' SMB client answers with, which
// Wine's folders never give, mean the outcomes the other sources report.
func TestUNCWindowsErrors(t *testing.T) {
	for _, c := range []struct {
		errno windows.Errno
		want  error
	}{
		{windows.ERROR_BAD_NET_NAME, ErrShareMissing},
		{windows.ERROR_ACCESS_DENIED, ErrAccessDenied},
		{windows.ERROR_LOGON_FAILURE, ErrAccessDenied},
		{windows.ERROR_ACCOUNT_DISABLED, ErrAccessDenied},
		{windows.ERROR_BAD_NETPATH, ErrUnreachable},
		{windows.ERROR_NETNAME_DELETED, ErrUnreachable},
		{windows.ERROR_SEM_TIMEOUT, ErrUnreachable},
	} {
		err := classifyWindows(&fs.PathError{Op: "open", Path: `\\PC0001\admin$\svcpack.log`, Err: c.errno})
		if !errors.Is(err, c.want) || !errors.Is(err, c.errno) {
			t.Errorf("%v (%d): %v, want %v with the Windows error kept", c.errno, uint32(c.errno), err, c.want)
		}
	}
	for _, errno := range []windows.Errno{windows.ERROR_FILE_NOT_FOUND, windows.ERROR_PATH_NOT_FOUND} {
		if err := classifyWindows(errno); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%v: %v, want a missing file", errno, err)
		}
	}
	if err := classifyWindows(fmt.Errorf("not a Windows error")); err.Error() != "not a Windows error" {
		t.Errorf("a non-Windows error changed: %v", err)
	}
}

// TestUNCReadEndsAtTheDeadline reads from a handle whose data stops
// coming, as a host that went silent mid-read: Windows' own timeout is far
// longer, the read gives up when the host's context ends. (Wine's UNC
// folders cannot stall, so a pipe stands in for the file.)
func TestUNCReadEndsAtTheDeadline(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	if _, err := w.Write([]byte("first bytes")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	f := &uncFile{File: r, ctx: ctx}
	buf := make([]byte, 64)
	n, err := f.Read(buf)
	if err != nil || string(buf[:n]) != "first bytes" {
		t.Fatalf("first read: %q, %v", buf[:n], err)
	}
	start := time.Now()
	if _, err := f.Read(buf); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read past the deadline: %v, want the deadline", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the read ended %v after it began, past its deadline", took)
	}
}
