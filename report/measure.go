package report

import (
	"math"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Text is measured in Excel's column width unit, the width of a digit of
// the default font (Calibri 11: 7 pixels). The measures err on the wide
// side, so that a column sized by them holds its text in Excel and in
// LibreOffice (Carlito, Calibri's metric twin) alike.
const (
	cellPadding  = 1.0  // a cell's margins, both sides
	boldFactor   = 1.1  // bold text is wider
	lineHeight   = 15.0 // points per line of 11-point text, Excel's default row height
	defaultWidth = 9.14 // Excel's default column width
)

// runeUnits is how many digit widths r takes at most.
func runeUnits(r rune) float64 {
	switch {
	case r == 'M' || r == 'W' || r == 'm' || r == 'w' || r == '@' || r == '%':
		return 1.75
	case unicode.IsUpper(r):
		return 1.3
	case r < 0x80:
		return 1
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1.3
}

// textUnits is the width s takes on one line, in column width units,
// margins included.
func textUnits(s string, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		w += runeUnits(r)
	}
	if bold {
		w *= boldFactor
	}
	return w + cellPadding
}

// wrapLines is how many lines s takes in a cell of width units when its
// text wraps: words move to the next line at a space, or after a hyphen
// (LibreOffice breaks there, Excel may not: the larger count is taken),
// and a word wider than the cell is broken where it must be.
func wrapLines(s string, units float64, bold bool) int {
	avail := units - cellPadding
	if avail <= 1 {
		avail = 1
	}
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		lines += max(paragraphLines(para, avail, bold, true), paragraphLines(para, avail, bold, false))
	}
	return max(lines, 1)
}

func paragraphLines(para string, avail float64, bold, hyphens bool) int {
	factor := 1.0
	if bold {
		factor = boldFactor
	}
	lines, used := 1, 0.0
	for _, word := range breakable(para, hyphens) {
		w := 0.0
		for _, r := range word {
			w += runeUnits(r) * factor
		}
		trimmed := w
		if strings.HasSuffix(word, " ") {
			trimmed -= runeUnits(' ') * factor // a space at the end of a line takes no room
		}
		switch {
		case used+trimmed <= avail:
			used += w
		case trimmed <= avail:
			lines++
			used = w
		default: // broken across lines, as wide as it is
			if used > 0 {
				lines++
			}
			extra := int(math.Ceil(trimmed/avail)) - 1
			lines += extra
			used = trimmed - float64(extra)*avail
		}
	}
	return lines
}

// breakable cuts s after each space, and each hyphen if hyphens, where a
// line may end.
func breakable(s string, hyphens bool) []string {
	var parts []string
	start := 0
	for i, r := range s {
		if r == ' ' || r == '-' && hyphens {
			parts = append(parts, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		parts = append(parts, s[start:])
	}
	return parts
}

// columnPixels is how many pixels Excel draws a column of width units in,
// at 100 % zoom.
func columnPixels(units float64) int {
	return int(math.Round(units*7)) + 5
}

// clampWidth sizes a column to its widest text, between least and most.
func clampWidth(widest, least, most float64) float64 {
	return math.Ceil(min(max(widest, least), most))
}
