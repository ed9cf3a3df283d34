package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"smsfail/mail"
)

// recentWorkbooks is how many of the last workbooks check weighs against
// the relay's size limit.
const recentWorkbooks = 7

// relaySize says what the relay's SIZE means for the reports: the limit,
// and a warning when recent workbooks in dir would not fit in a mail.
func relaySize(limit int64, dir string) (detail, warn string) {
	if limit <= 0 {
		return "announces no message size limit (SIZE)", ""
	}
	detail = fmt.Sprintf("takes messages up to %s (SIZE %d)", sizeText(limit), limit)
	books := latestWorkbooks(dir, recentWorkbooks)
	var over []workbookFile
	for _, b := range books {
		if mail.EstimatedSize(b.size) > limit {
			over = append(over, b)
		}
	}
	if len(over) == 0 {
		if len(books) > 0 {
			detail += fmt.Sprintf("; the last %d workbooks fit", len(books))
		}
		return detail, ""
	}
	largest := slices.MaxFunc(over, func(a, b workbookFile) int { return int(a.size - b.size) })
	return detail, fmt.Sprintf("%d of the last %d workbooks would not fit (the largest, %s, is %s: about %s as mail); "+
		"such a night is mailed without its workbook, giving its path. To attach them, raise the relay's limit "+
		"(Exchange: the receive connector's MaxMessageSize; Postfix: message_size_limit)",
		len(over), len(books), filepath.Base(largest.path), sizeText(largest.size), sizeText(mail.EstimatedSize(largest.size)))
}

type workbookFile struct {
	path string
	size int64
	mod  time.Time
}

// latestWorkbooks finds the newest n workbooks a run wrote under dir: in
// the run folders (dir/<site>-<date-time>/*.xlsx) or dir itself.
func latestWorkbooks(dir string, n int) []workbookFile {
	var books []workbookFile
	for _, pattern := range []string{filepath.Join(dir, "*.xlsx"), filepath.Join(dir, "*", "*.xlsx")} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
				books = append(books, workbookFile{path: p, size: fi.Size(), mod: fi.ModTime()})
			}
		}
	}
	slices.SortFunc(books, func(a, b workbookFile) int { return b.mod.Compare(a.mod) })
	return books[:min(n, len(books))]
}
