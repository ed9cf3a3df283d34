package classify

import (
	"sort"

	"smsfail"
)

// candidate is a rule that matched, with the lines that prove it.
type candidate struct {
	rule     *rule
	evidence []smsfail.Evidence
	last     int  // line of the evidence nearest the failure
	byText   bool // its codes were read only from messages' words
	weak     bool // only an informational message names it
}

// Confidence says how directly the evidence decided a finding.
const (
	// ConfidenceHigh: a numbered error, a code or a tell-tale line decided,
	// and the log shows the failure it explains.
	ConfidenceHigh = "high"
	// ConfidenceMedium: the deciding message was known by its words alone,
	// or the log does not show the failure it would explain.
	ConfidenceMedium = "medium"
	// ConfidenceLow: no error decided (no-detail, unclassified), or only
	// the failing action's name or an informational message points at it.
	ConfidenceLow = "low"
)

// finish decides the cause once the whole log is read: the matching rule
// of highest priority, on a tie the one whose evidence is nearest the
// failure, then the lowest id; else no-detail when the log shows the
// failure and nothing more, else unclassified: a log that names an error
// no rule knows is a rule to write, not a log without detail.
func (s *scan) finish() (smsfail.Finding, Explanation) {
	kind := s.finalKind()
	action := s.failingAction()
	cands := s.candidates(kind, action, false)
	sc := &s.scope[defaultScope(kind)]
	if len(cands) == 0 && !sc.codes.unexplained() {
		cands = s.candidates(kind, action, true)
	}
	f := smsfail.Finding{Kind: kind, Action: action}
	keys := s.fail.keys.lines()
	if s.fail.rv3 {
		keys = append(keys, s.fail.rv3Line.evidence())
	}
	x := Explanation{Considered: considered(cands), SetAside: s.aside.list()}
	if len(cands) > 0 {
		c := cands[0]
		s.describe(&f, c.rule.cause, c.rule.title, c.rule.remediation)
		f.Rule = c.rule.id
		f.Codes = s.scope[c.rule.scope].codes.list()
		f.Evidence = mergeEvidence(c.evidence, keys)
		f.Confidence = s.confidence(c)
		x.Decision = s.decision(cands)
		return f, x
	}
	f.Codes = sc.codes.list()
	f.Confidence = ConfidenceLow
	if s.fail.shown && !sc.codes.unexplained() {
		s.describe(&f, smsfail.CauseNoDetail, "", "")
		f.Evidence = mergeEvidence(sc.errs.lines(), keys)
		x.Decision = "no rule matched; the log shows the failure and no error that names its cause: no-detail"
		return f, x
	}
	s.describe(&f, smsfail.CauseUnclassified, "", "")
	x.Decision = "no rule matched, and the log does not show the failure: unclassified"
	if sc.codes.unexplained() {
		x.Decision = "no rule matched an error the log names: unclassified (a rule to write)"
	}
	f.Evidence = mergeEvidence(sc.errs.lines())
	if len(f.Evidence) == 0 {
		f.Evidence = mergeEvidence(s.scope[scopeAnywhere].errs.lines())
	}
	if len(f.Evidence) == 0 {
		f.Evidence = s.tail.lines()
	}
	return f, x
}

// candidates are the rules of a kind of log that match, best first. weak
// matches the codes of informational messages instead of the errors: an
// "Info 1310" the user retried tells something when nothing else does.
func (s *scan) candidates(kind smsfail.LogKind, action string, weak bool) []candidate {
	var cands []candidate
	for _, r := range s.rules.rules {
		if r.disabled || r.kinds&kindBit(kind) == 0 || (weak && len(r.codes) == 0) {
			continue
		}
		if c, ok := s.match(r, action, weak); ok {
			cands = append(cands, c)
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.rule.priority != b.rule.priority {
			return a.rule.priority > b.rule.priority
		}
		if a.last != b.last {
			return a.last > b.last
		}
		return a.rule.id < b.rule.id
	})
	return cands
}

func (s *scan) confidence(c candidate) string {
	switch {
	case c.weak || (c.rule.pattern == nil && len(c.rule.codes) == 0):
		return ConfidenceLow
	case c.byText || !s.fail.shown:
		return ConfidenceMedium
	}
	return ConfidenceHigh
}

// defaultScope is where the failure of a kind of log is explained.
func defaultScope(kind smsfail.LogKind) int {
	switch kind {
	case smsfail.KindMSIVerbose:
		return scopeBeforeFail
	case smsfail.KindUpdateExe:
		return scopeSession
	}
	return scopeAnywhere
}

func (s *scan) describe(f *smsfail.Finding, cause, title, remediation string) {
	c := s.rules.causes[cause]
	f.Cause, f.Title, f.Remediation = cause, c.Title, c.Remediation
	if title != "" {
		f.Title = title
	}
	if remediation != "" {
		f.Remediation = remediation
	}
	if f.Codes == nil {
		f.Codes = []smsfail.Code{}
	}
}

// match tests every condition a rule states, in the rule's scope.
func (s *scan) match(r *rule, action string, weak bool) (candidate, bool) {
	c := candidate{rule: r, weak: weak}
	if r.pattern != nil {
		hits := &s.hits[r.index]
		if len(hits.items) == 0 {
			return c, false
		}
		c.evidence = hits.lines()
	}
	if len(r.codes) > 0 {
		codes := &s.scope[r.scope].codes
		if weak {
			codes = &s.weak
		}
		found := false
		c.byText = true
		for _, k := range r.codes {
			if sc, ok := codes.find(k); ok {
				found = true
				c.byText = c.byText && sc.byText
				c.evidence = append(c.evidence, sc.evidence()...)
			}
		}
		if !found {
			return c, false
		}
	}
	if r.action != nil && (action == "" || !r.action.MatchString(action)) {
		return c, false
	}
	if r.customAction && (action == "" || standardActions[action]) {
		return c, false
	}
	for _, e := range c.evidence {
		c.last = max(c.last, e.Line)
	}
	if c.last == 0 && s.fail.rv3 {
		c.last = s.fail.rv3Line.line
	}
	return c, true
}
