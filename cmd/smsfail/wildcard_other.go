//go:build !windows

package main

// expandWildcards leaves the arguments as they are: the shell has already
// expanded the wildcards it was given.
func expandWildcards(args []string) (files []string, unmatched []error) {
	return args, nil
}
