package classify

import (
	"bytes"
	"fmt"
	"io"

	"smsfail"
)

// Scope indexes, in the order of the scopes slice.
const (
	scopeAnywhere = iota
	scopeSession
	scopeBeforeFail
)

// decideVotes is how many lines of one kind, with few of another, settle
// a log's kind early; from then on only that kind's rules are tried.
const decideVotes = 8

// scopeState is what is known of one scope of the log.
type scopeState struct {
	codes codeSet
	errs  ring // the last error-looking lines
}

// failState is what the current session shows of the failure.
type failState struct {
	shown    bool // the log shows the install failed
	rv3      bool // the first "Return value 3" was seen
	rv3Line  kept
	action   string // action on the first "Return value 3" line
	deferred string // deferred action running when the script failed
	rollback bool   // the rollback script has started
	keys     ring   // masked and extended codes, message to the user, failure lines
}

// scan is the state of one classification: one pass over one log.
type scan struct {
	rules     *Rules
	active    []*rule
	hits      []ring // per rule, in rules.rules order
	scope     [3]scopeState
	fail      failState
	votes     [4]int // per kind, in logKinds order
	kind      smsfail.LogKind
	lastReset int
	sessions  int      // session headers seen
	tail      ring     // the last lines of the log, for a log with no error at all
	msiSource bool     // an MsiInstaller event source was seen
	weak      codeSet  // codes of informational messages in the session, before the failure
	explain   bool     // keep what is set aside, for an Explanation
	seen      []uint32 // per rule: the entry (gen) that holds one of its literals
	gen       uint32
	aside     asides
}

// entryFacts is what one entry showed.
type entryFacts struct {
	codes    [8]codeKey
	n        int
	byText   uint8   // bit i: codes[i] was read from a message's words, not its number
	errorish bool    // looks like an error: kept for unclassified findings
	quiet    bool    // known noise, however it looks
	done     bool    // its codes are read: no general search for more
	key      bool    // shows the failure or its message: kept as evidence
	numbered bool    // holds a message number: its words need no reading
	failure  bool    // says the installation failed
	info     codeKey // the number of an informational message ("Info 1310.")
	hasInfo  bool
	aside    string // why the entry never decides, for an Explanation
	product  []byte // the text after "Product: X -- ", when msiEntry found it
}

func (f *entryFacts) add(kind string, v int64) {
	for _, k := range f.codes[:f.n] {
		if k.kind == kind && k.value == v {
			return
		}
	}
	if f.n < len(f.codes) {
		f.codes[f.n] = codeKey{kind: kind, value: v}
		f.n++
	}
}

// addText adds a code known by the words of its message.
func (f *entryFacts) addText(kind string, v int64) {
	n := f.n
	f.add(kind, v)
	if f.n > n {
		f.byText |= 1 << n
	}
	f.errorish = true
}

// Classify reads one decoded log in a single pass and returns its cause.
// Memory stays bounded whatever the log's size; the error is only for a
// failing read, since a garbled log still yields a Finding.
func (r *Rules) Classify(rd io.Reader) (smsfail.Finding, error) {
	s := r.newScan()
	if err := eachEntry(rd, s.entry); err != nil {
		return smsfail.Finding{}, fmt.Errorf("cannot read log: %w", err)
	}
	f, _ := s.finish()
	return f, nil
}

func (r *Rules) newScan() *scan {
	s := &scan{rules: r, hits: make([]ring, len(r.rules)), tail: newRing(3), seen: make([]uint32, len(r.rules))}
	for i, x := range r.rules {
		s.hits[i] = newRing(hitsKept)
		if !x.disabled {
			s.active = append(s.active, x)
		}
	}
	for i := range s.scope {
		s.scope[i].errs = newRing(errorLinesKept)
	}
	s.fail.keys = newRing(6)
	s.aside.lines = newRing(asideKept)
	return s
}

