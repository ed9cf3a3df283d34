// Package smtptest provides a real SMTP server on 127.0.0.1 inside a test
// process (github.com/emersion/go-smtp), for the tests of the mail package
// and of the commands that send mail: plain, STARTTLS or TLS from the first
// byte with a certificate from a test CA, PLAIN and LOGIN authentication,
// answers that refuse recipients or data on demand, and a SIZE limit
// announced and enforced. It also reads a received message back into its
// MIME parts.
package smtptest

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Server is a running SMTP server. User and Password are the only
// credentials it accepts.
type Server struct {
	Host     string
	Port     int
	User     string
	Password string

	mu       sync.Mutex
	sessions int // connections: STARTTLS starts a second session on one
	conns    map[*smtp.Conn]int
	mails    []Mail
	rcptErr  *smtp.SMTPError
	dataErr  *smtp.SMTPError
	failN    int
	echo     bool
	echoArg  bool
	hangUp   hangUp
}

// hangUp says when the server drops a connection after reading a message.
type hangUp struct {
	n        int  // in the first n sessions, all when < 0; none when 0
	accepted bool // after accepting the message rather than before answering
}

// Mail is one message the server accepted.
type Mail struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // received over TLS
	User string // the user that authenticated, "" if none
	Helo string // the name the client greeted with (EHLO)
}

// Options choose the server's TLS.
type Options struct {
	STARTTLS *tls.Config // offer STARTTLS with this certificate
	Implicit *tls.Config // TLS from the first byte
	// MaxMessageBytes, when positive, is announced as SIZE in the EHLO
	// answer and enforced: a longer message is refused with
	// "552 5.3.4 Maximum message size exceeded", as Exchange and Postfix do.
	MaxMessageBytes int64
	// Trickle makes the server write its answers one byte at a time,
	// this long apart: a server that answers every command in time, and
	// a conversation that lasts.
	Trickle time.Duration
}

// Start starts a server on 127.0.0.1 and a free port; it stops when the
// test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{Host: "127.0.0.1", User: "smsfail", Password: "s3cret-Pa55", conns: map[*smtp.Conn]int{}}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		n, ok := s.conns[c]
		if !ok {
			s.sessions++
			n = s.sessions
			s.conns[c] = n
		}
		return &session{s: s, conn: c, n: n}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.TLSConfig = opts.STARTTLS
	srv.MaxMessageBytes = opts.MaxMessageBytes
	var l net.Listener
	var err error
	if opts.Implicit != nil {
		l, err = tls.Listen("tcp", "127.0.0.1:0", opts.Implicit)
	} else {
		l, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	if opts.Trickle > 0 {
		l = trickleListener{Listener: l, pause: opts.Trickle}
	}
	s.Port = l.Addr().(*net.TCPAddr).Port
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Refuse makes the server answer RCPT with rcpt and DATA with data (either
// may be nil) in its first n sessions, or in all of them when n < 0.
func (s *Server) Refuse(rcpt, data *smtp.SMTPError, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcptErr, s.dataErr, s.failN = rcpt, data, n
}

// HangUp makes the server drop the connection once it has read a message,
// in its first n sessions (all of them when n < 0): before answering, so
// the message is lost; or, with accepted set, just after accepting it, so
// the message is delivered and the client only sees the connection fail on
// its next command.
func (s *Server) HangUp(accepted bool, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangUp = hangUp{n: n, accepted: accepted}
}

// EchoCredentials makes the server a careless one that repeats the
// credentials it refused in its answer.
func (s *Server) EchoCredentials() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echo = true
}

// EchoAuthArgument makes the server repeat, in its refusal, what the
// client sent at the step of AUTH that failed, base64-encoded as it came:
// for PLAIN the encoding of "\0user\0password", for LOGIN that of the
// password.
func (s *Server) EchoAuthArgument() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.echoArg = true
}

// Received returns the mails accepted so far.
func (s *Server) Received() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Sessions counts the SMTP sessions so far.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

