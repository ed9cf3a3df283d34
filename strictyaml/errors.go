package strictyaml

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is one problem in a file, placed at its key and line.
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

// Doc is a file once decoded: where each key was written, the secrets it
// names, and the problems found in it so far. Checks that come after the
// decoding add theirs with Add, placed at the key's line.
type Doc struct {
	File    string
	lines   map[string]int
	secrets []*Secret
	errs    Errors
}

func newDoc(file string) *Doc { return &Doc{File: file, lines: map[string]int{}} }

// Add records a problem with key. A long text among args is quoted in
// part (clip).
func (d *Doc) Add(key, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.File, Line: d.Line(key), Key: key, Msg: fmt.Sprintf(format, clipAll(args)...)})
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

// Line is the line of key, or of its nearest ancestor present in the file;
// 0 when none is.
func (d *Doc) Line(key string) int {
	for k := key; k != ""; {
		if l, ok := d.lines[k]; ok {
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

// Given reports whether the file wrote key.
func (d *Doc) Given(key string) bool {
	_, ok := d.lines[key]
	return ok
}

// Err is every problem recorded, in line order, or nil.
func (d *Doc) Err() error {
	if len(d.errs) == 0 {
		return nil
	}
	sort.SliceStable(d.errs, func(i, j int) bool { return d.errs[i].Line < d.errs[j].Line })
	return d.errs
}

// Secrets are the secrets the file names, in the order written.
func (d *Doc) Secrets() []*Secret { return d.secrets }

// Secret is a password or key that the file names but never holds: an
// environment variable or a file holding the value. It is written
//
//	password: {env: SMSFAIL_DB_PASSWORD}
//	password: {file: /etc/smsfail/db.password}
//
// into a string field tagged `yaml:"password,secret"`; Set puts the value
// read from there into that field.
type Secret struct {
	Key  string // where the file names it: database.password
	Env  string
	File string

	target *string
}

// Set stores the secret's value in the field it was written for.
func (s *Secret) Set(value string) { *s.target = value }

// Source says where the secret comes from, never its value.
func (s *Secret) Source() string {
	if s.Env != "" {
		return "{env: " + s.Env + "}"
	}
	return "{file: " + s.File + "}"
}
