// Package logtext turns a client log's bytes into UTF-8 text, whatever the
// client wrote: UTF-16 with or without a byte order mark (MSI verbose logs),
// UTF-8 with or without one (copies), or the system's ANSI code page
// (update.exe logs, MSI logs by policy). Detection happens per log, on its
// first bytes; decoding streams, so a log of any size passes through in
// constant memory.
package logtext

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// DefaultCodepage is the ANSI code page assumed when none is configured:
// the one of western European and American Windows installations.
const DefaultCodepage = "windows-1252"

// sniffSize is how many leading bytes decide the encoding.
const sniffSize = 64 << 10

// guessSample is how much text from the first byte outside ASCII a log
// that was ASCII for its first sniffSize bytes is guessed from: a little
// less than the decoding reader's buffer, which it must fit in.
const guessSample = 1024

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// NewReader returns a reader of r's text as UTF-8, the encoding decided for
// this log: a byte order mark first; without one, text whose every other
// byte is NUL is read as UTF-16; text that is valid UTF-8 as UTF-8; and
// other 8-bit text in the ANSI code page it reads best in (see Guess), the
// configured codepage (DefaultCodepage when empty) winning a near tie. A log
// that is ASCII for its first bytes is read as UTF-8 until a byte proves it
// is not, and the code page is guessed from the text there. The error is
// only for an unknown code page name; read errors surface from the returned
// reader.
func NewReader(r io.Reader, codepage string) (io.Reader, error) {
	if _, err := Codepage(codepage); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, sniffSize)
	head, _ := br.Peek(sniffSize) // a short or failing read is seen again by the caller
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		return transform.NewReader(br, unicode.UTF8BOM.NewDecoder()), nil
	case bytes.HasPrefix(head, bomUTF16LE):
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), nil
	case bytes.HasPrefix(head, bomUTF16BE):
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), nil
	}
	switch utf16Guess(head) {
	case littleEndian:
		return transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewDecoder()), nil
	case bigEndian:
		return transform.NewReader(br, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM).NewDecoder()), nil
	}
	if !validUTF8Head(head, len(head) == sniffSize) {
		e, _ := Codepage(Guess(head, codepage))
		return transform.NewReader(br, e.NewDecoder()), nil
	}
	return transform.NewReader(br, &sniffer{preferred: codepage}), nil
}

// validUTF8Head reports whether the first bytes are UTF-8: ASCII, or more
// valid multi-byte characters than twice the bytes that fit none (a copy
// damaged here and there is still UTF-8; text in a code page makes almost
// no valid sequence). A character cut by the end of a full sample does not
// count.
func validUTF8Head(head []byte, cut bool) bool {
	var valid, invalid int
	for i := 0; i < len(head); {
		if head[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(head[i:])
		switch {
		case r != utf8.RuneError || size > 1:
			valid++
		case cut && !utf8.FullRune(head[i:]):
		default:
			invalid++
		}
		i += size
	}
	return invalid == 0 || valid >= 2*invalid
}

type byteOrder int

const (
	notUTF16 byteOrder = iota
	littleEndian
	bigEndian
)

// utf16Guess tells UTF-16 without a byte order mark by its NUL bytes: log
// text is mostly ASCII, so in UTF-16LE most odd bytes are zero and in
// UTF-16BE most even ones are, while 8-bit text has almost no NUL at all.
func utf16Guess(head []byte) byteOrder {
	pairs := len(head) / 2
	if pairs < 2 {
		return notUTF16
	}
	var even, odd int
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			even++
		}
		if head[i+1] == 0 {
			odd++
		}
	}
	switch {
	case odd*10 >= pairs*4 && even*10 < pairs:
		return littleEndian
	case even*10 >= pairs*4 && odd*10 < pairs:
		return bigEndian
	}
	return notUTF16
}

// sniffer passes UTF-8 through until the text shows what it is: a valid
// multi-byte sequence commits it to UTF-8 (later invalid bytes become
// U+FFFD), an invalid byte before that hands the rest to the decoder of the
// code page the text from there reads best in. An update.exe log that is
// ASCII for a megabyte and then holds one accented file name is thus still
// read right.
type sniffer struct {
	preferred string
	fallback  transform.Transformer
	mode      sniffMode
}

type sniffMode int

const (
	undecided sniffMode = iota
	committedUTF8
	committedCodepage
)

func (t *sniffer) Reset() {
	t.mode = undecided
	t.fallback = nil
}

// commit chooses the code page from the text at hand.
func (t *sniffer) commit(sample []byte) {
	e, _ := Codepage(Guess(sample, t.preferred))
	t.fallback = e.NewDecoder()
	t.mode = committedCodepage
}

func (t *sniffer) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	if t.mode == committedCodepage {
		return t.fallback.Transform(dst, src, atEOF)
	}
	for nSrc < len(src) {
		if c := src[nSrc]; c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if t.mode == undecided {
				if !atEOF && len(src)-nSrc < guessSample {
					return nDst, nSrc, transform.ErrShortSrc // more text to guess the code page from
				}
				t.commit(src[nSrc:])
				d, s, err := t.fallback.Transform(dst[nDst:], src[nSrc:], atEOF)
				return nDst + d, nSrc + s, err
			}
			r, size = utf8.RuneError, 1
		} else {
			t.mode = committedUTF8
		}
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc += size
	}
	return nDst, nSrc, nil
}
