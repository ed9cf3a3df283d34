//go:build !windows

package main

import (
	"errors"
	"syscall"
)

// closedPipe reports whether err is a write to a pipe whose reader has
// gone (`smsfail rules | head -1`). On stdout the runtime ends the
// process with SIGPIPE first, quietly, as for any Unix tool.
func closedPipe(err error) bool { return errors.Is(err, syscall.EPIPE) }
