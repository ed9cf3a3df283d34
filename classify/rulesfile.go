package classify

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The rules file is read through yaml.Node rather than straight into structs
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

var (
	fileKeys  = []string{"causes", "rules"}
	causeKeys = []string{"id", "title", "remediation", "group", "colour", "color"}
	ruleKeys  = []string{"id", "cause", "title", "remediation", "kinds", "scope", "priority", "pattern", "codes", "action", "custom-action", "disabled"}
)

// fileError is an error at a place in a rules file.
func fileError(file string, line int, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", file, line, fmt.Sprintf(format, args...))
}

func parseFile(name string, data []byte) (*fileSpec, error) {
	f := &fileSpec{name: name}
	root, err := oneDocument(name, data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return f, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, fileError(name, root.Line, "expected a mapping with the keys causes and rules")
	}
	err = eachKey(name, root, "", fileKeys, func(key string, v *yaml.Node) error {
		items, err := sequence(name, key, v)
		if err != nil {
			return err
		}
		for _, item := range items {
			if key == "causes" {
				c, err := parseCause(name, item)
				if err != nil {
					return err
				}
				f.causes = append(f.causes, c)
				continue
			}
			r, err := parseRule(name, item)
			if err != nil {
				return err
			}
			f.rules = append(f.rules, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return f, checkDuplicates(f)
}

// oneDocument returns the top node of the file's YAML, nil for an empty
// file. Rules in a document after a "---" would never be read, so such a
// document is refused, as a typo is.
func oneDocument(name string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var top *yaml.Node
	for n := 0; ; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		switch {
		case err == io.EOF:
			return top, nil
		case err != nil:
			return nil, syntaxError(name, err)
		case len(doc.Content) == 0 || doc.Content[0].Tag == "!!null":
		case n == 0:
			top = doc.Content[0]
		default:
			return nil, fileError(name, doc.Content[0].Line, "a second YAML document (after ---) would not be read: keep all causes and rules in one")
		}
	}
}

// syntaxError places the parser's "yaml: line 3: ..." like every other
// mistake in the file.
func syntaxError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				return fileError(name, line, "not valid YAML: %s", text)
			}
		}
	}
	return fmt.Errorf("%s: not valid YAML: %s", name, msg)
}

// eachKey calls fn for every key of a mapping, refusing keys not in known
// and keys given twice, which YAML would let the second silently win.
func eachKey(file string, m *yaml.Node, what string, known []string, fn func(key string, v *yaml.Node) error) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !slices.Contains(known, k.Value) {
			return fileError(file, k.Line, "%sunknown key %q; known keys: %s", what, k.Value, strings.Join(known, ", "))
		}
		if l, ok := seen[k.Value]; ok {
			return fileError(file, k.Line, "%skey %q is given twice (first at line %d)", what, k.Value, l)
		}
		seen[k.Value] = k.Line
		if err := fn(k.Value, v); err != nil {
			return err
		}
	}
	return nil
}

func sequence(file, key string, v *yaml.Node) ([]*yaml.Node, error) {
	if v.Kind != yaml.SequenceNode {
		return nil, fileError(file, v.Line, "%s: expected a list", key)
	}
	for _, item := range v.Content {
		if item.Kind != yaml.MappingNode {
			return nil, fileError(file, item.Line, "%s: expected a mapping in the list", key)
		}
	}
	return v.Content, nil
}

// idOf finds the id of a cause or rule first, so errors can name it.
func idOf(m *yaml.Node) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "id" {
			return m.Content[i+1].Value
		}
	}
	return ""
}

func parseCause(file string, m *yaml.Node) (*causeSpec, error) {
	c := &causeSpec{id: idOf(m), line: m.Line, set: map[string]int{}}
	what := fmt.Sprintf("cause %q: ", c.id)
	if c.id == "" {
		return nil, fileError(file, m.Line, "cause without an id")
	}
	err := eachKey(file, m, what, causeKeys, func(key string, v *yaml.Node) error {
		c.set[key] = v.Line
		var s string
		if err := scalar(file, what, key, v, &s); err != nil {
			return err
		}
		switch key {
		case "title":
			c.title = s
		case "remediation":
			c.remediation = s
		case "group":
			c.group = s
		case "colour", "color":
			return parseColour(file, what, key, v, c)
		}
		return nil
	})
	return c, err
}

// colourPattern is a colour as the workbook and the mail take it: six
// hexadecimal digits, red, green and blue, with or without a leading #.
var colourPattern = regexp.MustCompile(`^#?[0-9A-Fa-f]{6}$`)

