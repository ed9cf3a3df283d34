package fetch

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// keeper keeps the logs read from one host as <dir>/<HOST>/<file name>, so
// the report can link to them after the client has cleaned up. One keeper
// serves one host's targets, one after the other.
type keeper struct {
	dir   string            // <KeepDir>/<HOST>; "" keeps nothing
	base  string            // the folder kept paths are relative to: KeepDir's parent
	names map[string]string // upper-case kept name -> upper-case UNC it holds
}

func newKeeper(keepDir, host string) *keeper {
	if keepDir == "" {
		return &keeper{}
	}
	return &keeper{
		dir:   filepath.Join(keepDir, strings.ToUpper(host)),
		base:  filepath.Dir(filepath.Clean(keepDir)),
		names: map[string]string{},
	}
}

// keptFile is a copy being written; it appears under its name only once
// complete, so a crash never leaves a half log that looks whole.
type keptFile struct {
	*os.File // nil when nothing is kept
	final    string
	rel      string
	err      error // the first write error: the copy is then dropped, the read goes on
}

// create starts the copy of the log at unc, whose file name is name.
func (k *keeper) create(unc, name string) (*keptFile, error) {
	if k.dir == "" {
		return &keptFile{}, nil
	}
	if err := os.MkdirAll(k.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot keep a copy of %s: %w", unc, err)
	}
	final := filepath.Join(k.dir, k.name(unc, name))
	f, err := os.CreateTemp(k.dir, ".part-*")
	if err != nil {
		return nil, fmt.Errorf("cannot keep a copy of %s: %w", unc, err)
	}
	rel, err := filepath.Rel(k.base, final)
	if err != nil {
		rel = final
	}
	return &keptFile{File: f, final: final, rel: filepath.ToSlash(rel)}, nil
}

// name picks the kept file's name: the log's own, made safe for this
// machine's file system, with ~2, ~3, ... when another log of the same
// host already took it.
func (k *keeper) name(unc, name string) string {
	safe := safeName(name)
	ext := filepath.Ext(safe)
	stem := strings.TrimSuffix(safe, ext)
	key := strings.ToUpper(unc)
	for n := 1; ; n++ {
		candidate := safe
		if n > 1 {
			candidate = stem + "~" + strconv.Itoa(n) + ext
		}
		holder, taken := k.names[strings.ToUpper(candidate)]
		if !taken || holder == key {
			k.names[strings.ToUpper(candidate)] = key
			return candidate
		}
	}
}

// safeName keeps letters, digits and a few punctuation marks of a name a
// client sent, so that no listing can steer the copy out of its folder.
func safeName(name string) string {
	b := []byte(name)
	for i, c := range b {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.()+ ", c) >= 0
		if !ok {
			b[i] = '_'
		}
	}
	s := strings.Trim(string(b), ". ")
	if s == "" {
		return "log"
	}
	return s
}

// Write never fails: a copy that cannot be written (a full disk) must not
// stop the log being read, so the error waits for commit.
func (f *keptFile) Write(p []byte) (int, error) {
	if f.File == nil || f.err != nil {
		return len(p), nil
	}
	if _, err := f.File.Write(p); err != nil {
		f.err = fmt.Errorf("cannot keep a copy as %s: %w", f.final, err)
	}
	return len(p), nil
}

// commit moves the complete copy under its name and returns its path
// relative to the run's folder ("" when nothing is kept).
func (f *keptFile) commit() (string, error) {
	if f.File == nil {
		return "", nil
	}
	if f.err != nil {
		f.discard()
		return "", f.err
	}
	if err := f.File.Close(); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("cannot keep a copy as %s: %w", f.final, err)
	}
	if err := os.Rename(f.Name(), f.final); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("cannot keep a copy as %s: %w", f.final, err)
	}
	return f.rel, nil
}

// discard drops an incomplete copy.
func (f *keptFile) discard() {
	if f.File != nil {
		f.File.Close()
		os.Remove(f.Name())
	}
}
