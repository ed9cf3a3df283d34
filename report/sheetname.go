package report

import (
	"strconv"
	"strings"

	"golang.org/x/text/cases"
)

// maxSheetName is the longest sheet name Excel takes, in UTF-16 units.
const maxSheetName = 31

// sheetNames hands out sheet names Excel and LibreOffice accept: no
// []:*?/\ or control characters, no apostrophe at either end, at most 31
// characters, and unique ignoring case (as Excel compares them).
type sheetNames struct {
	used map[string]bool
	fold cases.Caser
}

func newSheetNames() *sheetNames {
	// Excel keeps "History" for itself.
	n := &sheetNames{used: map[string]bool{}, fold: cases.Fold()}
	n.used[n.fold.String("History")] = true
	return n
}

// name returns a legal, unused name as close to want as it can, numbering
// it "(2)", "(3)", ... on a collision; fallback stands in for a name that
// is left empty once cleaned.
func (n *sheetNames) name(want, fallback string) string {
	base := legalSheetName(want)
	if base == "" {
		base = legalSheetName(fallback)
	}
	if base == "" {
		base = "Sheet"
	}
	name := base
	for i := 2; n.used[n.fold.String(name)]; i++ {
		suffix := " (" + strconv.Itoa(i) + ")"
		name = strings.TrimRight(truncateUTF16(base, maxSheetName-len(suffix)), " ") + suffix
	}
	n.used[n.fold.String(name)] = true
	return name
}

// legalSheetName cleans s into a sheet name, possibly empty.
func legalSheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return -1
		}
		return r
	}, cellText(s))
	s = strings.Join(strings.Fields(s), " ")
	s = truncateUTF16(s, maxSheetName)
	return strings.Trim(s, "' ")
}

// truncateUTF16 cuts s to at most n UTF-16 units, on a character boundary.
func truncateUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		u := 1
		if r >= 0x10000 {
			u = 2
		}
		if units+u > n {
			return s[:i]
		}
		units += u
	}
	return s
}
