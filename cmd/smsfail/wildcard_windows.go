//go:build windows

package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// expandWildcards does on Windows what a Unix shell does before smsfail
// starts: cmd.exe and PowerShell hand `classify C:\logs\*.log` over as
// typed. Each argument holding * ? or [ becomes the files it matches, in
// name order; one matching nothing is reported, never taken as a name.
func expandWildcards(args []string) (files []string, unmatched []error) {
	for _, arg := range args {
		if !strings.ContainsAny(arg, "*?[") {
			files = append(files, arg)
			continue
		}
		matches, err := filepath.Glob(arg)
		switch {
		case err != nil:
			unmatched = append(unmatched, fmt.Errorf("%s is not a valid wildcard: %w", arg, err))
		case len(matches) == 0:
			unmatched = append(unmatched, fmt.Errorf("no file matches %s", arg))
		default:
			files = append(files, matches...)
		}
	}
	return files, unmatched
}
