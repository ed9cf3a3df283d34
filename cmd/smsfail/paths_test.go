package main

import (
	"context"
	"path/filepath"
	"testing"
)

// TestRelativeConfigRecordsAbsolutePaths: run from the site's folder with
// a relative --config, the summary and the history name the workbook by
// its absolute path, which still finds it from anywhere else.
func TestRelativeConfigRecordsAbsolutePaths(t *testing.T) {
	s := newSite(t, "")
	t.Chdir(s.dir)
	r := invoke(context.Background(), nil, append([]string{"run", "--config", filepath.Base(s.config)}, s.window()...)...)
	if r.code != exitOK && r.code != exitIncomplete {
		t.Fatalf("run failed:\n%s", r)
	}
	book := workbookOf(t, r)
	recorded := lastRun(t, s).Report
	if !filepath.IsAbs(book) || recorded != book {
		t.Fatalf("the summary names %s and the history %s, want one absolute path", book, recorded)
	}
}
