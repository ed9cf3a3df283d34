package fetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Local reads logs from a folder laid out <root>/<HOST>/<share>/<path>,
// such as <root>/PC0042/admin$/svcpack.log: the demo site, and logs an
// admin collected earlier. Names match without regard to case, as they
// would on the clients. Nothing outside a host's folder is ever read: a
// symbolic link leading out of it, a named pipe or a device in place of a
// log is refused (access denied), so a planted link cannot copy a file of
// this machine into a report.
type Local struct {
	root string
}

// NewLocal returns a Source reading from the folder root.
func NewLocal(root string) (*Local, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("cannot use log folder %s: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("cannot use log folder %s: not a folder", root)
	}
	return &Local{root: root}, nil
}

func (l *Local) String() string { return "folder " + l.root }

// Connect opens the host's folder, which every later open stays inside;
// a host without one is unreachable.
func (l *Local) Connect(ctx context.Context, host string) (Session, error) {
	return await(ctx, func() (Session, error) {
		root, err := os.OpenRoot(l.root)
		if err != nil {
			return nil, fmt.Errorf("cannot open log folder %s: %w", l.root, err)
		}
		defer root.Close()
		name, err := resolveFold(root, ".", host)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("cannot find host folder %s in %s: %w", host, l.root, ErrUnreachable)
		}
		if err != nil {
			return nil, fmt.Errorf("cannot open host folder %s in %s: %w", host, l.root, err)
		}
		dir, err := root.OpenRoot(name)
		if err != nil {
			return nil, fmt.Errorf("cannot open host folder %s in %s: %w", host, l.root, err)
		}
		return &localSession{root: dir}, nil
	}, func(s Session) { s.Close(ctx) })
}

type localSession struct {
	root *os.Root // the host's folder
}

func (s *localSession) Close(ctx context.Context) error { return s.root.Close() }

// Open opens a regular file only, bounded by ctx: a named pipe opens
// without waiting for a writer and is then refused by its type.
func (s *localSession) Open(ctx context.Context, share, path string) (File, error) {
	return await(ctx, func() (File, error) {
		p, err := s.resolve(share, path)
		if err != nil {
			return nil, err
		}
		f, err := s.root.OpenFile(p, os.O_RDONLY|openNonblock, 0)
		if err != nil {
			return nil, err
		}
		fi, err := f.Stat()
		if err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
			err = fmt.Errorf("%s is %s, not a log file: %w", path, kindOf(fi.Mode()), ErrAccessDenied)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}, func(f File) { f.Close() })
}

func (s *localSession) ReadDir(ctx context.Context, share, dir string) ([]fs.FileInfo, error) {
	return await(ctx, func() ([]fs.FileInfo, error) {
		p, err := s.resolve(share, dir)
		if err != nil {
			return nil, err
		}
		d, err := s.root.Open(p)
		if err != nil {
			return nil, err
		}
		defer d.Close()
		entries, err := d.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		infos := make([]fs.FileInfo, 0, len(entries))
		for _, e := range entries {
			fi, err := e.Info()
			if err != nil {
				continue // removed since the listing
			}
			infos = append(infos, fi)
		}
		return infos, nil
	}, nil)
}

// resolve finds share\path in the host's folder, element by element.
func (s *localSession) resolve(share, path string) (string, error) {
	dir, err := resolveFold(s.root, ".", share)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("cannot find share %s: %w", share, ErrShareMissing)
	}
	if err != nil {
		return "", err
	}
	for _, elem := range splitPath(path) {
		if dir, err = resolveFold(s.root, dir, elem); errors.Is(err, ErrAccessDenied) {
			return "", err
		} else if err != nil {
			return "", &fs.PathError{Op: "open", Path: path, Err: err}
		}
	}
	return dir, nil
}

// resolveFold returns dir/name in root, or the entry of dir whose name
// equals name without regard to case when there is no exact match. A
// symbolic link must lead to an entry of root.
func resolveFold(root *os.Root, dir, name string) (string, error) {
	if !validElem(name) {
		return "", fmt.Errorf("invalid name %q: %w", name, fs.ErrNotExist)
	}
	p := filepath.Join(dir, name)
	fi, err := root.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		if p, err = findFold(root, dir, name); err != nil {
			return "", err
		}
		fi, err = root.Lstat(p)
	}
	if err != nil {
		return "", err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return p, insideRoot(root, p)
	}
	return p, nil
}

// findFold looks for name in dir without regard to case.
func findFold(root *os.Root, dir, name string) (string, error) {
	d, err := root.Open(dir)
	if err != nil {
		return "", err
	}
	defer d.Close()
	entries, err := d.ReadDir(-1)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if strings.EqualFold(e.Name(), name) {
			return filepath.Join(dir, e.Name()), nil
		}
	}
	return "", fs.ErrNotExist
}

// insideRoot checks that the symbolic link p leads to an entry of root;
// os.Root refuses to follow it anywhere else.
func insideRoot(root *os.Root, p string) error {
	_, err := root.Stat(p)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return fmt.Errorf("%s is a symbolic link that does not stay inside %s: %w",
		filepath.ToSlash(p), root.Name(), ErrAccessDenied)
}

// kindOf names a file type that is not a log.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "an irregular file"
}

// validElem reports whether a path element names an entry of its folder
// and nothing else: no parent, no drive, no alternate data stream.
func validElem(e string) bool {
	return e != "" && e != "." && e != ".." && !strings.ContainsAny(e, `\/:`+"\x00")
}
