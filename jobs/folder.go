package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"smsfail/lock"
	"smsfail/report"
)

// runFolder is where a run writes its workbook and the logs it keeps.
// A folder under report.dir is the run's own: created by it with a name
// no other run has, and locked while it runs, so that the next run can
// tell a folder left by a killed run from one still being written.
type runFolder struct {
	workbook string
	dir      string     // the workbook's folder
	keepDir  string     // the kept logs' folder; "" keeps none
	made     string     // the folder the run created, removed when it writes no workbook
	lock     *lock.Lock // held while the run goes; nil for --out
	written  bool
}

// maxSameSecond bounds the runs of one site started within one second
// that get a folder each.
const maxSameSecond = 1000

// openRunFolder makes the run's folder before any log is read, so that a
// report folder that cannot be written stops the run before the fetch.
func (j *Job) openRunFolder(ctx context.Context, opts Options, started time.Time) (*runFolder, error) {
	if opts.Out != "" {
		return j.outFolder(opts.Out)
	}
	base, err := filepath.Abs(j.ReportDir)
	if err != nil {
		return nil, fmt.Errorf("cannot find the report folder %s: %w", j.ReportDir, err)
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the report folder %s: %w", base, err)
	}
	j.cleanAbandoned(ctx, base)
	site := PathName(j.SiteName)
	local := started.In(j.location())
	dir, err := makeUnique(base, site+"-"+local.Format("2006-01-02-150405"))
	if err != nil {
		return nil, err
	}
	f := &runFolder{dir: dir, made: dir, workbook: filepath.Join(dir, "smsfail-"+site+"-"+local.Format("2006-01-02")+".xlsx")}
	if !j.DiscardLogs {
		f.keepDir = filepath.Join(dir, "logs")
	}
	// A run cleaning up holds a folder's lock for an instant only.
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if f.lock, err = lock.Acquire(lctx, dir, lock.Options{Wait: true, Poll: 10 * time.Millisecond}); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cannot lock the run folder %s: %w", dir, err)
	}
	return f, nil
}

// makeUnique creates base/name, or base/name-2, -3... when another run
// took it: os.Mkdir fails on a folder that exists, so no two runs, in
// this process or another, ever get the same one.
func makeUnique(base, name string) (string, error) {
	for n := 1; n <= maxSameSecond; n++ {
		dir := filepath.Join(base, name)
		if n > 1 {
			dir += "-" + strconv.Itoa(n)
		}
		err := os.Mkdir(dir, 0o755)
		if err == nil {
			return dir, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("cannot create a run folder in the report folder %s: %w", base, err)
		}
	}
	return "", fmt.Errorf("cannot create a run folder in %s: %d runs named %s started in the same second", base, maxSameSecond, name)
}

