//go:build !windows

package config

// expandPath leaves the path as written: outside Windows % is a character
// of file names like any other.
func expandPath(p string) string { return p }
