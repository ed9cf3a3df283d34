package strictyaml

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ParseDuration reads "30s", "5m", "1h30m" and, beyond time.ParseDuration,
// whole days such as "7d".
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%q is not a duration (like 30s, 5m, 24h or 7d)", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a duration (like 30s, 5m, 24h or 7d)", s)
	}
	return v, nil
}

func (d *Doc) duration(n *yaml.Node, v reflect.Value, key string) {
	if n.Kind != yaml.ScalarNode {
		d.add(n.Line, key, "expected %s, got %s", want(v.Type()), got(n))
		return
	}
	dur, err := ParseDuration(n.Value)
	if err != nil {
		d.add(n.Line, key, "%v", err)
		return
	}
	v.SetInt(int64(dur))
}

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30},
	{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// ParseSize reads a size written 1048576, "64KB", "64MB", "1GB" (powers of
// 1024: that is what Windows Explorer shows an admin) or "64MiB".
func ParseSize(text string) (int64, error) {
	s := strings.ToUpper(strings.ReplaceAll(text, " ", ""))
	mult := int64(1)
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = num, u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (like 1048576, 64MB or 1GB)", text)
	}
	return v * mult, nil
}

func (d *Doc) size(n *yaml.Node, v reflect.Value, key string) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.ScalarNode || !v.CanInt() {
		d.add(n.Line, key, "expected a size (like 1048576, 64MB or 1GB), got %s", got(n))
		return
	}
	size, err := ParseSize(n.Value)
	if err != nil {
		d.add(n.Line, key, "%v", err)
		return
	}
	if v.OverflowInt(size) {
		d.add(n.Line, key, "%q is too large", n.Value)
		return
	}
	v.SetInt(size)
}

// secret records where the secret for the string field v comes from.
func (d *Doc) secret(n *yaml.Node, v reflect.Value, key string) {
	if isNull(n) || n.Kind == yaml.ScalarNode && n.Value == "" {
		return
	}
	if n.Kind == yaml.ScalarNode {
		d.add(n.Line, key, "secrets are not written in the file: use {env: VARIABLE} or {file: PATH}")
		return
	}
	var src struct {
		Env  string `yaml:"env"`
		File string `yaml:"file"`
	}
	d.decode(n, reflect.ValueOf(&src).Elem(), key)
	if src.Env == "" && src.File == "" {
		return
	}
	d.secrets = append(d.secrets, &Secret{Key: key, Env: src.Env, File: src.File, target: v.Addr().Interface().(*string)})
}

// want says in words what a value of type t is written as.
func want(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a duration (like 30s, 5m, 24h or 7d)"
	case t.Kind() == reflect.Pointer:
		return want(t.Elem())
	case t.Kind() == reflect.Slice:
		return "a list of " + wantMany(t.Elem())
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	}
	return "a mapping of settings"
}

func wantMany(t reflect.Type) string {
	switch want(t) {
	case "a whole number":
		return "whole numbers, written [1, 2]"
	case "text":
		return "texts, written [a, b]"
	case "a mapping of settings":
		return "mappings of settings, each starting with -"
	}
	return "values, written [a, b]"
}

// got says in words what the file wrote.
func got(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	kinds := map[string]string{"!!str": "text", "!!int": "a number", "!!float": "a number", "!!bool": "true or false", "!!null": "nothing"}
	k, ok := kinds[n.Tag]
	if !ok {
		k = "the value"
	}
	return k + " `" + clip(n.Value) + "`"
}

// suggest names the closest known key, for the typo an admin most often makes.
func suggest(key string, fields map[string]field) string {
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
