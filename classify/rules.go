// Package classify reads the cause of a failed installation out of a
// client's log, the way an expert does by hand: it tells an update.exe log
// from an MSI verbose log or MsiInstaller event text, reads the last
// session, finds the failure (the masked return code, the first
// "Return value 3", a result a tool printed) and the error lines that
// explain it — by their numbers, or by their words when a message lost its
// number, setting aside errors that never decide — and lets rules decide
// which cause they prove, saying how directly (Confidence) and, on request,
// why (Explain). A default rule set is built in; an admin's rules file adds
// rules and overrides built-in ones by id.
package classify

import (
	_ "embed"
	"fmt"
	"maps"
	"os"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"smsfail"
)

//go:embed rules.yaml
var builtinYAML []byte

// SourceBuiltin is the Source of causes and rules that come with smsfail.
const SourceBuiltin = "built-in"

// Scopes: where in a log a rule looks.
const (
	ScopeAnywhere    = "anywhere"              // the whole log
	ScopeLastSession = "last-session"          // the last update.exe run or MSI logging session
	ScopeBeforeFail  = "before-first-return-3" // the last session, up to its first "Return value 3"
)

var scopes = []string{ScopeAnywhere, ScopeLastSession, ScopeBeforeFail}

// Groups: coarse families of causes, shown on the workbook's Causes sheet.
var groups = []string{"client-state", "package", "environment", "install-conflict", "unknown"}

