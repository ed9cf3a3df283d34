//go:build unix

package fetch

import "syscall"

// openNonblock opens a named pipe or a device without waiting for its
// other end: the open returns at once, and the file's type refuses it.
const openNonblock = syscall.O_NONBLOCK
