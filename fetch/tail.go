package fetch

import (
	"bytes"
	"fmt"
	"io"
)

// Byte order marks a log may start with; the classifier needs them to
// tell UTF-16 from the ANSI code page.
var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// capped returns what is read of a log of size bytes: all of it when it
// fits in max, else its byte order mark followed by its last bytes, since
// update.exe appends every run to the same file and the run that failed
// last is at the end. The tail starts on a UTF-16 code unit unless the
// mark says UTF-8. n is how many bytes the reader gives.
func capped(f File, size, max int64) (r io.Reader, n int64, err error) {
	if size <= max {
		return f, size, nil
	}
	head := make([]byte, 3)
	k, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		return nil, 0, fmt.Errorf("cannot read the start of the log: %w", err)
	}
	bom, unit := byteOrderMark(head[:k])
	keep := max - int64(len(bom))
	if keep <= 0 {
		return bytes.NewReader(bom[:max]), max, nil
	}
	start := size - keep
	if start%unit != 0 {
		start++
	}
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		return nil, 0, fmt.Errorf("cannot seek to the last %d bytes of the log: %w", keep, err)
	}
	return io.MultiReader(bytes.NewReader(bom), f), int64(len(bom)) + size - start, nil
}

// byteOrderMark returns the mark b starts with, if any, and the size of
// the encoding's code unit.
func byteOrderMark(b []byte) (bom []byte, unit int64) {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		return bomUTF8, 1
	case bytes.HasPrefix(b, bomUTF16LE):
		return bomUTF16LE, 2
	case bytes.HasPrefix(b, bomUTF16BE):
		return bomUTF16BE, 2
	}
	// Without a mark the log may still be UTF-16 (the decoder tells it by
	// its NUL bytes): an even start keeps its code units whole, and costs
	// an ANSI log one byte at most.
	return nil, 2
}
