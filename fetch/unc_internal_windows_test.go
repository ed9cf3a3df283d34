package fetch

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

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
