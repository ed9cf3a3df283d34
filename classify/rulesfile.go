package classify

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"smsfail/strictyaml"
)

// The rules file is read by the same strict reader as the configuration,
// so that every error names the line and the key, and unknown keys are
// refused: a typo in a rule must fail the configuration check, not silently
// switch the rule off.

// fileSpec is a rules file as written, before merging and compiling.
type fileSpec struct {
	name   string
	causes []*causeSpec
	rules  []*ruleSpec
}

type causeSpec struct {
	id, title, remediation, group string
	colour                        string // "RRGGBB", upper case
	line                          int
	set                           map[string]int // key -> line, for what the file gave
}

type ruleSpec struct {
	id, cause, title, remediation string
	kinds                         []string
	scope                         string
	priority                      int
	pattern                       string
	codes                         map[string][]string
	action                        string
	customAction                  bool
	disabled                      bool
	line                          int
	set                           map[string]int
}

// fileYAML is the schema of a rules file.
type fileYAML struct {
	Causes []causeYAML `yaml:"causes"`
	Rules  []ruleYAML  `yaml:"rules"`
}

type causeYAML struct {
	ID          string `yaml:"id"`
	Title       string `yaml:"title"`
	Remediation string `yaml:"remediation"`
	Group       string `yaml:"group"`
	Colour      string `yaml:"colour"`
	Color       string `yaml:"color"` // the same as colour, for those who spell it so
}

type ruleYAML struct {
	ID           string            `yaml:"id"`
	Cause        string            `yaml:"cause"`
	Title        string            `yaml:"title"`
	Remediation  string            `yaml:"remediation"`
	Kinds        values            `yaml:"kinds"`
	Scope        string            `yaml:"scope"`
	Priority     int               `yaml:"priority"`
	Pattern      string            `yaml:"pattern"`
	Codes        map[string]values `yaml:"codes"`
	Action       string            `yaml:"action"`
	CustomAction bool              `yaml:"custom-action"`
	Disabled     bool              `yaml:"disabled"`
}

var (
	causeKeys = strictyaml.Keys(causeYAML{})
	ruleKeys  = strictyaml.Keys(ruleYAML{})
)

// values is a value or a list of values, each kept with its line so that
// an error names the line of the item that is wrong.
type values []valueAt

type valueAt struct {
	text string
	line int
}

// UnmarshalYAML reads "kinds: msi-verbose" and "kinds: [msi-verbose, msi-event]".
func (v *values) UnmarshalYAML(n *yaml.Node) error {
	items := []*yaml.Node{n}
	switch n.Kind {
	case yaml.ScalarNode:
	case yaml.SequenceNode:
		items = n.Content
	default:
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a value or a list of values, got a mapping", n.Line)}}
	}
	*v = (*v)[:0]
	for _, item := range items {
		if item.Kind != yaml.ScalarNode {
			return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: expected a list of values", item.Line)}}
		}
		*v = append(*v, valueAt{text: item.Value, line: item.Line})
	}
	return nil
}

func (v values) texts() []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = x.text
	}
	return out
}

// fileError is an error at a place in a rules file.
func fileError(file string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
}

var reader = strictyaml.Reader{
	NotMapping: "expected a mapping with the keys causes and rules",
	Whole:      "all causes and rules",
}

func parseFile(name string, data []byte) (*fileSpec, error) {
	var y fileYAML
	doc, err := reader.Decode(name, data, &y)
	if err != nil {
		return nil, byID(err, data)
	}
	f := &fileSpec{name: name}
	for i, c := range y.Causes {
		spec, err := causeOf(doc, fmt.Sprintf("causes[%d]", i), c)
		if err != nil {
			return nil, err
		}
		f.causes = append(f.causes, spec)
	}
	for i, r := range y.Rules {
		spec, err := ruleOf(doc, fmt.Sprintf("rules[%d]", i), r)
		if err != nil {
			return nil, err
		}
		f.rules = append(f.rules, spec)
	}
	return f, checkDuplicates(f)
}

// byID names the cause or rule a reading error is in by its id, as the
// errors found later do: rule "typo": patern: unknown key.
func byID(err error, data []byte) error {
	var es strictyaml.Errors
	if !errors.As(err, &es) {
		return err
	}
	ids := idsOf(data)
	out := make(strictyaml.Errors, len(es))
	for i, e := range es {
		out[i] = e
		list, rest, ok := strings.Cut(e.Key, "[")
		num, rest, _ := strings.Cut(rest, "]")
		n, nerr := strconv.Atoi(num)
		if !ok || nerr != nil || !strings.HasPrefix(rest, ".") {
			continue
		}
		if id := ids[list][n]; id != "" {
			c := *e
			c.Key, c.Msg = strings.TrimSuffix(list, "s")+" "+strconv.Quote(id), rest[1:]+": "+e.Msg
			out[i] = &c
		}
	}
	return out
}

// idsOf finds the ids of the causes and rules in data, by their place in
// their list, from the YAML's nodes: a file the strict reader refuses may
// still name them.
func idsOf(data []byte) map[string]map[int]string {
	ids := map[string]map[int]string{"causes": {}, "rules": {}}
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return ids
	}
	top := root.Content[0].Content
	for i := 0; i+1 < len(top); i += 2 {
		byIndex, ok := ids[top[i].Value]
		if !ok || top[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for n, item := range top[i+1].Content {
			for j := 0; item.Kind == yaml.MappingNode && j+1 < len(item.Content); j += 2 {
				if item.Content[j].Value == "id" {
					byIndex[n] = item.Content[j+1].Value
				}
			}
		}
	}
	return ids
}

