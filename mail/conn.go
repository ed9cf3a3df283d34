package mail

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// boundedDial dials the relay for one attempt. go-mail gives each command
// its own deadline, so a server that answers every command, one byte at a
// time, would hold a run for the length of the whole conversation; the
// connection this returns ends at ctx's deadline (the attempt's timeout)
// or as soon as ctx is cancelled, whatever deadline go-mail asks for.
func boundedDial(ctx context.Context, cfg Config, tlsConfig *tls.Config) gomail.DialContextFunc {
	return func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		bc := newBoundedConn(ctx, c)
		if cfg.TLS != TLSImplicit {
			return bc, nil
		}
		tc := tls.Client(bc, tlsConfig)
		if err := tc.HandshakeContext(dctx); err != nil {
			tc.Close()
			return nil, err
		}
		return tc, nil
	}
}

// boundedConn is a connection whose deadlines never pass ctx's.
type boundedConn struct {
	net.Conn
	ctx  context.Context
	end  time.Time // ctx's deadline; zero when it has none
	stop func() bool
}

// expired is a deadline already past: every pending read and write fails.
var expired = time.Unix(1, 0)

func newBoundedConn(ctx context.Context, c net.Conn) *boundedConn {
	b := &boundedConn{Conn: c, ctx: ctx}
	b.end, _ = ctx.Deadline()
	b.stop = context.AfterFunc(ctx, func() { c.SetDeadline(expired) })
	c.SetDeadline(b.end)
	return b
}

func (b *boundedConn) clamp(t time.Time) time.Time {
	switch {
	case b.ctx.Err() != nil:
		return expired
	case !b.end.IsZero() && (t.IsZero() || t.After(b.end)):
		return b.end
	}
	return t
}

func (b *boundedConn) SetDeadline(t time.Time) error      { return b.Conn.SetDeadline(b.clamp(t)) }
func (b *boundedConn) SetReadDeadline(t time.Time) error  { return b.Conn.SetReadDeadline(b.clamp(t)) }
func (b *boundedConn) SetWriteDeadline(t time.Time) error { return b.Conn.SetWriteDeadline(b.clamp(t)) }

func (b *boundedConn) Close() error {
	b.stop()
	return b.Conn.Close()
}
