package classify

import (
	"bufio"
	"bytes"
	"io"
)

// chunkSize bounds the bytes held of one line: a longer line is read in
// pieces of this size, each classified on its own, so a log that is one
// enormous line cannot make memory grow.
const chunkSize = 64 << 10

// eachEntry reads decoded log text and calls fn with every entry and the
// number of the line it is on. An entry is a line, or a piece of a line
// where damaged logs ran several entries together, or a line and the lines
// that continue it where whatever carried the log wrapped it.
func eachEntry(rd io.Reader, fn func(line int, text []byte)) error {
	br := bufio.NewReaderSize(rd, chunkSize)
	var w wrapped
	line, continued := 0, false
	var elapsed int64 // seconds of the last update.exe entry: where glued entries split
	emit := func(l int, t []byte) { splitEntries(t, l, &elapsed, fn) }
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 {
			if !continued {
				line++
				if line == 1 {
					b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
				}
			}
			long := continued || err == bufio.ErrBufferFull
			continued = err == bufio.ErrBufferFull
			if long {
				w.flush(emit)
				emit(line, b)
			} else {
				w.add(line, b, emit)
			}
		}
		switch err {
		case nil, bufio.ErrBufferFull:
		case io.EOF:
			w.flush(emit)
			return nil
		default:
			return err
		}
	}
}

// wrapped holds the last line back until the next shows whether it
// continues it: newsgroups, mail and web pages wrap long lines
// ("The update.ver file is not" / "correct."), and a message split so
// is read whole only once re-joined.
type wrapped struct {
	text    []byte
	line    int
	held    bool
	elapsed bool // the held line opened with an update.exe elapsed time
}

func (w *wrapped) add(line int, b []byte, emit func(int, []byte)) {
	t := unquote(trimSpace(b))
	if w.held && len(t) > 0 && len(w.text)+len(t) < chunkSize && w.continues(t) {
		w.text = append(append(w.text, ' '), t...)
		return
	}
	w.flush(emit)
	if len(t) == 0 {
		return
	}
	w.text = append(w.text[:0], t...)
	w.line, w.held = line, true
	w.elapsed = elapsedPrefix(t) > 0
}

func (w *wrapped) flush(emit func(int, []byte)) {
	if w.held {
		w.held = false
		emit(w.line, w.text)
	}
}

// continues tells a line that carries on the one held: in an update.exe
// log any line without its elapsed time, elsewhere a line that opens in
// lower case or with a quote mark after one that did not end a sentence.
func (w *wrapped) continues(t []byte) bool {
	if opensEntry(t) {
		return false
	}
	if w.elapsed {
		return true
	}
	last := w.text[len(w.text)-1]
	return ('a' <= t[0] && t[0] <= 'z' || t[0] == '\'' || t[0] == '"') && last != '.' && last != ':'
}

// unquote drops the marks mail and forums put before quoted lines ("> ",
// ">> "), so that a quoted log reads as the log.
func unquote(t []byte) []byte {
	for len(t) > 0 && t[0] == '>' {
		t = t[1:]
		if len(t) > 0 && t[0] == ' ' {
			t = t[1:]
		}
	}
	return t
}

// opensEntry tells the lines that start an entry of their own.
func opensEntry(t []byte) bool {
	switch {
	case elapsedPrefix(t) > 0, bytes.HasPrefix(t, msiPrefix), bytes.HasPrefix(t, actionStartPrefix),
		bytes.HasPrefix(t, actionEndedPrefix), bytes.HasPrefix(t, []byte("Property(")),
		bytes.HasPrefix(t, []byte("=== ")), bytes.HasPrefix(t, debugPrefix):
		return true
	}
	return t[0] == '[' || t[0] == '<'
}

func splitEntries(t []byte, line int, elapsed *int64, fn func(int, []byte)) {
	starts := newEntryStarts(t)
	for from := 0; from < len(t); {
		cut := starts.next(from, *elapsed)
		if cut < 0 {
			cut = len(t)
		}
		if e := trimSpace(t[from:cut]); len(e) > 0 {
			if n := elapsedPrefix(e); n > 0 {
				*elapsed, _ = atoi(e)
			}
			fn(line, e)
		}
		from = cut
	}
}

var (
	msiPrefix         = []byte("MSI (")
	actionStartPrefix = []byte("Action start ")
	actionEndedPrefix = []byte("Action ended ")
	// customActionPrefix opens "CustomAction X returned actual error code
	// N": a tool that ran the log together must not glue it to what the
	// entry before says.
	customActionPrefix = []byte("CustomAction ")
)

// entryMarkers open an entry wherever they stand in a line: an MSI line
// prefix, the "Action start/ended" lines and a custom action's result.
var entryMarkers = [...]struct {
	text []byte
	ok   func(t []byte, at int) bool
}{{msiPrefix, msiPrefixAt}, {actionStartPrefix, nil}, {actionEndedPrefix, nil}, {customActionPrefix, notAfterPrefix}}

