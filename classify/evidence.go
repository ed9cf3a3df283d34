package classify

import (
	"sort"
	"strings"
	"unicode/utf8"

	"smsfail"
)

// Bounds that keep memory independent of the log's size.
const (
	maxEvidenceText = 400 // bytes of a line kept as evidence
	maxCodes        = 32  // distinct codes kept per scope
	maxFindingCodes = 12  // codes a finding lists
	maxEvidence     = 10  // evidence lines a finding lists
	hitsKept        = 3   // lines kept per rule
	errorLinesKept  = 5   // error-looking lines kept per scope
)

// kept is a line kept as evidence. Its buffer is reused when the slot is
// overwritten, so keeping the latest lines of a huge log allocates nothing.
type kept struct {
	line int
	text []byte
	cut  bool
}

func (k *kept) set(line int, t []byte) {
	k.line = line
	k.cut = len(t) > maxEvidenceText
	if k.cut {
		t = t[:maxEvidenceText]
	}
	k.text = append(k.text[:0], t...)
}

// evidence returns the line for a finding: made valid UTF-8 whatever the
// decoder let through, and cut at a character boundary. Each invalid byte
// becomes a three-byte U+FFFD, so the text is cut again after that.
func (k *kept) evidence() smsfail.Evidence {
	t, cut := k.text, k.cut
	if cut {
		n := len(t)
		for n > 0 && len(t)-n < utf8.UTFMax && !utf8.RuneStart(t[n-1]) {
			n--
		}
		if n > 0 && !utf8.FullRune(t[n-1:]) {
			t = t[:n-1]
		}
	}
	s := strings.ToValidUTF8(string(t), "\uFFFD")
	if len(s) > maxEvidenceText {
		n := maxEvidenceText
		for !utf8.RuneStart(s[n]) {
			n--
		}
		s, cut = s[:n], true
	}
	if cut {
		s += " …"
	}
	return smsfail.Evidence{Line: k.line, Text: s}
}

// ring keeps the last lines given to it.
type ring struct {
	items []kept
	next  int
	size  int
}

func newRing(size int) ring { return ring{size: size} }

func (r *ring) add(line int, t []byte) {
	if len(r.items) < r.size {
		r.items = append(r.items, kept{})
		r.items[len(r.items)-1].set(line, t)
		return
	}
	r.items[r.next].set(line, t)
	r.next = (r.next + 1) % r.size
}

// reset empties the ring, keeping its buffers.
func (r *ring) reset() {
	r.items = r.items[:0]
	r.next = 0
}

// lines returns the kept lines, oldest first.
func (r *ring) lines() []smsfail.Evidence {
	out := make([]smsfail.Evidence, 0, len(r.items))
	for i := range r.items {
		out = append(out, r.items[(r.next+i)%len(r.items)].evidence())
	}
	return out
}

// seenCode is a code and the lines it was found on.
type seenCode struct {
	key     codeKey
	byText  bool // only ever read from a message's words, never from its number
	firstEv kept // the first line it was found on: MSI writes the fullest message first
	ev      kept // the last line it was found on
}

// codeSet keeps the distinct codes of a scope; when full, the code found
// least recently gives way, since the failure is at the end.
type codeSet struct{ codes []seenCode }

func (s *codeSet) add(k codeKey, line int, t []byte, byText bool) {
	for i := range s.codes {
		if s.codes[i].key == k {
			s.codes[i].ev.set(line, t)
			s.codes[i].byText = s.codes[i].byText && byText
			return
		}
	}
	var c *seenCode
	if len(s.codes) < maxCodes {
		s.codes = append(s.codes, seenCode{})
		c = &s.codes[len(s.codes)-1]
	} else {
		c = &s.codes[0]
		for i := range s.codes {
			if s.codes[i].ev.line < c.ev.line {
				c = &s.codes[i]
			}
		}
	}
	c.key, c.byText = k, byText
	c.firstEv.set(line, t)
	c.ev.set(line, t)
}

// evidence returns the first and last lines the code was found on.
func (c *seenCode) evidence() []smsfail.Evidence {
	if c.firstEv.line == c.ev.line {
		return []smsfail.Evidence{c.ev.evidence()}
	}
	return []smsfail.Evidence{c.firstEv.evidence(), c.ev.evidence()}
}

func (s *codeSet) reset() { s.codes = s.codes[:0] }

// unexplained reports whether the scope names an error of its own: an MSI
// error number, an update.exe extended code other than the masked 1603, or
// an HRESULT other than 1603's.
func (s *codeSet) unexplained() bool {
	for _, c := range s.codes {
		switch c.key.kind {
		case CodeMSIError:
			return true
		case CodeExtended:
			if c.key.value != 0x643 {
				return true
			}
		case CodeHRESULT:
			if c.key.value != 0x80070643 {
				return true
			}
		}
	}
	return false
}

func (s *codeSet) find(k codeKey) (*seenCode, bool) {
	for i := range s.codes {
		if s.codes[i].key == k {
			return &s.codes[i], true
		}
	}
	return nil, false
}

// list returns the codes in the order they first appeared, the most recent
// ones when there are more than a finding lists.
func (s *codeSet) list() []smsfail.Code {
	cs := make([]seenCode, len(s.codes))
	copy(cs, s.codes)
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].firstEv.line != cs[j].firstEv.line {
			return cs[i].firstEv.line < cs[j].firstEv.line
		}
		return cs[i].key.String() < cs[j].key.String()
	})
	if len(cs) > maxFindingCodes {
		cs = cs[len(cs)-maxFindingCodes:]
	}
	out := make([]smsfail.Code, len(cs))
	for i, c := range cs {
		out[i] = c.key.code()
	}
	return out
}

// mergeEvidence sorts lines by number, drops repeats and keeps the ones
// nearest the failure when there are too many.
func mergeEvidence(groups ...[]smsfail.Evidence) []smsfail.Evidence {
	var all []smsfail.Evidence
	for _, g := range groups {
		all = append(all, g...)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Line < all[j].Line })
	out := make([]smsfail.Evidence, 0, len(all))
	for _, e := range all {
		if n := len(out); n > 0 && out[n-1].Line == e.Line && out[n-1].Text == e.Text {
			continue
		}
		out = append(out, e)
	}
	if len(out) > maxEvidence {
		out = out[len(out)-maxEvidence:]
	}
	return out
}
