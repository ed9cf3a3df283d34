package jobs

import (
	"path/filepath"
	"strings"

	"smsfail/report"
)

// published returns where path, under the report folder, is published:
// its place under LinkBase, or "" when there is no LinkBase or path lies
// outside the report folder (a workbook written with --out elsewhere).
func (j *Job) published(path string) string {
	if j.LinkBase == "" || j.ReportDir == "" {
		return ""
	}
	dir, err := filepath.Abs(j.ReportDir)
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return ""
	}
	if rel == "." {
		return j.LinkBase
	}
	return report.JoinLink(j.LinkBase, filepath.ToSlash(rel))
}

// openAt is where the mail tells the admin to open the workbook: where it
// is published, else its absolute path on the machine that wrote it.
func (j *Job) openAt(workbook string) string {
	if p := j.published(workbook); p != "" {
		return p
	}
	if abs, err := filepath.Abs(workbook); err == nil {
		return abs
	}
	return workbook
}
