//go:build windows

package fetch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strconv"

	"golang.org/x/sys/windows"
)

// WindowsShares reads \\HOST\share\path through Windows' own SMB client,
// with the rights of the account the job runs as (a service account with
// admin$ read on the clients): no credentials in the configuration.
type WindowsShares struct {
	port int
	// dial reaches a host's SMB port; the tests give one that knows
	// their hosts' names.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewWindowsShares returns the native UNC source.
func NewWindowsShares() (*WindowsShares, error) {
	var d net.Dialer
	return &WindowsShares{port: DefaultSMBPort, dial: d.DialContext}, nil
}

func (w *WindowsShares) String() string { return "UNC paths as the service account" }

// Connect checks that the host answers on the SMB port within ctx, so an
// offline host costs the connect timeout, not Windows' own (much longer)
// one. The logon happens on the first open, with the process's token.
func (w *WindowsShares) Connect(ctx context.Context, host string) (Session, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(w.port))
	c, err := w.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	c.Close()
	return &uncSession{host: host}, nil
}

type uncSession struct {
	host string
}

func (s *uncSession) path(share, p string) string {
	return UNC(s.host, LogPath{Share: share, Path: p})
}

func (s *uncSession) Close(ctx context.Context) error { return nil }

// Open opens with read access only and lets the client's programs go on
// reading, writing, renaming and deleting the file meanwhile.
func (s *uncSession) Open(ctx context.Context, share, p string) (File, error) {
	name := s.path(share, p)
	f, err := await(ctx, func() (*os.File, error) {
		u, err := windows.UTF16PtrFromString(name)
		if err != nil {
			return nil, err
		}
		h, err := windows.CreateFile(u, windows.GENERIC_READ,
			windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil,
			windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL|windows.FILE_FLAG_SEQUENTIAL_SCAN, 0)
		if err != nil {
			return nil, &fs.PathError{Op: "open", Path: name, Err: classifyWindows(err)}
		}
		return os.NewFile(uintptr(h), name), nil
	}, func(f *os.File) { f.Close() })
	if err != nil {
		return nil, err
	}
	return &uncFile{File: f, ctx: ctx}, nil
}

func (s *uncSession) ReadDir(ctx context.Context, share, dir string) ([]fs.FileInfo, error) {
	name := s.path(share, dir)
	return await(ctx, func() ([]fs.FileInfo, error) {
		entries, err := os.ReadDir(name)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				pe.Err = classifyWindows(pe.Err)
			}
			return nil, err
		}
		infos := make([]fs.FileInfo, 0, len(entries))
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				infos = append(infos, fi)
			}
		}
		return infos, nil
	}, nil)
}

// uncFile gives up on a read when ctx ends: Windows' own timeout on a host
// that went silent is far longer than a host's deadline.
type uncFile struct {
	*os.File
	ctx context.Context
}

func (f *uncFile) Read(p []byte) (int, error) {
	type result struct {
		n   int
		err error
	}
	buf := make([]byte, len(p)) // the read may outlive this call
	n, err := await(f.ctx, func() (result, error) {
		n, err := f.File.Read(buf)
		return result{n, err}, nil
	}, nil)
	if err != nil {
		return 0, err
	}
	return copy(p, buf[:n.n]), n.err
}

// classifyWindows puts the package's own errors in the chain of the
// Windows errors that mean them.
func classifyWindows(err error) error {
	var errno windows.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch errno {
	case windows.ERROR_LOGON_FAILURE, windows.ERROR_ACCESS_DENIED, windows.ERROR_ACCOUNT_RESTRICTION,
		windows.ERROR_ACCOUNT_DISABLED, windows.ERROR_ACCOUNT_EXPIRED, windows.ERROR_PASSWORD_EXPIRED:
		return fmt.Errorf("%w: %w", ErrAccessDenied, err)
	case windows.ERROR_BAD_NET_NAME:
		return fmt.Errorf("%w: %w", ErrShareMissing, err)
	case windows.ERROR_BAD_NETPATH, windows.ERROR_NETNAME_DELETED, windows.ERROR_SEM_TIMEOUT,
		windows.ERROR_HOST_UNREACHABLE, windows.ERROR_NETWORK_UNREACHABLE, windows.ERROR_CONNECTION_REFUSED,
		windows.ERROR_UNEXP_NET_ERR:
		return fmt.Errorf("%w: %w", ErrUnreachable, err)
	}
	return err
}
