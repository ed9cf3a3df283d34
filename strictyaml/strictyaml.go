// Package strictyaml reads the admin's YAML files strictly into Go values,
// for the configuration and the classification rules alike: one document,
// unknown keys refused with the nearest known one named, keys given twice
// refused, wrong types said in plain words, and every problem placed at its
// key and line. The values written in a file are the ones the stages use:
// a struct's fields already hold its defaults, a key absent or left empty
// keeps them.
//
// Beyond yaml.v3's rules for the Go types it knows, a time.Duration is
// written "30s", "5m", "1h30m" or "7d"; a string field tagged
// `yaml:"name,secret"` is a Secret, written {env: NAME} or {file: PATH} and
// never inline; an integer field tagged `yaml:"name,size"` is a size,
// written 1048576, "64KB", "64MB" or "1GB".
package strictyaml

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Reader reads one kind of file.
type Reader struct {
	// NotMapping is the error for a file whose top is not a mapping, such
	// as "the configuration must be a mapping of sections (site:, ...)".
	NotMapping string
	// Whole names the file's content in the error for a second document:
	// "keep <Whole> in one".
	Whole string
}

// Decode reads data, read from file, into v, a pointer to a struct holding
// the defaults. An error stops the reading: the YAML does not parse, or a
// key or a value does not fit v; it is Errors, each problem at its line.
// The Doc returned goes on collecting the problems later checks find.
func (r Reader) Decode(file string, data []byte, v any) (*Doc, error) {
	d := newDoc(file)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil && err != io.EOF {
		return nil, syntaxError(file, err)
	}
	if err := r.oneDocument(file, dec); err != nil {
		return nil, err
	}
	if len(root.Content) == 0 || isNull(root.Content[0]) {
		return d, nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, Errors{{File: file, Line: top.Line, Msg: r.NotMapping}}
	}
	d.decode(top, reflect.ValueOf(v).Elem(), "")
	if err := d.Err(); err != nil {
		return nil, err
	}
	return d, nil
}

func syntaxError(file string, err error) error {
	line, msg := splitLine(strings.TrimPrefix(err.Error(), "yaml: "))
	return Errors{{File: file, Line: line, Msg: "not valid YAML: " + msg}}
}

// splitLine takes the line out of the parser's "line N: what" messages.
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

// oneDocument refuses settings in a document after the first, which
// would never be read; an empty one (a trailing ---) is harmless.
func (r Reader) oneDocument(file string, dec *yaml.Decoder) error {
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return syntaxError(file, err)
		}
		if len(doc.Content) > 0 && !isNull(doc.Content[0]) {
			return Errors{{File: file, Line: doc.Line, Msg: "a second YAML document (after ---) would not be read: keep " + r.Whole + " in one"}}
		}
	}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

var (
	durationType    = reflect.TypeFor[time.Duration]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
)

// decode sets v from n, recording the line of every key on the way, so
// that each problem is placed at the very key it is about, even among
// several keys written on one line ({retries: x, concurrency: 3}).
func (d *Doc) decode(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if isNull(n) {
		// "key:" with nothing after it keeps the default; a list is
		// emptied, as yaml.v3 does.
		if v.Kind() == reflect.Slice || v.Kind() == reflect.Map {
			v.SetZero()
		}
		return
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.typeErrors(err, key)
		}
		return
	}
	switch {
	case v.Kind() == reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.decode(n, v.Elem(), key)
	case v.Type() == durationType:
		d.duration(n, v, key)
	case v.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		d.mapping(n, v, key)
	case v.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		d.sequence(n, v, key)
	case v.Kind() == reflect.Map && v.Type().Key().Kind() == reflect.String && n.Kind == yaml.MappingNode:
		d.stringMap(n, v, key)
	default:
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.add(n.Line, key, "expected %s, got %s", want(v.Type()), got(n))
		}
	}
}

func (d *Doc) add(line int, key, format string, args ...any) {
	d.Add(key, format, args...)
	if line > 0 {
		d.errs[len(d.errs)-1].Line = line
	}
}

func (d *Doc) sequence(n *yaml.Node, v reflect.Value, key string) {
	list := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		k := key + "[" + strconv.Itoa(i) + "]"
		d.lines[k] = item.Line
		d.decode(item, list.Index(i), k)
	}
	v.Set(list)
}

// entries calls fn for each key of mapping n once, with its path, after
// noting the key's line; a key given twice is an error at its second line.
func (d *Doc) entries(n *yaml.Node, path string, fn func(k, val *yaml.Node, key string)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		key := join(path, k.Value)
		if first, ok := seen[k.Value]; ok {
			d.add(k.Line, key, "given twice (first at line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		d.lines[key] = k.Line
		fn(k, val, key)
	}
}

func (d *Doc) mapping(n *yaml.Node, v reflect.Value, path string) {
	fields := fieldsOf(v)
	d.entries(n, path, func(k, val *yaml.Node, key string) {
		f, ok := fields[k.Value]
		if !ok {
			d.Add(key, "unknown key%s", suggest(k.Value, fields))
			return
		}
		switch {
		case f.secret:
			d.secret(val, f.value, key)
		case f.size:
			d.size(val, f.value, key)
		default:
			d.decode(val, f.value, key)
		}
	})
}

// stringMap sets the entries of a map keyed by text, each value read as
// the map's values are, so that every entry has its line.
func (d *Doc) stringMap(n *yaml.Node, v reflect.Value, path string) {
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	d.entries(n, path, func(k, val *yaml.Node, key string) {
		elem := reflect.New(v.Type().Elem()).Elem()
		d.decode(val, elem, key)
		m.SetMapIndex(reflect.ValueOf(k.Value).Convert(v.Type().Key()), elem)
	})
	v.Set(m)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// field is a struct field a key can set.
type field struct {
	value        reflect.Value
	secret, size bool
}

// fieldsOf maps the keys of struct v to its fields, with the fields of
// structs embedded with ",inline" as v's own.
func fieldsOf(v reflect.Value) map[string]field {
	m := map[string]field{}
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, flags, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		opts := strings.Split(flags, ",")
		if has(opts, "inline") {
			for k, sub := range fieldsOf(v.Field(i)) {
				m[k] = sub
			}
			continue
		}
		if name == "" || !f.IsExported() {
			continue
		}
		m[name] = field{value: v.Field(i), secret: has(opts, "secret"), size: has(opts, "size")}
	}
	return m
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// typeErrors places the errors of a value's own UnmarshalYAML.
func (d *Doc) typeErrors(err error, key string) {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		d.Add(key, "%v", err)
		return
	}
	for _, msg := range te.Errors {
		line, text := splitLine(msg)
		d.add(line, key, "%s", text)
	}
}

// Keys lists every key of v's schema, dotted, with the keys of a list of
// mappings under its first item ("logs.programs[0].paths"), for tests that
// keep an example file complete.
func Keys(v any) []string {
	return keysOf(reflect.TypeOf(v), "")
}

func keysOf(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, flags, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		if has(strings.Split(flags, ","), "inline") {
			keys = append(keys, keysOf(f.Type, prefix)...)
			continue
		}
		if name == "" || !f.IsExported() {
			continue
		}
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		keys = append(keys, key)
		ft := f.Type
		switch {
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			keys = append(keys, keysOf(ft.Elem(), key+"[0]")...)
		case ft.Kind() == reflect.Struct && !has(strings.Split(flags, ","), "secret"):
			keys = append(keys, keysOf(ft, key)...)
		}
	}
	return keys
}