// entryStarts finds where the entries run together on one line start. It
// keeps where it last found each kind of start, and looks again only once
// the entries before it are cut off, so a line of a thousand entries is
// searched once rather than a thousand times.
type entryStarts struct {
	t      []byte
	marker [len(entryMarkers)]int // next position of each entry marker; -1 when no more
	colon  int                    // next ": " that may end an update.exe elapsed time; -1 when no more
}

func newEntryStarts(t []byte) entryStarts {
	e := entryStarts{t: t, colon: bytes.Index(t, colonSpace)}
	for k, m := range entryMarkers {
		e.marker[k] = indexFrom(t, 1, m.text, m.ok)
	}
	return e
}

// next returns where the entry after the one starting at from begins, or
// -1 when it runs to the end of the line. elapsed is the time of the
// update.exe entry before, which tells "error 0x490" + "0.717: " from
// "0x4900.717: ".
func (e *entryStarts) next(from int, elapsed int64) int {
	best := -1
	consider := func(i int) {
		if i > from && (best < 0 || i < best) {
			best = i
		}
	}
	for k, m := range entryMarkers {
		if p := e.marker[k]; p >= 0 && p <= from {
			e.marker[k] = indexFrom(e.t, from+1, m.text, m.ok)
		}
		consider(e.marker[k])
	}
	for e.colon >= 0 {
		if s := elapsedStart(e.t[from:], e.colon-from, elapsed); s > 0 {
			consider(from + s)
			break
		}
		e.colon = indexFrom(e.t, e.colon+2, colonSpace, nil)
	}
	return best
}

// indexFrom finds sep in t at or after from where ok (if given) accepts it.
func indexFrom(t []byte, from int, sep []byte, ok func(t []byte, at int) bool) int {
	for from < len(t) {
		i := bytes.Index(t[from:], sep)
		if i < 0 {
			return -1
		}
		if ok == nil || ok(t, from+i) {
			return from + i
		}
		from += i + 1
	}
	return -1
}

func msiPrefixAt(t []byte, at int) bool { return isMSIPrefix(t[at:]) }

// notAfterPrefix refuses a place right after a line's prefix ("MSI (s)
// (9C:44) [20:41:26:992]: CustomAction ..."): the entry starts there anyway.
func notAfterPrefix(t []byte, at int) bool {
	return at < 2 || t[at-2] != ':' || t[at-1] != ' '
}

// isMSIPrefix accepts "MSI (s) (", "MSI (c) (": a letter and a parenthesis.
func isMSIPrefix(t []byte) bool {
	return len(t) > 7 && isLetter(t[5]) && t[6] == ')'
}

var colonSpace = []byte(": ")

// elapsedStart checks that t[:p] ends in digits, a point or comma and three
// digits, and returns where the entry starts (-1 if not, 0 when the digits
// open t). When text ran into the entry, the seconds are read as the
// shortest run of digits not earlier than the entry before.
func elapsedStart(t []byte, p int, elapsed int64) int {
	if p < 5 || !isDigit(t[p-1]) || !isDigit(t[p-2]) || !isDigit(t[p-3]) || (t[p-4] != '.' && t[p-4] != ',') || !isDigit(t[p-5]) {
		return -1
	}
	first := p - 5
	for first > 0 && isDigit(t[first-1]) && p-first < 14 {
		first--
	}
	if first == 0 {
		return 0
	}
	for s := p - 5; s >= first; s-- {
		if v, _ := atoi(t[s : p-4]); v >= elapsed {
			return s
		}
	}
	return first
}

// elapsedPrefix returns the length of an update.exe elapsed-time prefix at
// the start of t ("937.406: "), or 0.
func elapsedPrefix(t []byte) int {
	i := 0
	for i < len(t) && i < 10 && isDigit(t[i]) {
		i++
	}
	if i == 0 || len(t) < i+6 || (t[i] != '.' && t[i] != ',') || !isDigit(t[i+1]) || !isDigit(t[i+2]) || !isDigit(t[i+3]) || t[i+4] != ':' {
		return 0
	}
	if t[i+5] == ' ' {
		return i + 6
	}
	return i + 5
}

func trimSpace(t []byte) []byte {
	for len(t) > 0 && isSpace(t[0]) {
		t = t[1:]
	}
	for len(t) > 0 && isSpace(t[len(t)-1]) {
		t = t[:len(t)-1]
	}
	return t
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 }
func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isLetter(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// atoi reads the decimal number at the start of t: its value and length.
func atoi(t []byte) (n int64, size int) {
	for size < len(t) && size < 18 && isDigit(t[size]) {
		n = n*10 + int64(t[size]-'0')
		size++
	}
	return n, size
}

// hexAt reads "0x..." at the start of t: its value and length (0 if none).
func hexAt(t []byte) (v int64, size int) {
	if len(t) < 3 || t[0] != '0' || (t[1] != 'x' && t[1] != 'X') {
		return 0, 0
	}
	size = 2
	for size < len(t) && size < 18 {
		c := t[size]
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			if size == 2 {
				return 0, 0
			}
			return v, size
		}
		v = v<<4 | int64(d)
		size++
	}
	if size == 2 {
		return 0, 0
	}
	return v, size
}