// Only returns the one mail the server received, and fails the test if it
// received another number.
func (s *Server) Only(t testing.TB) Mail {
	t.Helper()
	got := s.Received()
	if len(got) != 1 {
		t.Fatalf("server received %d mails, want 1", len(got))
	}
	return got[0]
}

type session struct {
	s    *Server
	conn *smtp.Conn
	n    int
	cur  Mail
	drop bool // drop the connection at the reset that follows an accepted message
}

// refusal returns the error to answer with in this session, if any.
func (ss *session) refusal(which func(s *Server) *smtp.SMTPError) error {
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if e := which(ss.s); e != nil && (ss.s.failN < 0 || ss.n <= ss.s.failN) {
		return e
	}
	return nil
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, password string) error {
		if user != ss.s.User || password != ss.s.Password {
			msg := "Authentication credentials invalid"
			ss.s.mu.Lock()
			if ss.s.echo {
				msg += " for " + user + " with password " + password
			}
			ss.s.mu.Unlock()
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: msg}
		}
		ss.cur.User = user
		return nil
	}
	if mech == sasl.Login {
		return &echoServer{Server: &loginServer{check: check}, s: ss.s}, nil
	}
	plain := sasl.NewPlainServer(func(identity, user, password string) error { return check(user, password) })
	return &echoServer{Server: plain, s: ss.s}, nil
}

// echoServer adds the client's base64 argument to a refusal when the
// server is told to echo it.
type echoServer struct {
	sasl.Server
	s *Server
}

func (e *echoServer) Next(response []byte) ([]byte, bool, error) {
	challenge, done, err := e.Server.Next(response)
	var se *smtp.SMTPError
	if err == nil || !errors.As(err, &se) {
		return challenge, done, err
	}
	e.s.mu.Lock()
	defer e.s.mu.Unlock()
	if e.s.echoArg {
		echoed := *se
		echoed.Message += ": bad credentials for " + base64.StdEncoding.EncodeToString(response)
		return challenge, done, &echoed
	}
	return challenge, done, err
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.cur.From = from
	ss.cur.Helo = ss.conn.Hostname()
	_, ss.cur.TLS = ss.conn.TLSConnectionState()
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.refusal(func(s *Server) *smtp.SMTPError { return s.rcptErr }); err != nil {
		return err
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if err := ss.refusal(func(s *Server) *smtp.SMTPError { return s.dataErr }); err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	h := ss.s.hangUp
	hangUp := h.n < 0 || ss.n <= h.n
	if hangUp && !h.accepted {
		ss.conn.Conn().Close()
		return io.ErrUnexpectedEOF
	}
	ss.cur.Data = b
	ss.s.mails = append(ss.s.mails, ss.cur)
	ss.drop = hangUp
	return nil
}

// Reset follows every message, once its answer is written.
func (ss *session) Reset() {
	if ss.drop {
		ss.conn.Conn().Close()
	}
	ss.cur, ss.drop = Mail{User: ss.cur.User}, false
}

func (ss *session) Logout() error { return nil }

// loginServer is the LOGIN mechanism, which go-sasl does not serve.
type loginServer struct {
	step  int
	user  string
	check func(user, password string) error
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	l.step++
	switch l.step {
	case 1:
		if len(response) == 0 {
			return []byte("Username:"), false, nil
		}
		l.user = string(response)
		l.step++
		return []byte("Password:"), false, nil
	case 2:
		l.user = string(response)
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}

// trickleListener accepts connections that write one byte at a time.
type trickleListener struct {
	net.Listener
	pause time.Duration
}

func (l trickleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return trickleConn{Conn: c, pause: l.pause}, nil
}

type trickleConn struct {
	net.Conn
	pause time.Duration
}

func (c trickleConn) Write(p []byte) (int, error) {
	for i := range p {
		time.Sleep(c.pause)
		if _, err := c.Conn.Write(p[i : i+1]); err != nil {
			return i, err
		}
	}
	return len(p), nil
}