var logKinds = []smsfail.LogKind{smsfail.KindUpdateExe, smsfail.KindMSIVerbose, smsfail.KindMSIEvent, smsfail.KindUnknown}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(?:[-.][a-z0-9]+)*$`)

// defaultPriority is a rule's priority when its file gives none.
const defaultPriority = 50

// Cause is a cause identifier with what an admin reads about it.
type Cause struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Remediation string `json:"remediation"`
	Group       string `json:"group"` // client-state, package, environment, install-conflict, unknown
	// Colour is the cause's colour in the workbook's chart, rows and
	// matrix and in the mail, as "RRGGBB"; "" lets the workbook derive
	// one from the id.
	Colour string `json:"colour,omitempty"`
	Source string `json:"source"` // "built-in" or the rules file that defined or changed it
}

// RuleInfo describes a rule in effect, for listing.
type RuleInfo struct {
	ID         string            `json:"id"`
	Cause      string            `json:"cause"`
	Kinds      []smsfail.LogKind `json:"kinds"`
	Scope      string            `json:"scope"`
	Priority   int               `json:"priority"`
	Match      string            `json:"match"`      // what it matches, as the file wrote it
	Source     string            `json:"source"`     // "built-in" or the rules file
	Overridden bool              `json:"overridden"` // a rules file replaced the built-in rule of this id
	Disabled   bool              `json:"disabled"`
}

// Rules is a compiled rule set. It is read-only once built, so one value
// serves any number of concurrent Classify calls.
type Rules struct {
	causes map[string]Cause
	rules  []*rule // sorted by id
	texts  *textIndex
	lits   *literalIndex // the rules' prefilters, looked for in one pass
}

// rule is one compiled rule.
type rule struct {
	id, cause, title, remediation string
	kinds                         uint8 // bit set of kindBit
	scope                         int   // scopeAnywhere, ...
	priority                      int
	pattern                       *regexp.Regexp
	pre                           prefilter
	codes                         []codeKey
	action                        *regexp.Regexp
	customAction                  bool
	disabled                      bool
	index                         int // position in Rules.rules
	info                          RuleInfo
}

// Builtin returns the default rules. They are compiled on each call so no
// package-level value is shared or mutated.
func Builtin() *Rules {
	f, err := parseFile(SourceBuiltin, builtinYAML)
	if err == nil {
		var r *Rules
		if r, err = build(f, nil); err == nil {
			return r
		}
	}
	panic("classify: built-in rules do not compile: " + err.Error())
}

// Load returns the built-in rules with a rules file's causes and rules laid
// over them. Any mistake in the file is an error naming its line.
func Load(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read rules file %s: %w", path, err)
	}
	user, err := parseFile(path, data)
	if err == nil {
		var base *fileSpec
		if base, err = parseFile(SourceBuiltin, builtinYAML); err == nil {
			var r *Rules
			if r, err = build(base, user); err == nil {
				return r, nil
			}
		}
	}
	return nil, fmt.Errorf("cannot load rules: %w", err)
}

func build(base, user *fileSpec) (*Rules, error) {
	causes, err := buildCauses(base, user)
	if err != nil {
		return nil, err
	}
	specs := map[string]*ruleSpec{}
	sources := map[string]string{}
	overridden := map[string]bool{}
	for _, s := range base.rules {
		specs[s.id], sources[s.id] = s, SourceBuiltin
	}
	if user != nil {
		for _, s := range user.rules {
			if b, ok := specs[s.id]; ok {
				s, overridden[s.id] = mergeRule(b, s), true
			}
			specs[s.id], sources[s.id] = s, user.name
		}
	}
	rs := &Rules{causes: causes, texts: newTextIndex()}
	for _, id := range slices.Sorted(maps.Keys(specs)) {
		r, err := compileRule(specs[id], sources[id], causes)
		if err != nil {
			return nil, err
		}
		r.info.Overridden = overridden[id]
		r.index = len(rs.rules)
		rs.rules = append(rs.rules, r)
	}
	rs.lits = newLiteralIndex(rs.rules)
	return rs, nil
}

func buildCauses(base, user *fileSpec) (map[string]Cause, error) {
	causes := map[string]Cause{}
	add := func(file string, c *causeSpec) error {
		old, known := causes[c.id]
		if !idPattern.MatchString(c.id) {
			return fileError(file, c.line, "cause id %q: use lower-case words joined by hyphens, such as antivirus-lock", c.id)
		}
		n := Cause{ID: c.id, Title: old.Title, Remediation: old.Remediation, Group: old.Group, Colour: old.Colour, Source: file}
		if _, ok := c.set["title"]; ok {
			n.Title = c.title
		}
		if _, ok := c.set["remediation"]; ok {
			n.Remediation = c.remediation
		}
		if _, ok := c.set["group"]; ok {
			n.Group = c.group
		}
		if _, ok := c.set["colour"]; ok {
			n.Colour = c.colour
		}
		if !known && (n.Title == "" || n.Remediation == "") {
			return fileError(file, c.line, "cause %q: a new cause needs a title and a remediation", c.id)
		}
		if n.Group == "" {
			n.Group = "unknown"
		}
		if !slices.Contains(groups, n.Group) {
			return fileError(file, c.set["group"], "cause %q: unknown group %q; groups: %s", c.id, n.Group, strings.Join(groups, ", "))
		}
		causes[c.id] = n
		return nil
	}
	for _, f := range []*fileSpec{base, user} {
		if f == nil {
			continue
		}
		for _, c := range f.causes {
			if err := add(f.name, c); err != nil {
				return nil, err
			}
		}
	}
	for _, id := range []string{smsfail.CauseNoDetail, smsfail.CauseUnclassified} {
		if _, ok := causes[id]; !ok {
			return nil, fmt.Errorf("%s: the cause %q must be defined", base.name, id)
		}
	}
	return causes, nil
}

func compileRule(s *ruleSpec, source string, causes map[string]Cause) (*rule, error) {
	at := func(key string) int {
		if l, ok := s.set[key]; ok {
			return l
		}
		return s.line
	}
	fail := func(key, format string, args ...any) error {
		return fileError(source, at(key), "rule %q: "+format, append([]any{s.id}, args...)...)
	}
	if !idPattern.MatchString(s.id) {
		return nil, fail("id", "use lower-case words joined by hyphens or dots, such as msi-1310")
	}
	r := &rule{id: s.id, cause: s.cause, title: s.title, remediation: s.remediation,
		customAction: s.customAction, disabled: s.disabled}
	if s.cause == "" {
		return nil, fail("id", "no cause: every rule names the cause it proves (cause: ...)")
	}
	if _, ok := causes[s.cause]; !ok {
		return nil, fail("cause", "unknown cause %q; define it under causes: with a title and a remediation, or use one of: %s", s.cause, strings.Join(slices.Sorted(maps.Keys(causes)), ", "))
	}
	r.priority = s.priority
	var err error
	if r.kinds, err = kindBits(s.kinds); err != nil {
		return nil, fail("kinds", "%v", err)
	}
	if r.scope, err = scopeIndex(s.scope); err != nil {
		return nil, fail("scope", "%v", err)
	}
	if s.pattern != "" {
		if r.pattern, r.pre, err = compilePattern(s.pattern); err != nil {
			return nil, fail("pattern", "bad pattern: %v", err)
		}
	}
	if s.action != "" {
		if r.action, err = regexp.Compile(s.action); err != nil {
			return nil, fail("action", "bad action pattern: %v", err)
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(s.codes)) {
		for _, v := range s.codes[kind] {
			k, err := parseCode(kind, v)
			if err != nil {
				return nil, fail("codes", "%v", err)
			}
			r.codes = append(r.codes, k)
		}
	}
	if r.pattern == nil && len(r.codes) == 0 && r.action == nil && !r.customAction {
		return nil, fail("id", "matches nothing: give a pattern, codes, an action or custom-action: true")
	}
	r.info = RuleInfo{ID: r.id, Cause: r.cause, Kinds: kindList(r.kinds), Scope: scopes[r.scope],
		Priority: r.priority, Match: describeMatch(s), Source: source, Disabled: r.disabled}
	return r, nil
}

func compilePattern(p string) (*regexp.Regexp, prefilter, error) {
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, nil, err
	}
	parsed, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, nil, err
	}
	return re, newPrefilter(parsed.Simplify()), nil
}

func kindBit(k smsfail.LogKind) uint8 {
	for i, x := range logKinds {
		if x == k {
			return 1 << i
		}
	}
	return 0
}

func kindBits(kinds []string) (uint8, error) {
	if len(kinds) == 0 {
		return 1<<len(logKinds) - 1, nil
	}
	var bits uint8
	for _, k := range kinds {
		b := kindBit(smsfail.LogKind(k))
		if b == 0 {
			names := make([]string, len(logKinds))
			for i, x := range logKinds {
				names[i] = string(x)
			}
			return 0, fmt.Errorf("unknown log kind %q; kinds: %s", k, strings.Join(names, ", "))
		}
		bits |= b
	}
	return bits, nil
}

func kindList(bits uint8) []smsfail.LogKind {
	var out []smsfail.LogKind
	for i, k := range logKinds {
		if bits&(1<<i) != 0 {
			out = append(out, k)
		}
	}
	return out
}

func scopeIndex(s string) (int, error) {
	if s == "" {
		return scopeAnywhere, nil
	}
	for i, x := range scopes {
		if x == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown scope %q; scopes: %s", s, strings.Join(scopes, ", "))
}

func describeMatch(s *ruleSpec) string {
	var parts []string
	if s.pattern != "" {
		parts = append(parts, "pattern "+s.pattern)
	}
	for _, kind := range slices.Sorted(maps.Keys(s.codes)) {
		parts = append(parts, kind+" "+strings.Join(s.codes[kind], ","))
	}
	if s.action != "" {
		parts = append(parts, "action "+s.action)
	}
	if s.customAction {
		parts = append(parts, "failing action is a custom action")
	}
	return strings.Join(parts, "; ")
}

// Causes returns every cause known, sorted by id.
func (r *Rules) Causes() []Cause {
	out := make([]Cause, 0, len(r.causes))
	for _, id := range slices.Sorted(maps.Keys(r.causes)) {
		out = append(out, r.causes[id])
	}
	return out
}

// Cause returns the cause of an id.
func (r *Rules) Cause(id string) (Cause, bool) {
	c, ok := r.causes[id]
	return c, ok
}

// List returns every rule, in effect or disabled, sorted by id.
func (r *Rules) List() []RuleInfo {
	out := make([]RuleInfo, len(r.rules))
	for i, x := range r.rules {
		out[i] = x.info
		out[i].Kinds = slices.Clone(x.info.Kinds)
	}
	return out
}
