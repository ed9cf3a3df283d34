package fetch_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// tempDir is t.TempDir removed file by file: os.RemoveAll on Windows asks
// for a deletion (FileDispositionInformationEx) that Wine 8, which runs the
// Windows suite, does not implement.
func tempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "fetch-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeTree(t, dir) })
	return dir
}

// removeTree removes dir and what it holds, one file at a time.
func removeTree(t testing.TB, dir string) {
	var paths []string
	filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		paths = append(paths, p)
		return nil
	})
	for _, p := range slices.Backward(paths) { // contents before their folder
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			t.Errorf("cannot remove %s: %v", p, err)
		}
	}
}
