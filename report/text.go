package report

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"
)

// maxCellChars is what an Excel cell holds, in UTF-16 code units.
const maxCellChars = 32767

// cutMark ends a text cut to fit a cell, so a reader sees it was cut.
const cutMark = " … [cut: too long for a cell]"

// cellText makes s safe for a one-line cell: invalid UTF-8 becomes U+FFFD,
// characters XML 1.0 forbids (and other control characters) are removed,
// line breaks and tabs become spaces, and text too long for a cell is cut
// with cutMark. The value stays text whatever it looks like: the writers
// never turn a string into a formula, a number or a link.
func cellText(s string) string {
	return clean(s, false)
}

// cellParagraph is cellText that keeps line breaks, for cells that wrap.
func cellParagraph(s string) string {
	return clean(s, true)
}

func clean(s string, keepLines bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	// Ranging over s yields U+FFFD for each byte of invalid UTF-8.
	for _, r := range s {
		if r = cleanRune(r, keepLines); r >= 0 {
			b.WriteRune(r)
		}
	}
	return cut(b.String())
}

// keepEscapesLiteral escapes the underscore of every "_xHHHH_" in s as
// "_x005F_", so that Excel shows the text as typed rather than reading
// "_x0041_" as "A" or "_x000D_" as a carriage return. The stream writer
// escapes them itself; excelize's cell API (v2.11.1) does not, so the
// sheets written cell by cell need this.
func keepEscapesLiteral(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		// Escape-like runs may overlap ("_x005F_x0041_"): test every
		// underscore, not only those after a match.
		if s[i] == '_' && looksLikeEscape(s[i:]) {
			b.WriteString("_x005F_")
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// looksLikeEscape reports whether s starts with "_x", four hex digits and
// "_".
func looksLikeEscape(s string) bool {
	if len(s) < 7 || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// cut shortens s to what a cell holds, ending it with cutMark.
func cut(s string) string {
	if len(s) <= maxCellChars || utf16Len(s) <= maxCellChars {
		return s
	}
	units, limit := 0, maxCellChars-utf16Len(cutMark)
	for i, r := range s {
		n := 1
		if r >= 0x10000 {
			n = 2
		}
		if units+n > limit {
			return s[:i] + cutMark
		}
		units += n
	}
	return s
}

// isPlain reports whether s is printable ASCII short enough for a cell,
// the common case that needs no copy.
func isPlain(s string) bool {
	if len(s) > maxCellChars {
		return false
	}
	// Eight bytes at a time: every cell of every row passes here twice.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		below := (x - ones*0x20) &^ x // a byte under 0x20, or with its high bit set
		above := (x + ones*0x01) | x  // a byte of 0x7f or more
		if (below|above)&highs != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// cleanRune maps r to what a cell may hold, or -1 to drop it.
func cleanRune(r rune, keepLines bool) rune {
	switch {
	case r == '\n' && keepLines:
		return r
	case r == '\t' || r == '\n' || r == '\r':
		if keepLines && r == '\r' {
			return -1
		}
		return ' '
	case r < 0x20, r >= 0x7f && r <= 0x9f, r == 0xfffe, r == 0xffff:
		return -1
	case r >= 0xd800 && r <= 0xdfff:
		return -1
	}
	return r
}

// utf16Len counts s in UTF-16 code units, as Excel counts a cell's length.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// displayWidth estimates how many character widths s takes in a cell,
// counting East Asian wide characters twice; it stops counting at limit.
func displayWidth(s string, limit int) int {
	if isPlain(s) {
		return min(len(s), limit)
	}
	w := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			w += 2
		default:
			w++
		}
		if w >= limit {
			return limit
		}
	}
	return w
}

// excelEpoch is day 0 of Excel's 1900 date system for every date after
// 1 March 1900 (Excel counts a 29 February 1900 that never was).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// excelDate returns the serial number Excel stores for t shown as a
// wall-clock time in loc, and false when t cannot be a date cell (zero, or
// outside the years Excel shows).
func excelDate(t time.Time, loc *time.Location) (float64, bool) {
	if t.IsZero() {
		return 0, false
	}
	w := t.In(loc)
	if w.Year() < 1901 || w.Year() > 9998 {
		return 0, false
	}
	wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
	secs := wall.Sub(excelEpoch) / time.Second
	// A date shows whole seconds. The nearest double to a whole second is
	// often a hair below it, and LibreOffice then shows the second before
	// (00:59:59 for 01:00:00): a bias far below a second but far above the
	// double's precision keeps every reader on the right second.
	return float64(secs)/86400 + 1e-9, true
}

// hyperlinkFormula returns a HYPERLINK() formula opening the kept log copy
// rel, relative to the workbook's folder, or false when rel is not a plain
// relative path the formula can carry. Excel counts a HYPERLINK() formula
// against no per-sheet limit, unlike a cell hyperlink (65,530 per sheet).
func hyperlinkFormula(rel string) (string, bool) {
	if rel == "" || rel != cellText(rel) || utf16Len(rel) > 255 {
		return "", false
	}
	if strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || strings.Contains(rel, ":") {
		return "", false // absolute, a drive or a URL scheme: not a kept copy
	}
	if strings.Contains(rel, "..") {
		for _, part := range strings.FieldsFunc(rel, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == ".." {
				return "", false // outside the run's folder
			}
		}
	}
	return "HYPERLINK(" + formulaString(rel) + ")", true
}

// linkFormula is hyperlinkFormula for a workbook whose folder is
// published at base, a UNC path or a URL: the link opens the copy there,
// wherever the workbook is opened, and the cell shows rel.
func linkFormula(rel, base string) (string, bool) {
	if base == "" {
		return hyperlinkFormula(rel)
	}
	if _, ok := hyperlinkFormula(rel); !ok {
		return "", false
	}
	target := JoinLink(base, rel)
	if utf16Len(target) > 255 || target != cellText(target) {
		return "", false
	}
	return "HYPERLINK(" + formulaString(target) + "," + formulaString(rel) + ")", true
}

// JoinLink joins a path relative to a published folder to the folder's
// UNC path or URL: with backslashes under a UNC path, with slashes and
// each name escaped under a URL.
func JoinLink(base, rel string) string {
	parts := strings.FieldsFunc(rel, func(r rune) bool { return r == '/' || r == '\\' })
	if strings.Contains(base, "://") {
		for i, p := range parts {
			parts[i] = url.PathEscape(p)
		}
		return strings.TrimRight(base, "/") + "/" + strings.Join(parts, "/")
	}
	return strings.TrimRight(base, `\/`) + `\` + strings.Join(parts, `\`)
}

// formulaString quotes s as a string literal inside a formula.
func formulaString(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// plural formats n with a noun, "1 failure", "2 failures".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
