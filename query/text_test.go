package query

import (
	"regexp"
	"strings"
	"testing"
)

// Constructs one of the two dialects lacks, or that would tie the shared
// text to the server's clock.
var dialectOnly = map[string]*regexp.Regexp{
	"T-SQL TOP":                 regexp.MustCompile(`(?i)\bTOP\b`),
	"T-SQL date functions":      regexp.MustCompile(`(?i)\b(GETDATE|GETUTCDATE|SYSDATETIME|SYSUTCDATETIME|CURRENT_TIMESTAMP|DATEADD|DATEDIFF|DATEPART|EOMONTH)\b`),
	"T-SQL ISNULL":              regexp.MustCompile(`(?i)\bISNULL\s*\(`),
	"T-SQL table hints":         regexp.MustCompile(`(?i)\b(NOLOCK|READPAST|WITH\s*\()`),
	"T-SQL brackets":            regexp.MustCompile(`\[|\]`),
	"T-SQL variables":           regexp.MustCompile(`@`),
	"T-SQL functions":           regexp.MustCompile(`(?i)\b(CONVERT|LEN|CHARINDEX|TRY_CAST|TRY_CONVERT|IIF|STRING_AGG|DATALENGTH)\s*\(`),
	"T-SQL N'' literals":        regexp.MustCompile(`(?i)\bN'`),
	"T-SQL OUTPUT / batches":    regexp.MustCompile(`(?i)\b(OUTPUT|GO|OFFSET|FETCH)\b|;`),
	"SQLite LIMIT":              regexp.MustCompile(`(?i)\bLIMIT\b`),
	"SQLite functions":          regexp.MustCompile(`(?i)\b(IFNULL|SUBSTR|INSTR|STRFTIME|JULIANDAY|DATETIME|DATE|RANDOM|PRINTF|GROUP_CONCAT)\s*\(`),
	"SQLite operators":          regexp.MustCompile(`\|\||::|(?i)\bGLOB\b`),
	"SQLite literals":           regexp.MustCompile(`(?i)\b(TRUE|FALSE)\b`),
	"collations":                regexp.MustCompile(`(?i)\bCOLLATE\b`),
	"named or numbered params":  regexp.MustCompile(`[$:]\w|\?\d`),
	"PRAGMA or ATTACH":          regexp.MustCompile(`(?i)\b(PRAGMA|ATTACH)\b`),
	"string concatenation by +": regexp.MustCompile(`'\s*\+|\+\s*'`),
}

// TestSharedTextIsPortable: the text sent to SQL Server is the text the
// embedded site runs, so it holds nothing one of them lacks.
func TestSharedTextIsPortable(t *testing.T) {
	for name, text := range sharedText {
		for what, re := range dialectOnly {
			if m := re.FindString(text); m != "" {
				t.Errorf("%s uses %s (%q)", name, what, m)
			}
		}
		if !strings.Contains(text, "?") && name != "probe" {
			t.Errorf("%s takes no parameters: its window cannot be a parameter", name)
		}
	}
}

// TestPortabilityCheckBites: the check finds what it looks for.
func TestPortabilityCheckBites(t *testing.T) {
	for _, bad := range []string{"SELECT TOP 10 x", "WHERE Time > DATEADD(day, -1, GETDATE())", "x LIMIT 5",
		"ISNULL(a, b)", "a || b", "FROM t WITH (NOLOCK)", "WHERE a = @p1", "IFNULL(a,b)", "[v_R_System]"} {
		hit := false
		for _, re := range dialectOnly {
			hit = hit || re.MatchString(bad)
		}
		if !hit {
			t.Errorf("%q passes the check", bad)
		}
	}
}