func (s *scan) entry(line int, t []byte) {
	s.vote(t)
	body := t
	if n := elapsedPrefix(t); n > 0 {
		body = t[n:]
	}
	if s.startsSession(line, t, body) {
		// What came before the first header is a session only if it
		// showed a failure: a pasted message before a log is part of it.
		if s.sessions > 0 || s.fail.shown {
			s.newSession(line)
		}
		s.sessions++
		s.lastReset = line
	}
	var f entryFacts
	s.read(line, t, body, &f)
	if f.failure && !f.quiet {
		s.fail.shown = true
		f.key = f.key || !s.fail.rv3
	}
	s.record(line, t, &f)
	if !f.quiet {
		s.applyRules(line, t)
	}
	s.tail.add(line, t)
}

// read gathers what one entry shows: message numbers and codes, the
// messages known by their words, whether it shows the failure or is noise.
func (s *scan) read(line int, t, body []byte, f *entryFacts) {
	if s.kind != smsfail.KindUpdateExe {
		s.msiEntry(line, t, f)
	}
	if s.kind != smsfail.KindMSIVerbose {
		s.updateEntry(body, f)
	}
	if s.kind == "" || s.kind == smsfail.KindMSIEvent {
		s.eventEntry(t, f)
	}
	words := wordsToRead(t, f, s.kind != smsfail.KindUpdateExe)
	if words != nil && !f.quiet && !f.numbered && !f.done {
		s.textCodes(words, f)
	}
	if !f.errorish && !f.quiet {
		f.errorish = errorLooking(t)
	}
	switch {
	case f.quiet || f.done:
	case f.errorish || f.n > 0:
		systemCodes(t, len(body) < len(t) || s.kind == smsfail.KindUpdateExe, f)
	case words != nil && bytes.Contains(t, hexMark):
		hexCodes(t, false, f) // "Apply complete, result: 0x80070643"
	}
	if infoLevel(t) {
		f.n, f.errorish, f.aside = 0, false, "logged at Info level"
	}
}

// record files the entry's codes and the entry itself under the scopes
// that are open.
func (s *scan) record(line int, t []byte, f *entryFacts) {
	for i := range s.scope {
		if i == scopeBeforeFail && s.pastFailure(line) {
			continue
		}
		sc := &s.scope[i]
		for j, k := range f.codes[:f.n] {
			sc.codes.add(k, line, t, f.byText&(1<<j) != 0)
		}
		if f.errorish || f.n > 0 {
			sc.errs.add(line, t)
		}
	}
	if f.key {
		s.fail.keys.add(line, t)
	}
	if f.hasInfo && !s.pastFailure(line) {
		s.weak.add(f.info, line, t, false)
	}
	if s.explain {
		s.noteAside(line, t, f)
	}
}

// noteAside keeps, for an Explanation, an error-looking line that will not
// decide and why.
func (s *scan) noteAside(line int, t []byte, f *entryFacts) {
	switch {
	case f.aside != "":
		s.setAside(line, t, f.aside)
	case (f.errorish || f.n > 0) && s.fail.rv3 && s.pastFailure(line):
		s.setAside(line, t, "after the first Return value 3: the rollback and what follows it never decide")
	case (f.errorish || f.n > 0) && s.fail.rollback && s.pastFailure(line):
		s.setAside(line, t, "logged while rolling back")
	}
}

// infoLevel tells the lines of logs that mark their level, where "Info"
// says an error-looking line is benign: CBS and CSI ("2026-08-10 14:12:03,
// Info  CBS  Failed setting restore point").
func infoLevel(t []byte) bool {
	i := bytes.Index(t[:min(len(t), 32)], []byte("Info "))
	if i < 0 || (i > 0 && t[i-1] != ' ') {
		return false
	}
	rest := bytes.TrimLeft(t[i+5:], " ")
	return bytes.HasPrefix(rest, []byte("CBS ")) || bytes.HasPrefix(rest, []byte("CSI "))
}

