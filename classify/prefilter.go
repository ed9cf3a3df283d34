package classify

import (
	"bytes"
	"regexp/syntax"
	"unicode/utf8"
)

// A prefilter lists literals one of which every match of a rule's pattern
// contains. Looking for them with bytes.Index is many times faster than
// running the regular expression, and most log lines contain none of them,
// which is what keeps classification above 100 MB/s with dozens of rules.
type prefilter []literal

type literal struct {
	text []byte // lower-case when fold
	fold bool   // ASCII case-insensitive
}

// newPrefilter derives the required literals of a parsed pattern; nil means
// the pattern has none worth looking for and runs on every line.
func newPrefilter(re *syntax.Regexp) prefilter {
	lits := required(re)
	for _, l := range lits {
		if len(l.text) < 2 {
			return nil
		}
	}
	return lits
}

func required(re *syntax.Regexp) prefilter {
	switch re.Op {
	case syntax.OpLiteral:
		return literalOf(re)
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best prefilter
		for _, sub := range re.Sub {
			if l := required(sub); l != nil && (best == nil || l.shortest() > best.shortest()) {
				best = l
			}
		}
		return best
	case syntax.OpAlternate:
		var all prefilter
		for _, sub := range re.Sub {
			l := required(sub)
			if l == nil {
				return nil
			}
			all = append(all, l...)
		}
		return all
	}
	return nil
}

func literalOf(re *syntax.Regexp) prefilter {
	fold := re.Flags&syntax.FoldCase != 0
	var b []byte
	for _, r := range re.Rune {
		if fold && r >= utf8.RuneSelf {
			return nil // non-ASCII case folding: let the pattern decide
		}
		if fold && 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b = utf8.AppendRune(b, r)
	}
	return prefilter{{text: b, fold: fold}}
}

func (p prefilter) shortest() int {
	n := -1
	for _, l := range p {
		if n < 0 || len(l.text) < n {
			n = len(l.text)
		}
	}
	return n
}

// admits reports whether a line may match: it holds one of the literals.
func (p prefilter) admits(line []byte) bool {
	if p == nil {
		return true
	}
	for _, l := range p {
		if l.fold {
			if indexFold(line, l.text) {
				return true
			}
		} else if bytes.Contains(line, l.text) {
			return true
		}
	}
	return false
}

// indexFold reports whether s contains lit (lower-case ASCII) ignoring case.
// It follows the next lower- and upper-case first byte each on its own, so
// that neither is searched for again from the same place: a line full of
// one and free of the other costs one pass, not one pass per occurrence.
func indexFold(s, lit []byte) bool {
	lo, up := lit[0], lit[0]
	if 'a' <= lo && lo <= 'z' {
		up = lo - ('a' - 'A')
	}
	nextLo, nextUp := indexByteFrom(s, 0, lo), indexByteFrom(s, 0, up)
	for {
		i := nextLo
		if nextUp >= 0 && (i < 0 || nextUp < i) {
			i = nextUp
		}
		if i < 0 || len(s)-i < len(lit) {
			return false
		}
		if bytes.EqualFold(s[i:i+len(lit)], lit) {
			return true
		}
		if i == nextLo {
			nextLo = indexByteFrom(s, i+1, lo)
		}
		if i == nextUp {
			nextUp = indexByteFrom(s, i+1, up)
		}
	}
}

// indexByteFrom is bytes.IndexByte from a position on: the position in s,
// or -1.
func indexByteFrom(s []byte, from int, c byte) int {
	if i := bytes.IndexByte(s[from:], c); i >= 0 {
		return from + i
	}
	return -1
}
