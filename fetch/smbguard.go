package fetch

import (
	"encoding/binary"
	"errors"
	"net"
	"sync/atomic"
)

var errNotEncrypted = errors.New("the host does not encrypt SMB traffic on this share, and encryption is required")

// encryptionGuard sits between go-smb2 and the TCP connection and refuses
// to send a plain SMB2 message once armed, so that a host that would not
// encrypt never sees a file name or a read request in the clear. The
// library encrypts whenever the session or the share asks for it but
// offers no way to demand it.
//
// Direct-TCP framing: a 4-byte big-endian length, then the message, which
// starts with 0xFE 'S' 'M' 'B' when plain and 0xFD 'S' 'M' 'B' when
// encrypted (SMB2 TRANSFORM_HEADER).
type encryptionGuard struct {
	net.Conn
	armed   atomic.Bool
	refused atomic.Bool

	// Writes come from one goroutine at a time (the library holds its
	// send lock), so the framing state needs no lock of its own.
	head [8]byte // length and protocol id of the frame being written
	seen int     // bytes of head seen so far
	left int     // bytes of the current frame's message still to come
}

// Write refuses, and closes the connection for good, at the first plain
// message once armed: the frame it cut short leaves the stream unusable.
func (g *encryptionGuard) Write(p []byte) (int, error) {
	if g.refused.Load() {
		return 0, errNotEncrypted
	}
	if err := g.check(p); err != nil {
		g.Conn.Close()
		return 0, err
	}
	return g.Conn.Write(p)
}

// check walks the frames p continues or starts and fails on a plain
// message while armed, before any byte of p is sent.
func (g *encryptionGuard) check(p []byte) error {
	for len(p) > 0 {
		if g.seen < len(g.head) {
			n := copy(g.head[g.seen:], p)
			g.seen += n
			p = p[n:]
			if g.seen < len(g.head) {
				return nil
			}
			g.left = int(binary.BigEndian.Uint32(g.head[:4])&0xffffff) - 4
			if g.armed.Load() && g.head[4] == 0xFE {
				g.refused.Store(true)
				return errNotEncrypted
			}
		}
		n := min(g.left, len(p))
		g.left -= n
		p = p[n:]
		if g.left <= 0 {
			g.seen, g.left = 0, 0
		}
	}
	return nil
}
