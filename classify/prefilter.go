package classify

import (
	"bytes"
	"regexp/syntax"
	"unicode/utf8"
)

// A prefilter lists literals one of which every match of a rule's pattern
// contains. Looking for them (all rules' at once, see literalIndex) is many
// times faster than running the regular expressions, and most log lines
// contain none of them, which is what keeps classification fast with
// dozens of rules.
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

// literalIndex finds in one pass over a line which literals of which rules'
// prefilters it holds. Each literal is looked for by its rarest pair of
// bytes (ASCII case ignored): a line is walked once whatever the number of
// rules, where looking for each literal on its own walked it once per
// literal.
type literalIndex struct {
	lits  []anchoredLiteral
	pairs map[uint16][]int32 // anchor pair -> lits
	may   [1 << 16 / 64]uint64
}

type anchoredLiteral struct {
	literal
	off  int // where the anchor pair starts in the literal
	rule int // index of the rule in Rules.rules
}

func newLiteralIndex(rules []*rule) *literalIndex {
	x := &literalIndex{pairs: map[uint16][]int32{}}
	for _, r := range rules {
		for _, l := range r.pre {
			off := rarestPair(l.text)
			k := pairKey(l.text[off], l.text[off+1])
			x.pairs[k] = append(x.pairs[k], int32(len(x.lits)))
			x.may[k/64] |= 1 << (k % 64)
			x.lits = append(x.lits, anchoredLiteral{literal: l, off: off, rule: r.index})
		}
	}
	return x
}

func pairKey(a, b byte) uint16 { return uint16(lowerASCII(a))<<8 | uint16(lowerASCII(b)) }

// rarestPair picks the pair of bytes of a literal least common in log
// text: letters like e, t, a and spaces and digits are everywhere.
func rarestPair(lit []byte) int {
	best, bestScore := 0, 1<<30
	for i := 0; i+1 < len(lit); i++ {
		if s := byteCommonness(lit[i]) + byteCommonness(lit[i+1]); s < bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

func byteCommonness(c byte) int {
	c = lowerASCII(c)
	switch {
	case c == ' ':
		return 12
	case bytes.IndexByte([]byte("etaoinsr"), c) >= 0:
		return 9
	case isDigit(c), bytes.IndexByte([]byte("lhdcum.:\\/-_"), c) >= 0:
		return 6
	case c >= utf8.RuneSelf:
		return 1
	}
	return 3
}

// mark sets seen[rule] = gen for every rule a literal of which t holds.
func (x *literalIndex) mark(t []byte, seen []uint32, gen uint32) {
	for i := 0; i+1 < len(t); i++ {
		k := pairKey(t[i], t[i+1])
		if x.may[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		for _, j := range x.pairs[k] {
			l := &x.lits[j]
			start := i - l.off
			if start < 0 || start+len(l.text) > len(t) || seen[l.rule] == gen {
				continue
			}
			w := t[start : start+len(l.text)]
			if (l.fold && bytes.EqualFold(w, l.text)) || (!l.fold && bytes.Equal(w, l.text)) {
				seen[l.rule] = gen
			}
		}
	}
}