// pastFailure reports whether an entry lies beyond what explains the
// failure: after the line of the first "Return value 3", or in a rollback
// logged before it, whose errors come from undoing the install.
func (s *scan) pastFailure(line int) bool {
	if s.fail.rv3 {
		return s.fail.rv3Line.line != line
	}
	return s.fail.rollback
}

func (s *scan) applyRules(line int, t []byte) {
	if s.gen++; s.gen == 0 { // after four billion entries: start the marks afresh
		clear(s.seen)
		s.gen = 1
	}
	s.rules.lits.mark(t, s.seen, s.gen)
	for _, r := range s.active {
		if r.pattern == nil || (r.scope == scopeBeforeFail && s.pastFailure(line)) {
			continue
		}
		if (r.pre == nil || s.seen[r.index] == s.gen) && r.pattern.Match(t) {
			s.hits[r.index].add(line, t)
		}
	}
}

// vote counts the line towards a log kind, and settles the kind once the
// evidence is clear.
func (s *scan) vote(t []byte) {
	switch {
	case bytes.HasPrefix(t, msiPrefix) && isMSIPrefix(t),
		bytes.HasPrefix(t, actionStartPrefix), bytes.HasPrefix(t, actionEndedPrefix),
		bytes.HasPrefix(t, []byte("=== ")), bytes.HasPrefix(t, []byte("Property(")):
		s.votes[1]++
	case elapsedPrefix(t) > 0:
		s.votes[0]++
	}
	if s.kind != "" {
		return
	}
	if bytes.Contains(t, []byte("MsiInstaller")) {
		s.votes[2] += 2
		s.msiSource = true
	}
	if bytes.Contains(t, []byte("pdate.exe")) {
		s.votes[0] += 2
	}
	for k, v := range s.votes {
		if v < decideVotes {
			continue
		}
		clear := true
		for o, w := range s.votes {
			if o != k && w*4 > v {
				clear = false
			}
		}
		if clear {
			s.decide(logKinds[k])
		}
	}
}

func (s *scan) decide(kind smsfail.LogKind) {
	s.kind = kind
	bit := kindBit(kind)
	active := s.active[:0]
	for _, r := range s.active {
		if r.kinds&bit != 0 {
			active = append(active, r)
		}
	}
	s.active = active
}

// finalKind is the settled kind, or the best guess from the votes.
func (s *scan) finalKind() smsfail.LogKind {
	if s.kind != "" {
		return s.kind
	}
	best := -1
	for _, k := range []int{1, 0, 2} { // MSI first on a tie: its lines are unmistakable
		if s.votes[k] > 0 && (best < 0 || s.votes[k] > s.votes[best]) {
			best = k
		}
	}
	if best < 0 {
		return smsfail.KindUnknown
	}
	return logKinds[best]
}

// startsSession tells the header of a new run appended to the log: an MSI
// "=== Verbose logging started" line or update.exe's "(local)" time header
// and "started with following command line".
func (s *scan) startsSession(line int, t, body []byte) bool {
	if bytes.HasPrefix(t, []byte("=== ")) {
		return bytes.Contains(t, []byte("started")) || bytes.Contains(t, []byte(".exe")) || bytes.Contains(t, []byte(":\\"))
	}
	if len(body) == len(t) {
		return false
	}
	if bytes.HasSuffix(body, []byte("(local)")) && len(body) >= 20 && body[4] == '/' {
		return true
	}
	return line-s.lastReset > 5 && bytes.Contains(body, []byte("started with following command line"))
}

func (s *scan) newSession(line int) {
	s.lastReset = line
	for i := scopeSession; i <= scopeBeforeFail; i++ {
		s.scope[i].codes.reset()
		s.scope[i].errs.reset()
	}
	s.weak.reset()
	keys := s.fail.keys
	keys.reset()
	s.fail = failState{keys: keys}
	for _, r := range s.rules.rules {
		if r.scope != scopeAnywhere {
			s.hits[r.index].reset()
		}
	}
}
