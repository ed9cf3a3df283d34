//go:build !unix

package fetch

// openNonblock is not needed where a path in a folder cannot name a pipe.
const openNonblock = 0