// parseColour reads a cause's colour, given as colour or color but not
// both. An unquoted "#1F4E79" is a YAML comment and leaves the key empty:
// the error says to quote it.
func parseColour(file, what, key string, v *yaml.Node, c *causeSpec) error {
	other := map[string]string{"colour": "color", "color": "colour"}[key]
	if l, ok := c.set[other]; ok {
		return fileError(file, v.Line, "%sgive colour or color, not both (%s at line %d)", what, other, l)
	}
	switch {
	case v.Value == "" && v.Tag == "!!null":
		return fileError(file, v.Line, `%s%s: empty; write the colour in quotes, such as %s: "#1F4E79" (an unquoted # starts a YAML comment)`, what, key, key)
	case !colourPattern.MatchString(v.Value):
		return fileError(file, v.Line, `%s%s: %q is not a colour; give red, green and blue as six hexadecimal digits, such as "#1F4E79"`, what, key, v.Value)
	}
	c.colour = strings.ToUpper(strings.TrimPrefix(v.Value, "#"))
	c.set["colour"] = v.Line
	return nil
}

func parseRule(file string, m *yaml.Node) (*ruleSpec, error) {
	r := &ruleSpec{id: idOf(m), line: m.Line, set: map[string]int{}, priority: defaultPriority}
	what := fmt.Sprintf("rule %q: ", r.id)
	if r.id == "" {
		return nil, fileError(file, m.Line, "rule without an id")
	}
	err := eachKey(file, m, what, ruleKeys, func(key string, v *yaml.Node) error {
		r.set[key] = v.Line
		switch key {
		case "id":
			return nil
		case "cause":
			return scalar(file, what, key, v, &r.cause)
		case "title":
			return scalar(file, what, key, v, &r.title)
		case "remediation":
			return scalar(file, what, key, v, &r.remediation)
		case "scope":
			return scalar(file, what, key, v, &r.scope)
		case "pattern":
			return scalar(file, what, key, v, &r.pattern)
		case "action":
			return scalar(file, what, key, v, &r.action)
		case "priority":
			return scalar(file, what, key, v, &r.priority)
		case "custom-action":
			return scalar(file, what, key, v, &r.customAction)
		case "disabled":
			return scalar(file, what, key, v, &r.disabled)
		case "kinds":
			var err error
			r.kinds, err = stringList(file, what, key, v, func(k string) error {
				_, err := kindBits([]string{k})
				return err
			})
			return err
		case "codes":
			return parseCodes(file, what, v, r)
		}
		return nil
	})
	return r, err
}

func scalar(file, what, key string, v *yaml.Node, out any) error {
	if v.Kind != yaml.ScalarNode {
		return fileError(file, v.Line, "%s%s: expected a single value", what, key)
	}
	if err := v.Decode(out); err != nil {
		return fileError(file, v.Line, "%s%s: %q is not a %s", what, key, v.Value, typeName(out))
	}
	return nil
}

func typeName(v any) string {
	switch v.(type) {
	case *int:
		return "whole number"
	case *bool:
		return "true or false"
	}
	return "string"
}

// stringList reads a value or a list of values. check judges each value,
// so that an error names the line of the item that is wrong.
func stringList(file, what, key string, v *yaml.Node, check func(string) error) ([]string, error) {
	items := []*yaml.Node{v}
	switch v.Kind {
	case yaml.ScalarNode:
	case yaml.SequenceNode:
		items = v.Content
	default:
		return nil, fileError(file, v.Line, "%s%s: expected a list", what, key)
	}
	out := make([]string, 0, len(items))
	for _, item := range items {
		if item.Kind != yaml.ScalarNode {
			return nil, fileError(file, item.Line, "%s%s: expected a list of values", what, key)
		}
		if err := check(item.Value); err != nil {
			return nil, fileError(file, item.Line, "%s%v", what, err)
		}
		out = append(out, item.Value)
	}
	return out, nil
}

// parseCodes reads "codes: {msi-error: [1402, 1406], system-error: 5}".
func parseCodes(file, what string, v *yaml.Node, r *ruleSpec) error {
	if v.Kind != yaml.MappingNode {
		return fileError(file, v.Line, "%scodes: expected a mapping of code kinds to values, such as {msi-error: [1402, 1406]}", what)
	}
	r.codes = map[string][]string{}
	return eachKey(file, v, what+"codes: ", codeKinds, func(kind string, vals *yaml.Node) error {
		list, err := stringList(file, what, "codes: "+kind, vals, func(s string) error {
			_, err := parseCode(kind, s)
			return err
		})
		r.codes[kind] = list
		return err
	})
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
