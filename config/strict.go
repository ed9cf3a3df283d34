package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Error is one problem in a configuration file, placed at its key and line.
type Error struct {
	File string
	Line int    // 0 when the key is absent from the file
	Key  string // dotted path: logs.smb.user, logs.programs[2].paths
	Msg  string
}

func (e *Error) Error() string {
	where := e.File
	if e.Line > 0 {
		where += ":" + strconv.Itoa(e.Line)
	}
	if e.Key == "" {
		return where + ": " + e.Msg
	}
	return where + ": " + e.Key + ": " + e.Msg
}

// Errors is every problem found in one file, in line order.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// problems collects errors while a file is checked; lines maps each key path
// seen in the file to its line, so a value that fails validation is placed
// where the user wrote it.
type problems struct {
	file  string
	lines map[string]int
	errs  Errors
}

func (p *problems) add(key, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Line: p.line(key), Key: key, Msg: fmt.Sprintf(format, clipAll(args)...)})
}

// An error repeats a text of up to maxEcho bytes whole, and only the
// first echoCut bytes of a longer one: enough to recognise a value, never
// a whole file pasted into the configuration by mistake.
const (
	maxEcho = 1 << 10
	echoCut = 200
)

// clipAll cuts long texts among a message's arguments, errors included
// (a parser's error may quote the whole value).
func clipAll(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = clip(v)
		case error:
			if len(v.Error()) > maxEcho {
				a = clip(v.Error())
			}
			out[i] = a
		case []string:
			vs := make([]string, len(v))
			for j := range v {
				vs[j] = clip(v[j])
			}
			out[i] = vs
		default:
			out[i] = a
		}
	}
	return out
}

// clip cuts a text longer than maxEcho to echoCut bytes (on a character's
// boundary) followed by an ellipsis and its whole length.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	cut := echoCut
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", s[:cut], len(s))
}

// line is the line of key, or of its nearest ancestor present in the file.
func (p *problems) line(key string) int {
	for k := key; k != ""; {
		if l, ok := p.lines[k]; ok {
			return l
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
	return p.errs
}

// walk checks that every key of n is a field of t and that every value
// decodes into its field, recording the line of every key on the way, so
// that each problem is placed at the very key it is about, even among
// several keys written on one line ({retries: x, concurrency: 3}).
func (p *problems) walk(n *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		p.walkMapping(n, t, path)
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			key := fmt.Sprintf("%s[%d]", path, i)
			p.lines[key] = item.Line
			p.walk(item, t.Elem(), key)
		}
	default:
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			p.decodeErrors(err, path, n)
		}
	}
}

func (p *problems) walkMapping(n *yaml.Node, t reflect.Type, path string) {
	fields := yamlFields(t)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := k.Value
		if path != "" {
			key = path + "." + k.Value
		}
		p.lines[key] = k.Line
		if seen[k.Value] {
			p.add(key, "given twice")
			continue
		}
		seen[k.Value] = true
		f, ok := fields[k.Value]
		if !ok {
			p.add(key, "unknown key%s", suggest(k.Value, fields))
			continue
		}
		p.walk(v, f.Type, key)
	}
}

func yamlFields(t reflect.Type) map[string]reflect.StructField {
	m := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = f
	}
	return m
}

// suggest names the closest known key, for the typo an admin most often makes.
func suggest(key string, fields map[string]reflect.StructField) string {
	best, bestDist := "", 3
	for name := range fields {
		if d := distance(strings.ToLower(key), name); d < bestDist || (d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	if best == "" {
		names := make([]string, 0, len(fields))
		for name := range fields {
			names = append(names, name)
		}
		sort.Strings(names)
		return " (known keys: " + strings.Join(names, ", ") + ")"
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// decodeErrors turns the decoder's "line N: cannot unmarshal ..." messages
// about key, whose value is n when known, into Errors placed at their line.
func (p *problems) decodeErrors(err error, key string, n *yaml.Node) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		p.errs = append(p.errs, &Error{File: p.file, Line: p.line(key), Key: key, Msg: clip(err.Error())})
		return
	}
	for _, msg := range te.Errors {
		line, text := splitLine(msg)
		if line == 0 {
			line = p.line(key)
		}
		p.errs = append(p.errs, &Error{File: p.file, Line: line, Key: key, Msg: plainTypeError(text, n)})
	}
}

// splitLine takes the line out of the decoder's "line N: what" messages.
func splitLine(msg string) (int, string) {
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, text, ok := strings.Cut(rest, ": "); ok {
			if l, err := strconv.Atoi(num); err == nil {
				return l, text
			}
		}
	}
	return 0, msg
}

var (
	yamlTag    = regexp.MustCompile(`!!(str|int|float|bool|seq|map|null) ?(` + "`" + `[^` + "`" + `]*` + "`" + `)?`)
	goTypeName = regexp.MustCompile(`into (\[\])?(?:[a-z0-9]+\.)?([A-Za-z0-9]+)$`)
)

// plainTypeError rewrites "cannot unmarshal !!str `many` into int" as
// "expected a whole number, got the text `many`", quoting the whole of n's
// value where the decoder cuts it short.
func plainTypeError(msg string, n *yaml.Node) string {
	rest, ok := strings.CutPrefix(msg, "cannot unmarshal ")
	if !ok {
		return msg
	}
	got := yamlTag.FindStringSubmatch(rest)
	want := goTypeName.FindStringSubmatch(rest)
	if got == nil || want == nil {
		return msg
	}
	kinds := map[string]string{"str": "text", "int": "a number", "float": "a number", "bool": "true or false", "seq": "a list", "map": "a mapping", "null": "nothing"}
	gotText := kinds[got[1]]
	switch {
	case got[2] != "" && n != nil && n.Kind == yaml.ScalarNode:
		gotText += " `" + clip(n.Value) + "`"
	case got[2] != "":
		gotText += " " + got[2]
	}
	one := map[string]string{"int": "a whole number", "int64": "a whole number", "bool": "true or false", "string": "text"}
	wantText, ok := one[want[2]]
	if !ok {
		wantText = "a mapping of settings"
	}
	if want[1] != "" {
		lists := map[string]string{"int": "whole numbers, written [1, 2]", "int64": "whole numbers, written [1, 2]", "string": "texts, written [a, b]"}
		wantText, ok = lists[want[2]]
		if !ok {
			wantText = "mappings of settings, each starting with -"
		}
		wantText = "a list of " + wantText
	}
	return "expected " + wantText + ", got " + gotText
}
