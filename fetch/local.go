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
// would on the clients.
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

// Connect finds the host's folder; a host without one is unreachable.
func (l *Local) Connect(ctx context.Context, host string) (Session, error) {
	dir, err := resolveFold(l.root, host)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("cannot find host folder %s in %s: %w", host, l.root, ErrUnreachable)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open host folder %s in %s: %w", host, l.root, err)
	}
	return &localSession{dir: dir}, nil
}

type localSession struct {
	dir string // the host's folder
}

func (s *localSession) Close(ctx context.Context) error { return nil }

func (s *localSession) Open(ctx context.Context, share, path string) (File, error) {
	p, err := s.resolve(share, path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (s *localSession) ReadDir(ctx context.Context, share, dir string) ([]fs.FileInfo, error) {
	p, err := s.resolve(share, dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(p)
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
}

// resolve finds share\path under the host's folder, element by element.
func (s *localSession) resolve(share, path string) (string, error) {
	dir, err := resolveFold(s.dir, share)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("cannot find share %s: %w", share, ErrShareMissing)
	}
	if err != nil {
		return "", err
	}
	for _, elem := range splitPath(path) {
		if dir, err = resolveFold(dir, elem); err != nil {
			return "", &fs.PathError{Op: "open", Path: path, Err: err}
		}
	}
	return dir, nil
}

// resolveFold returns dir/name, or the entry of dir whose name equals name
// without regard to case when there is no exact match.
func resolveFold(dir, name string) (string, error) {
	if !validElem(name) {
		return "", fmt.Errorf("invalid name %q: %w", name, fs.ErrNotExist)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Lstat(p); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return p, err
	}
	entries, err := os.ReadDir(dir)
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

// validElem reports whether a path element names an entry of its folder
// and nothing else: no parent, no drive, no alternate data stream.
func validElem(e string) bool {
	return e != "" && e != "." && e != ".." && !strings.ContainsAny(e, `\/:`+"\x00")
}
