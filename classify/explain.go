package classify

import (
	"fmt"
	"io"

	"smsfail"
)

// Explanation says how a finding was reached: the rules that matched, the
// one that decided and why it won, and the error-looking lines the engine
// read and set aside as not deciding.
type Explanation struct {
	Considered []Considered    `json:"considered"` // every rule that matched, the deciding one first
	Decision   string          `json:"decision"`   // why the first won, or why no rule did
	SetAside   []SetAsideEntry `json:"set_aside"`  // lines that never decide, and why
}

// Considered is a rule that matched the log.
type Considered struct {
	Rule     string             `json:"rule"`
	Cause    string             `json:"cause"`
	Priority int                `json:"priority"`
	Nearest  int                `json:"nearest_line"` // its evidence nearest the failure
	ByText   bool               `json:"by_text"`      // its codes were read from messages' words, not numbers
	Evidence []smsfail.Evidence `json:"evidence"`
}

// SetAsideEntry is a line that looks like an error and does not decide.
type SetAsideEntry struct {
	Line   int    `json:"line"`
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// Explain classifies a log like Classify and says how the finding was
// reached. It costs a little more than Classify: it keeps the lines it sets
// aside.
func (r *Rules) Explain(rd io.Reader) (smsfail.Finding, Explanation, error) {
	s := r.newScan()
	s.explain = true
	if err := eachEntry(rd, s.entry); err != nil {
		return smsfail.Finding{}, Explanation{}, fmt.Errorf("cannot read log: %w", err)
	}
	f, x := s.finish()
	return f, x, nil
}

func considered(cands []candidate) []Considered {
	out := make([]Considered, len(cands))
	for i, c := range cands {
		out[i] = Considered{Rule: c.rule.id, Cause: c.rule.cause, Priority: c.rule.priority,
			Nearest: c.last, ByText: c.byText, Evidence: mergeEvidence(c.evidence)}
	}
	return out
}

// decision says why the first candidate won over the others.
func (s *scan) decision(cands []candidate) string {
	c := cands[0]
	var why string
	switch {
	case len(cands) == 1:
		why = "the only rule that matched"
	case cands[1].rule.priority < c.rule.priority:
		why = fmt.Sprintf("highest priority (%d; next %s at %d)", c.rule.priority, cands[1].rule.id, cands[1].rule.priority)
	case cands[1].last < c.last:
		why = fmt.Sprintf("same priority as %s, evidence nearer the failure (line %d, against %d)", cands[1].rule.id, c.last, cands[1].last)
	default:
		why = fmt.Sprintf("same priority and nearness as %s, first by id", cands[1].rule.id)
	}
	var how string
	switch {
	case c.weak:
		how = "; only an informational message names it, as no error does"
	case c.byText:
		how = "; its message was known by its words, without its number"
	case c.rule.pattern == nil && len(c.rule.codes) == 0:
		how = "; only the failing action points at it"
	}
	failure := ""
	switch {
	case s.fail.rv3:
		failure = fmt.Sprintf("; the failure: Return value 3 on line %d", s.fail.rv3Line.line)
	case s.fail.shown:
		failure = "; the log shows the failure"
	default:
		failure = "; the log does not show the failure itself"
	}
	return fmt.Sprintf("%s decided (%s): %s%s%s", c.rule.id, c.rule.cause, why, how, failure)
}

// asideKept bounds the lines an explanation sets aside.
const asideKept = 8

// asides keeps the last lines set aside, with their reasons.
type asides struct {
	lines   ring
	reasons []string // parallel to lines.items
}

func (a *asides) add(line int, t []byte, reason string) {
	if len(a.lines.items) < a.lines.size {
		a.reasons = append(a.reasons, reason)
	} else {
		a.reasons[a.lines.next] = reason
	}
	a.lines.add(line, t)
}

func (a *asides) list() []SetAsideEntry {
	n := len(a.lines.items)
	out := make([]SetAsideEntry, 0, n)
	for i := range n {
		j := (a.lines.next + i) % n
		e := a.lines.items[j].evidence()
		out = append(out, SetAsideEntry{Line: e.Line, Text: e.Text, Reason: a.reasons[j]})
	}
	return out
}

// setAside notes a line that will not decide, when explaining.
func (s *scan) setAside(line int, t []byte, reason string) {
	if s.explain {
		s.aside.add(line, t, reason)
	}
}
