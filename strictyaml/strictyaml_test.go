package strictyaml

import (
	"strings"
	"testing"
	"time"
)

type inner struct {
	Port  int  `yaml:"port"`
	Check bool `yaml:"check"`
}

type shared struct {
	Timeout time.Duration `yaml:"timeout"`
	Max     int64         `yaml:"max,size"`
}

type item struct {
	Name  string   `yaml:"name"`
	Paths []string `yaml:"paths"`
}

type schema struct {
	Host     string `yaml:"host"`
	Password string `yaml:"password,secret"`
	Inner    inner  `yaml:"inner"`
	shared   `yaml:",inline"`
	Items    []item           `yaml:"items"`
	Codes    []int64          `yaml:"codes"`
	Opt      *int             `yaml:"opt"`
	Ignored  func()           `yaml:"-"`
	Window   time.Duration    `yaml:"window"`
	Limits   map[string]inner `yaml:"limits"`
}

func defaults() *schema {
	seven := 7
	return &schema{Inner: inner{Port: 25}, shared: shared{Timeout: time.Minute, Max: 1 << 20}, Codes: []int64{1603}, Opt: &seven}
}

var reader = Reader{NotMapping: "must be a mapping", Whole: "everything"}

func TestDecode(t *testing.T) {
	text := "host: relay\npassword: {env: PW}\ninner: {check: true}\ntimeout: 7d\nmax: 64MB\n" +
		"items:\n- name: a\n  paths: [x, y]\ncodes: [1, 2]\nopt:\nwindow: &w 90m\nlimits: {smtp: {port: 25}}\n"
	v := defaults()
	doc, err := reader.Decode("f.yaml", []byte(text), v)
	if err != nil {
		t.Fatal(err)
	}
	if v.Host != "relay" || v.Inner.Port != 25 || !v.Inner.Check || v.Timeout != 7*24*time.Hour || v.Max != 64<<20 ||
		len(v.Items) != 1 || v.Items[0].Paths[1] != "y" || len(v.Codes) != 2 || *v.Opt != 7 || v.Window != 90*time.Minute || v.Limits["smtp"].Port != 25 {
		t.Fatalf("decoded %+v", v)
	}
	s := doc.Secrets()
	if len(s) != 1 || s[0].Key != "password" || s[0].Env != "PW" || v.Password != "" {
		t.Fatalf("secrets %+v, password %q", s, v.Password)
	}
	s[0].Set("pa55")
	if v.Password != "pa55" {
		t.Fatal("Set does not reach the field")
	}
	if doc.Line("items[0].paths") != 8 || doc.Line("inner.port") != 3 || !doc.Given("max") || doc.Given("inner.port") {
		t.Errorf("lines: items[0].paths %d, inner.port %d", doc.Line("items[0].paths"), doc.Line("inner.port"))
	}
	doc.Add("inner.port", "too %s", "low")
	if err := doc.Err(); err == nil || err.Error() != "f.yaml:3: inner.port: too low" {
		t.Errorf("added error: %v", err)
	}
}

// TestDecodeErrors: every mistake is named by its key and line, in words.
func TestDecodeErrors(t *testing.T) {
	for text, want := range map[string]string{
		"hots: x\n":                    `f.yaml:1: hots: unknown key (did you mean "host"?)`,
		"inner: {zzzzzz: 1}\n":         "f.yaml:1: inner.zzzzzz: unknown key (known keys: check, port)",
		"host: a\nhost: b\n":           "f.yaml:2: host: given twice (first at line 1)",
		"inner: {port: many}\n":        "f.yaml:1: inner.port: expected a whole number, got text `many`",
		"codes: [1, x]\n":              "f.yaml:1: codes[1]: expected a whole number, got text `x`",
		"codes: 1603\n":                "f.yaml:1: codes: expected a list of whole numbers, written [1, 2], got a number `1603`",
		"items: x\n":                   "f.yaml:1: items: expected a list of mappings of settings, each starting with -, got text `x`",
		"inner: [1]\n":                 "f.yaml:1: inner: expected a mapping of settings, got a list",
		"timeout: soon\n":              `f.yaml:1: timeout: "soon" is not a duration (like 30s, 5m, 24h or 7d)`,
		"max: lots\n":                  `f.yaml:1: max: "lots" is not a size (like 1048576, 64MB or 1GB)`,
		"password: hunter2\n":          "f.yaml:1: password: secrets are not written in the file: use {env: VARIABLE} or {file: PATH}",
		"password: {envv: X}\n":        `f.yaml:1: password.envv: unknown key (did you mean "env"?)`,
		"- a\n":                        "f.yaml:1: must be a mapping",
		"host: a\n---\nhost: b\n":      "f.yaml:2: a second YAML document (after ---) would not be read: keep everything in one",
		"host: [a\n":                   "f.yaml:1: not valid YAML: did not find expected ',' or ']'",
		"inner: {port: 1, check: x}\n": "f.yaml:1: inner.check: expected true or false, got text `x`",
		"limits:\n  a: {port: 1}\n  b: {prot: 2}\n": `f.yaml:3: limits.b.prot: unknown key (did you mean "port"?)`,
		"limits:\n  a: {port: 1}\n  a: {port: 2}\n": "f.yaml:3: limits.a: given twice (first at line 2)",
	} {
		_, err := reader.Decode("f.yaml", []byte(text), defaults())
		if err == nil || err.Error() != want {
			t.Errorf("%q:\ngot  %v\nwant %s", text, err, want)
		}
	}
}

// An empty file, or one of nulls, keeps every default; "key:" empties a
// list as YAML does.
func TestNullsKeepDefaults(t *testing.T) {
	for _, text := range []string{"", "---\n", "inner:\nopt:\ntimeout:\n"} {
		v := defaults()
		if _, err := reader.Decode("f.yaml", []byte(text), v); err != nil {
			t.Fatal(err)
		}
		if v.Inner.Port != 25 || *v.Opt != 7 || v.Timeout != time.Minute || len(v.Codes) != 1 {
			t.Errorf("%q: defaults lost: %+v", text, v)
		}
	}
	v := defaults()
	if _, err := reader.Decode("f.yaml", []byte("codes:\n"), v); err != nil || v.Codes != nil {
		t.Errorf("codes: kept %v (%v)", v.Codes, err)
	}
}

func TestKeys(t *testing.T) {
	got := strings.Join(Keys(defaults()), " ")
	want := "host password inner inner.port inner.check timeout max items items[0].name items[0].paths codes opt window limits"
	if got != want {
		t.Errorf("keys\n%s\nwant\n%s", got, want)
	}
}

// FuzzDecode: no input makes the reader panic, and every refusal names
// the file.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"host: a\n", "inner: {port: 1}\nitems: [{name: a, paths: [b]}]\n", "timeout: 7d\nmax: 1GB\n",
		"password: {file: x}\n", "a: &x [1]\ncodes: *x\n", "- 1\n", "host: [\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := reader.Decode("f.yaml", data, defaults())
		if err != nil && !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Errorf("error does not name the file: %v", err)
		}
	})
}
