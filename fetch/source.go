// Package fetch reads failing clients' logs over their admin shares: which
// file belongs to which program (Locator), where to read it from (a Source:
// SMB 2/3 from any OS, SMB 1 to 3 through Samba's smbclient for the
// Windows 2000, XP and 2003 clients go-smb2 cannot reach, native UNC paths
// on Windows, or a local folder of logs collected earlier), and Run, which reads thousands of hosts at once
// with a deadline per host, so that an offline machine costs seconds and
// never hangs the night's run. Nothing is ever written on a client.
package fetch

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
)

// Source opens sessions with hosts to read files from their shares. Host
// names reaching a Source have passed ValidHost.
type Source interface {
	// Connect reaches host and logs on. Errors say whether the host could
	// not be reached or refused the logon (see Run for how they are told
	// apart). The session must be closed.
	Connect(ctx context.Context, host string) (Session, error)
}

// Session reads files from one host's shares. Paths are relative to the
// share and backslash-separated, as an admin writes them; they never hold
// ".." (the Locator refuses such templates). Names are matched without
// regard to case, as Windows does.
type Session interface {
	// Open opens a file for reading, without an oplock, so that the
	// client's own programs go on writing it. Native UNC shares delete
	// access too; SMB cannot (go-smb2, and smbclient, share read and
	// write only), so while it reads a log the client cannot delete or
	// rename it.
	Open(ctx context.Context, share, path string) (File, error)
	// ReadDir lists a folder on the share; dir "" is the share's root.
	ReadDir(ctx context.Context, share, dir string) ([]fs.FileInfo, error)
	// Close logs off and releases the connection, whatever state it is
	// in; ctx bounds the farewell, never the release.
	Close(ctx context.Context) error
}

// File is an open file on a client. Seek serves reading the end of a log
// larger than the cap.
type File interface {
	io.ReadSeekCloser
	Stat() (fs.FileInfo, error)
}

// Errors a Source returns (wrapped) where its protocol has no error of its
// own to say the same.
var (
	// ErrShareMissing: the host has no such share (or, on Samba, no folder
	// behind it).
	ErrShareMissing = errors.New("share not found")
	// ErrAccessDenied: the logon or the share's permissions refused us.
	ErrAccessDenied = errors.New("access denied")
	// ErrUnreachable: nothing answered for the host.
	ErrUnreachable = errors.New("host unreachable")
)

// splitPath turns a backslash-separated path into its elements, dropping
// empty ones; "" is the share's root.
func splitPath(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '\\' || r == '/' })
}

// UNC is the path an admin would type for a file on a host's share.
func UNC(host string, p LogPath) string {
	s := `\\` + host + `\` + p.Share
	if elems := splitPath(p.Path); len(elems) > 0 {
		s += `\` + strings.Join(elems, `\`)
	}
	return s
}
