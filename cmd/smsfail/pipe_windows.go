//go:build windows

package main

import (
	"errors"

	"golang.org/x/sys/windows"
)

// closedPipe reports whether err is a write to a pipe whose reader has
// gone (`smsfail rules | more` ended early): Windows answers such a
// write with "The pipe is being closed", "The pipe has been ended" or
// (Wine) "No process is on the other end of the pipe".
func closedPipe(err error) bool {
	return errors.Is(err, windows.ERROR_NO_DATA) || errors.Is(err, windows.ERROR_BROKEN_PIPE) ||
		errors.Is(err, windows.ERROR_PIPE_NOT_CONNECTED)
}
