package classify

import "bytes"

// Results as tools and translations write them: "Exit code was '1618'",
// "exited 1603", "MainEngineThread gibt 1612 zurück", a number quoted on a
// line of its own, HRESULTs in decimal or without their 0x.

var (
	mainEngineThread = "mainenginethread"
	mainEngine       = []byte("MainEngineThread")
)

// aloneNumber returns the number an entry is, in brackets or quote marks
// or not, or the installer result (16xx) it ends in after a label, in any
// language ("==> host: 1619", "Erfolgs- oder Fehlerstatus der
// Installation: 1603.").
func aloneNumber(p []byte) []byte {
	labelled := false
	if i := bytes.LastIndex(p, colonSpace); i >= 0 {
		p, labelled = p[i+2:], true
	}
	p = bytes.Trim(p, " ()[]'\"`.")
	q := bytes.TrimPrefix(p, []byte("-"))
	v, n := atoi(q)
	if n == 0 || n != len(q) || (labelled && (v < 1600 || v > 1699)) {
		return nil
	}
	return p
}

// numberInProse reads the message number after an error or info word in
// prose.
func (s *scan) numberInProse(p []byte, info bool, f *entryFacts) {
	v, n := atoi(p)
	if n == 4 && v >= 1000 && v <= 2999 && endsNumber(p[4:]) {
		s.msiNumber(int(v), info, p, f)
	}
}

// resultCode reads the number a program returned, written after the
// words that introduce it ("Exit code was '1603'", "exited 1618",
// "MainEngineThread gibt 1612 zurück") or, when a translation moved it,
// just before them ("1612 MainEngineThread"). Hexadecimal results are
// read with the other codes.
func resultCode(p []byte, start, end int, f *entryFacts) {
	if v, ok := hexWord(p[end:]); ok {
		f.add(CodeHRESULT, v) // "Code 9C48": a code Windows Update shows in hexadecimal
		f.errorish = true
		return
	}
	if bytes.HasPrefix(bytes.TrimLeft(p[end:], " "), []byte("is ")) && bytes.HasSuffix(bytes.TrimRight(p[start:end], " "), []byte("code")) {
		return // "The error code is 2203": a message number, read as one
	}
	v, ok := numberAfter(p[end:])
	if !ok && end-start == len(mainEngineThread) {
		v, ok = numberBefore(p[:start])
	}
	switch {
	case !ok || v == 0:
	case v < 0 && -v <= 1<<31:
		f.addHRESULT(int64(uint32(v)))
		f.errorish = true
	case v >= 0x80000000 && v <= 0xFFFFFFFF:
		f.addHRESULT(v)
		f.errorish = true
	case v == 1603:
		f.failure = true
	case v < 0x10000:
		f.add(CodeSystemError, v)
		f.errorish = true
	}
}

// numberAfter skips quote marks, brackets, colons and at most one word
// ("was", "with", "gibt") and reads a decimal number standing alone: a
// code of up to six digits, or an HRESULT as a signed or unsigned decimal.
func numberAfter(p []byte) (int64, bool) {
	words := 0
	for i := 0; i < len(p) && i < 24; {
		c := p[i]
		switch {
		case isDigit(c):
			v, n := atoi(p[i:])
			if i+n < len(p) && (isLetter(p[i+n]) || isDigit(p[i+n]) || (p[i+n] == '.' && i+n+1 < len(p) && isDigit(p[i+n+1]))) {
				return 0, false
			}
			if i > 0 && p[i-1] == '-' {
				return -v, n == 10
			}
			return v, n < 7 || n == 10
		case isLetter(c) || c >= 0x80:
			if words++; words > 1 {
				return 0, false
			}
			for i < len(p) && (isLetter(p[i]) || p[i] >= 0x80) {
				i++
			}
		default:
			i++
		}
	}
	return 0, false
}

// hexWord reads a hexadecimal code written without its 0x, which its
// letters tell from a decimal: four to eight digits, one of them A to F.
func hexWord(p []byte) (int64, bool) {
	n, letter := 0, false
	for n < len(p) && n < 9 && (isDigit(p[n]) || ('A' <= p[n] && p[n] <= 'F')) {
		letter = letter || !isDigit(p[n])
		n++
	}
	if n < 4 || n > 8 || !letter || (n < len(p) && (isLetter(p[n]) || isDigit(p[n]))) {
		return 0, false
	}
	v, _ := hexAt(append([]byte("0x"), p[:n]...))
	return v, true
}

// numberBefore reads a number that ends just before the words.
func numberBefore(p []byte) (int64, bool) {
	p = trimSpace(p)
	i := len(p)
	for i > 0 && isDigit(p[i-1]) {
		i--
	}
	if i == len(p) || len(p)-i > 6 || (i > 0 && (isLetter(p[i-1]) || p[i-1] == '-')) {
		return 0, false
	}
	v, _ := atoi(p[i:])
	return v, true
}
