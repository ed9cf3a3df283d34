//go:build windows

package config

import (
	"strings"

	"golang.org/x/sys/windows/registry"
)

// expandPath replaces %NAME% in a path with the environment variable, as
// Windows does in the paths an admin types (%ProgramData%\smsfail). A name
// that is not set stays as written.
func expandPath(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	x, err := registry.ExpandString(p)
	if err != nil {
		return p
	}
	return x
}