// outFolder is the folder of a workbook given with --out: the path must
// be free, or hold a workbook smsfail wrote, and its folder writable.
func (j *Job) outFolder(out string) (*runFolder, error) {
	path, err := filepath.Abs(out)
	if err != nil {
		return nil, fmt.Errorf("cannot write the workbook to %s: %w", out, err)
	}
	if err := report.CheckReplaceable(path); err != nil {
		return nil, err
	}
	f := &runFolder{workbook: path, dir: filepath.Dir(path)}
	if !j.DiscardLogs {
		f.keepDir = filepath.Join(f.dir, "logs")
	}
	f.made = newFolder(f.dir, f.keepDir)
	if err := os.MkdirAll(f.dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the folder of %s: %w", path, err)
	}
	probe, err := os.CreateTemp(f.dir, ".smsfail-probe-*")
	if err != nil {
		f.discard(j.logger())
		return nil, fmt.Errorf("cannot write in %s, the folder of --out: %w", f.dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return f, nil
}

// newFolder is the first of dirs, each inside the one before, that does
// not exist yet: the folder a run makes, so that a folder given with --out
// is never removed. "" when all exist.
func newFolder(dirs ...string) string {
	for _, d := range dirs {
		if d == "" {
			return ""
		}
		if _, err := os.Stat(d); errors.Is(err, fs.ErrNotExist) {
			return d
		}
	}
	return ""
}

// close releases the folder at the end of the run; a run that wrote no
// workbook removes the folder it made, with the logs kept there. The lock
// goes first: released, it holds no run's record, so a run cleaning up
// meanwhile leaves the folder alone, and Windows removes no file still open.
func (f *runFolder) close(log *slog.Logger) {
	if f.lock != nil {
		if err := f.lock.Release(); err != nil {
			log.Warn("cannot release the run folder's lock", "folder", f.dir, "err", err)
		}
	}
	if !f.written {
		f.discard(log)
		return
	}
	if f.lock != nil {
		os.Remove(f.lock.Path())
	}
}

func (f *runFolder) discard(log *slog.Logger) {
	if f.made == "" {
		return
	}
	if err := os.RemoveAll(f.made); err != nil {
		log.Warn("cannot remove the folder of a run that wrote no workbook", "folder", f.made, "err", err)
	}
}

// cleanAbandoned removes what killed runs left in the report folder: a
// run folder whose lock holds a run's record but no live process holds
// the lock. Without a workbook the whole folder goes (the logs it kept
// are of no report); with one, its unfinished files (.part-* copies of
// logs, .tmp workbooks) and the lock.
func (j *Job) cleanAbandoned(ctx context.Context, base string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	for _, e := range entries {
		dir := filepath.Join(base, e.Name())
		if !e.IsDir() {
			continue
		}
		if _, err := os.Lstat(filepath.Join(dir, lock.FileName)); err != nil {
			continue // not a run folder of this version, or one that ended
		}
		l, err := lock.Acquire(ctx, dir, lock.Options{})
		if err != nil {
			continue // a run still going
		}
		if l.Stale == nil && !l.StaleGarbled {
			l.Release() // a run that is just starting, or ended cleanly
			continue
		}
		j.cleanRunFolder(dir, l)
	}
}

// cleanRunFolder cleans the folder of a killed run, whose lock l it holds.
func (j *Job) cleanRunFolder(dir string, l *lock.Lock) {
	left, wrote := unfinished(dir)
	holder := "a run whose record is cut short"
	if l.Stale != nil {
		holder = l.Stale.String()
	}
	l.Release()
	if !wrote {
		if err := os.RemoveAll(dir); err != nil {
			j.logger().Warn("cannot remove the folder of a killed run", "folder", dir, "err", err)
			return
		}
		j.logger().Warn("removed the folder of a run that was killed before its workbook", "folder", dir, "run", holder)
		return
	}
	for _, p := range left {
		os.Remove(p)
	}
	os.Remove(l.Path())
	j.logger().Warn("removed the unfinished files of a run that was killed after its workbook", "folder", dir,
		"files", len(left), "run", holder)
}

// unfinished lists the files of a run folder that a run writes under a
// temporary name (.part-* copies of logs, .*.tmp workbooks), and says
// whether it holds a workbook.
func unfinished(dir string) (left []string, wrote bool) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		name := d.Name()
		switch {
		case strings.HasPrefix(name, ".part-") || (strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".tmp")):
			left = append(left, p)
		case filepath.Dir(p) == dir && strings.EqualFold(filepath.Ext(name), ".xlsx"):
			wrote = true
		}
		return nil
	})
	return left, wrote
}

// PathName reduces a name (the site's) to one that is safe as part of a
// file name on every system: letters, digits, '-', '_' and '.', other
// characters as '_', no leading or trailing dot, at most 64 characters,
// and never a name Windows reserves. It never holds a path separator, so
// it cannot leave the folder it names something in.
func PathName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	s := strings.Trim(b.String(), "._")
	if r := []rune(s); len(r) > 64 {
		s = strings.Trim(string(r[:64]), "._")
	}
	if s == "" {
		return "site"
	}
	if reservedOnWindows(s) {
		s = "_" + s
	}
	return s
}

// reservedOnWindows reports names Windows keeps for devices, with or
// without an extension.
func reservedOnWindows(s string) bool {
	stem := strings.ToUpper(strings.SplitN(s, ".", 2)[0])
	switch stem {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	if len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) && stem[3] >= '0' && stem[3] <= '9' {
		return true
	}
	return false
}
