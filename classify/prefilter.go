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
// prefilters it holds. A literal is looked for by its rarest four bytes
// (ASCII case ignored; the first two of a shorter one): a line is walked
// once whatever the number of rules, where looking for each literal on its
// own walked it once per literal.
type literalIndex struct {
	lits  []anchoredLiteral
	heads []int32            // per anchor hash: the first literal with it, -1 if none
	pairs map[uint32][]int32 // anchor of two bytes (literals shorter than four) -> lits
	mayQ  [anchorBits / 64]uint64
	mayP  [1 << 16 / 64]uint64
}

// anchorBits is the size of the filter on four-byte anchors: most places
// of a line are turned away by one bit test.
const anchorBits = 1 << 16

type anchoredLiteral struct {
	literal
	off  int   // where the anchor starts in the literal
	rule int   // index of the rule in Rules.rules
	next int32 // the next literal whose anchor has the same hash, -1 if none
}

func newLiteralIndex(rules []*rule) *literalIndex {
	x := &literalIndex{heads: make([]int32, anchorBits), pairs: map[uint32][]int32{}}
	for i := range x.heads {
		x.heads[i] = -1
	}
	for _, r := range rules {
		for _, l := range r.pre {
			j := int32(len(x.lits))
			if len(l.text) >= 4 {
				off := rarestAnchor(l.text, 4)
				h := quadHash(quadKey(l.text[off:]))
				x.lits = append(x.lits, anchoredLiteral{literal: l, off: off, rule: r.index, next: x.heads[h]})
				x.heads[h] = j
				x.mayQ[h/64] |= 1 << (h % 64)
				continue
			}
			k := uint32(foldByte(l.text[0]))<<8 | uint32(foldByte(l.text[1]))
			x.pairs[k] = append(x.pairs[k], j)
			x.mayP[k/64] |= 1 << (k % 64)
			x.lits = append(x.lits, anchoredLiteral{literal: l, rule: r.index, next: -1})
		}
	}
	return x
}

// foldByte folds ASCII case for the anchors, cheaply: it also folds some
// punctuation together ("@" and "`"), which only lets a few more places
// through to the exact comparison.
func foldByte(c byte) byte { return c | 0x20 }

func quadKey(b []byte) uint32 {
	return uint32(foldByte(b[0]))<<24 | uint32(foldByte(b[1]))<<16 | uint32(foldByte(b[2]))<<8 | uint32(foldByte(b[3]))
}

func quadHash(k uint32) uint32 { return (k * 0x9E3779B1) >> 16 }

// rarestAnchor picks the n bytes of a literal least common in log text:
// spaces, digits and letters like e, t, a, i, n, s, r, o are everywhere.
func rarestAnchor(lit []byte, n int) int {
	best, bestScore := 0, 1<<30
	for i := 0; i+n <= len(lit); i++ {
		s := 0
		for _, c := range lit[i : i+n] {
			s += byteCommonness(c)
		}
		if s < bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

// byteCommonness ranks a byte by how often it occurs in logs: spaces,
// digits and the commonest letters most, then the punctuation of paths
// and times, rare letters least.
func byteCommonness(c byte) int {
	c = lowerASCII(c)
	switch {
	case c == ' ':
		return 14
	case isDigit(c), c == 'e':
		return 12
	case bytes.IndexByte([]byte("taoinsr"), c) >= 0:
		return 10
	case bytes.IndexByte([]byte("lcduhpfg.:\\/-_()[]"), c) >= 0: // p, f, g: Property, File, Adding in every MSI log
		return 8
	case c == 'm', c == 'x': // x: Executing
		return 6
	case bytes.IndexByte([]byte("ybwv"), c) >= 0:
		return 4
	case bytes.IndexByte([]byte("kqjz"), c) >= 0:
		return 2
	case c >= utf8.RuneSelf:
		return 1
	}
	return 5
}

// equalASCIIFold compares w with lit (ASCII, in lower case: a folded
// literal is never anything else) ignoring ASCII case.
func equalASCIIFold(w, lit []byte) bool {
	for i, c := range lit {
		if lowerASCII(w[i]) != c {
			return false
		}
	}
	return true
}

// mark sets seen[rule] = gen for every rule a literal of which t holds.
func (x *literalIndex) mark(t []byte, seen []uint32, gen uint32) {
	if len(x.pairs) > 0 {
		x.markPairs(t, seen, gen)
	}
	if len(t) < 4 {
		return
	}
	k := uint32(foldByte(t[0]))<<16 | uint32(foldByte(t[1]))<<8 | uint32(foldByte(t[2]))
	for i := 3; i < len(t); i++ {
		k = k<<8 | uint32(foldByte(t[i]))
		if h := quadHash(k); x.mayQ[h/64]&(1<<(h%64)) != 0 {
			for j := x.heads[h]; j >= 0; j = x.lits[j].next {
				x.check(t, i-3, &x.lits[j], seen, gen)
			}
		}
	}
}

func (x *literalIndex) markPairs(t []byte, seen []uint32, gen uint32) {
	for i := 0; i+1 < len(t); i++ {
		k := uint32(foldByte(t[i]))<<8 | uint32(foldByte(t[i+1]))
		if x.mayP[k/64]&(1<<(k%64)) != 0 {
			for _, j := range x.pairs[k] {
				x.check(t, i, &x.lits[j], seen, gen)
			}
		}
	}
}

// check compares a literal anchored at t[at:] with the line.
func (x *literalIndex) check(t []byte, at int, l *anchoredLiteral, seen []uint32, gen uint32) {
	start := at - l.off
	if start < 0 || start+len(l.text) > len(t) || seen[l.rule] == gen {
		return
	}
	w := t[start : start+len(l.text)]
	if (l.fold && equalASCIIFold(w, l.text)) || (!l.fold && bytes.Equal(w, l.text)) {
		seen[l.rule] = gen
	}
}
