package config

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Duration is a time.Duration written as "30s", "5m", "1h30m" or "7d".
type Duration time.Duration

// UnmarshalYAML reads a duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return nodeError(n, err.Error())
	}
	*d = Duration(v)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

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

// ByteSize is a size written as 1048576, "64KB", "64MB", "1GB" (powers of
// 1024: that is what Windows Explorer shows an admin) or "64MiB".
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30},
	{"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
}

// UnmarshalYAML reads a size.
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	s := strings.ToUpper(strings.ReplaceAll(n.Value, " ", ""))
	mult := int64(1)
	for _, u := range byteUnits {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = num, u.mult
			break
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 0 || v > (1<<62)/mult {
		return nodeError(n, fmt.Sprintf("%q is not a size (like 1048576, 64MB or 1GB)", n.Value))
	}
	*b = ByteSize(v * mult)
	return nil
}

// Secret is a password or key that never sits in the configuration file
// itself: it names an environment variable or a file holding the value.
//
//	password: {env: SMSFAIL_DB_PASSWORD}
//	password: {file: /etc/smsfail/db.password}
type Secret struct {
	Env  string `yaml:"env"`
	File string `yaml:"file"`

	value string
}

// UnmarshalYAML refuses an inline value with a message saying what to do.
func (s *Secret) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		if n.Value == "" {
			return nil
		}
		return nodeError(n, "secrets are not written in the file: use {env: VARIABLE} or {file: PATH}")
	}
	type plain Secret
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*s = Secret(p)
	return nil
}

// Set reports whether the secret names a source.
func (s Secret) Set() bool { return s.Env != "" || s.File != "" }

// Value is the resolved secret ("" when not set).
func (s Secret) Value() string { return s.value }

// resolve reads the secret from its environment variable or file.
func (s *Secret) resolve(getenv func(string) string) error {
	switch {
	case s.Env != "" && s.File != "":
		return fmt.Errorf("give either env or file, not both")
	case s.Env != "":
		s.value = getenv(s.Env)
		if s.value == "" {
			return fmt.Errorf("environment variable %s is not set", s.Env)
		}
	case s.File != "":
		b, err := readSecretFile(s.File)
		if err != nil {
			return fmt.Errorf("cannot read secret file: %w", err)
		}
		s.value = strings.TrimRight(string(b), "\r\n")
		if s.value == "" {
			return fmt.Errorf("secret file %s is empty", s.File)
		}
	}
	return nil
}

// WithValue returns a secret holding value, for configurations built in code
// (the demo site, tests).
func WithValue(value string) Secret { return Secret{value: value} }

// nodeError reports a bad value the way the YAML decoder reports its own
// type errors, so it reaches the user with its line.
func nodeError(n *yaml.Node, msg string) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, msg)}}
}

// readSecretFile reads a small regular file: a secret is a line, and a
// device or a pipe named by mistake must not hang the job at start. The
// check comes before the open, since opening a pipe waits for a writer.
func readSecretFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err == nil && len(b) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than %d KiB: a secret is one line; is it the right file?", path, maxSecretFile>>10)
	}
	return b, err
}

// maxSecretFile bounds a secret file: a password, a hash, a key is a line.
const maxSecretFile = 64 << 10

// String says where the secret comes from, never its value, so printing a
// configuration (%v, %+v, a log line) cannot leak it.
func (s Secret) String() string {
	switch {
	case s.Env != "":
		return "{env: " + s.Env + "}"
	case s.File != "":
		return "{file: " + s.File + "}"
	case s.value != "":
		return "{set in code}"
	}
	return ""
}

// GoString hides the value from %#v as String does from %v.
func (s Secret) GoString() string { return "config.Secret" + s.String() }