// given maps the keys the file gave under at to their lines.
func given(doc *strictyaml.Doc, at string, keys []string) map[string]int {
	set := map[string]int{}
	for _, k := range keys {
		if doc.Given(at + "." + k) {
			set[k] = doc.Line(at + "." + k)
		}
	}
	return set
}

func causeOf(doc *strictyaml.Doc, at string, c causeYAML) (*causeSpec, error) {
	spec := &causeSpec{id: c.ID, title: c.Title, remediation: c.Remediation, group: c.Group,
		line: doc.Line(at), set: given(doc, at, causeKeys)}
	if c.ID == "" {
		return nil, fileError(doc.File, spec.line, "cause without an id")
	}
	return spec, colourOf(doc, at, c, spec)
}

// colourPattern is a colour as the workbook and the mail take it: six
// hexadecimal digits, red, green and blue, with or without a leading #.
var colourPattern = regexp.MustCompile(`^#?[0-9A-Fa-f]{6}$`)

// colourOf reads a cause's colour, given as colour or color but not both.
// An unquoted "#1F4E79" is a YAML comment and leaves the key empty: the
// error says to quote it.
func colourOf(doc *strictyaml.Doc, at string, c causeYAML, spec *causeSpec) error {
	what := fmt.Sprintf("cause %q: ", c.ID)
	key, value := "colour", c.Colour
	colourLine, colorLine := spec.set["colour"], spec.set["color"]
	switch {
	case colourLine > 0 && colorLine > 0:
		first, second, firstLine := "colour", colorLine, colourLine
		if colorLine < colourLine {
			first, second, firstLine = "color", colourLine, colorLine
		}
		return fileError(doc.File, second, "%sgive colour or color, not both (%s at line %d)", what, first, firstLine)
	case colorLine > 0:
		key, value = "color", c.Color
	case colourLine == 0:
		return nil
	}
	line := spec.set[key]
	switch {
	case value == "":
		return fileError(doc.File, line, `%s%s: empty; write the colour in quotes, such as %s: "#1F4E79" (an unquoted # starts a YAML comment)`, what, key, key)
	case !colourPattern.MatchString(value):
		return fileError(doc.File, line, `%s%s: %q is not a colour; give red, green and blue as six hexadecimal digits, such as "#1F4E79"`, what, key, value)
	}
	spec.colour = strings.ToUpper(strings.TrimPrefix(value, "#"))
	delete(spec.set, "color")
	spec.set["colour"] = line
	return nil
}

func ruleOf(doc *strictyaml.Doc, at string, r ruleYAML) (*ruleSpec, error) {
	spec := &ruleSpec{id: r.ID, cause: r.Cause, title: r.Title, remediation: r.Remediation, kinds: r.Kinds.texts(),
		scope: r.Scope, priority: r.Priority, pattern: r.Pattern, action: r.Action, customAction: r.CustomAction,
		disabled: r.Disabled, line: doc.Line(at), set: given(doc, at, ruleKeys)}
	if r.ID == "" {
		return nil, fileError(doc.File, spec.line, "rule without an id")
	}
	if _, ok := spec.set["priority"]; !ok {
		spec.priority = defaultPriority
	}
	what := fmt.Sprintf("rule %q: ", r.ID)
	for _, k := range r.Kinds {
		if _, err := kindBits([]string{k.text}); err != nil {
			return nil, fileError(doc.File, k.line, "%s%v", what, err)
		}
	}
	if r.Codes != nil {
		spec.codes = map[string][]string{}
	}
	for _, kind := range slices.Sorted(maps.Keys(r.Codes)) {
		if !slices.Contains(codeKinds, kind) {
			return nil, fileError(doc.File, doc.Line(at+".codes."+kind), "%scodes: unknown key %q; known keys: %s", what, kind, strings.Join(codeKinds, ", "))
		}
		for _, v := range r.Codes[kind] {
			if _, err := parseCode(kind, v.text); err != nil {
				return nil, fileError(doc.File, v.line, "%s%v", what, err)
			}
		}
		spec.codes[kind] = r.Codes[kind].texts()
	}
	return spec, nil
}

func checkDuplicates(f *fileSpec) error {
	seen := map[string]int{}
	for _, c := range f.causes {
		if l, ok := seen["cause "+c.id]; ok {
			return fileError(f.name, c.line, "cause %q is defined twice (first at line %d)", c.id, l)
		}
		seen["cause "+c.id] = c.line
	}
	for _, r := range f.rules {
		if l, ok := seen["rule "+r.id]; ok {
			return fileError(f.name, r.line, "rule %q is defined twice (first at line %d)", r.id, l)
		}
		seen["rule "+r.id] = r.line
	}
	return nil
}

// mergeRule lays an override from a rules file over the built-in rule of
// the same id: what the file sets wins, the rest is kept.
func mergeRule(base, over *ruleSpec) *ruleSpec {
	m := *base
	m.set = map[string]int{}
	for k, l := range over.set {
		m.set[k] = l
	}
	m.line = over.line
	for key := range over.set {
		switch key {
		case "cause":
			m.cause = over.cause
		case "title":
			m.title = over.title
		case "remediation":
			m.remediation = over.remediation
		case "kinds":
			m.kinds = over.kinds
		case "scope":
			m.scope = over.scope
		case "priority":
			m.priority = over.priority
		case "pattern":
			m.pattern = over.pattern
		case "codes":
			m.codes = over.codes
		case "action":
			m.action = over.action
		case "custom-action":
			m.customAction = over.customAction
		case "disabled":
			m.disabled = over.disabled
		}
	}
	return &m
}
