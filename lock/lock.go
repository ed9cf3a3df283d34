// Package lock keeps runs of the job from overlapping: one run at a time per
// state folder, across processes. The lock is an operating-system lock on a
// file in the state folder, so it dies with the process that held it; the
// file also records who holds it, so a second run can say who it waits for.
package lock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// FileName is the lock file's name in the state folder.
const FileName = "smsfail.lock"

// DefaultPoll is how often a waiting run retries the lock.
const DefaultPoll = time.Second

// Holder is who holds, or last held, the lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

func (h Holder) String() string {
	return fmt.Sprintf("a run started at %s by pid %d on %s", h.Started.Local().Format("2006-01-02 15:04:05 MST"), h.PID, h.Host)
}

// HeldError says the lock is held by another run.
type HeldError struct {
	Path   string
	Holder *Holder // nil when the holder has not written its details yet, or wrote garbage
}

func (e *HeldError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("another run holds the lock %s", e.Path)
	}
	return fmt.Sprintf("%s is still going (lock %s)", e.Holder, e.Path)
}

// Options tune Acquire.
type Options struct {
	// Wait makes Acquire wait until the lock is free or ctx ends; otherwise
	// it refuses at once with a *HeldError.
	Wait bool
	// Poll is how often a waiting Acquire retries; DefaultPoll when zero.
	Poll time.Duration
	// Waiting, when set, is called once when a waiting Acquire finds the
	// lock held, so the user learns what the run waits for.
	Waiting func(held *HeldError)
	// Now gives the start time to record; time.Now when nil.
	Now func() time.Time
}

// Lock is a held lock. Release it when the run ends.
type Lock struct {
	f    *os.File
	path string
	// Stale is the holder recorded by a run that ended without releasing the
	// lock (killed, or its machine lost power), nil after a clean release.
	Stale *Holder
	// StaleGarbled is set when the file held something that is not a holder
	// record: a run killed while writing it.
	StaleGarbled bool
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// Acquire takes the lock of the state folder dir, creating the folder and
// the lock file as needed.
func Acquire(ctx context.Context, dir string, opts Options) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create state folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	poll := opts.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	for told := false; ; told = true {
		l, err := tryAcquire(path, opts.Now)
		var held *HeldError
		if err == nil || !errors.As(err, &held) || !opts.Wait {
			return l, err
		}
		if !told && opts.Waiting != nil {
			opts.Waiting(held)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gave up waiting: %w: %w", held, context.Cause(ctx))
		case <-time.After(poll):
		}
	}
}

func tryAcquire(path string, now func() time.Time) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file %s: %w", path, err)
	}
	ok, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot lock %s: %w", path, err)
	}
	if !ok {
		h, _ := readHolder(f)
		f.Close()
		return nil, &HeldError{Path: path, Holder: h}
	}
	l := &Lock{f: f, path: path}
	// Holding the OS lock proves any record left in the file is stale: its
	// writer's lock died with it.
	h, garbled := readHolder(f)
	l.Stale, l.StaleGarbled = h, garbled
	if err := l.record(now); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

func (l *Lock) record(now func() time.Time) error {
	if now == nil {
		now = time.Now
	}
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	b, err := json.Marshal(Holder{PID: os.Getpid(), Host: host, Started: now()})
	if err != nil {
		return fmt.Errorf("cannot encode lock record: %w", err)
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("cannot write lock file %s: %w", l.path, err)
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return fmt.Errorf("cannot write lock file %s: %w", l.path, err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("cannot write lock file %s: %w", l.path, err)
	}
	return nil
}

// readHolder reads the record in the lock file. An empty file (released
// cleanly, or not written yet) gives nil; garbage gives nil and garbled.
func readHolder(f *os.File) (h *Holder, garbled bool) {
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<16))
	if err != nil || len(b) == 0 {
		return nil, false
	}
	var rec Holder
	if err := json.Unmarshal(b, &rec); err != nil || rec.PID == 0 {
		return nil, true
	}
	return &rec, false
}

// Release empties the lock file, so the next run knows this one ended
// cleanly, and lets go of the lock. The file stays: removing it would let
// a run that opened it just before lock a file no one else can see.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	terr := l.f.Truncate(0)
	uerr := unlockFile(l.f)
	cerr := l.f.Close()
	l.f = nil
	if err := errors.Join(terr, uerr, cerr); err != nil {
		return fmt.Errorf("cannot release lock %s: %w", l.path, err)
	}
	return nil
}
