package fetch

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cloudsoda/go-smb2"
)

// SMBOptions says how to log on to the clients' admin shares over SMB 2/3.
// NTLM is used unless a Kerberos keytab or credential cache is given.
type SMBOptions struct {
	// User is the account, as "user", "DOMAIN\user" or "user@domain".
	User   string `yaml:"user"`
	Domain string `yaml:"domain"` // for NTLM, when User does not name it
	// Password, or NTHash (32 hex digits) in its place, for NTLM.
	Password string `yaml:"password,secret"`
	NTHash   string `yaml:"nt_hash,secret"`

	Kerberos KerberosOptions `yaml:"kerberos"`

	// RequireSigning signs every message and refuses unsigned answers and
	// guest sessions; without it messages are signed when the host
	// requires it (and tree connects always).
	RequireSigning bool `yaml:"require_signing"`
	// RequireEncryption refuses to send a request to a share the host does
	// not encrypt (SMB 3 only); encryption is used whenever a host asks.
	RequireEncryption bool `yaml:"require_encryption"`

	Port int `yaml:"port"` // TCP port, 445 when zero

	// DialContext opens the TCP connection; nil uses net.Dialer. Tests
	// use it to point host names at loopback addresses and to add latency.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error) `yaml:"-"`
}

// ErrSMB1Only is in the chain of SMB's error for a host that closed the
// connection without a word at the SMB 2 negotiation. go-smb2 speaks no
// SMB 1; SMBClient does (see SMB1Fallback).
var ErrSMB1Only = errors.New("the host closed the connection without answering in SMB 2: it may speak SMB 1 only, as Windows XP, Server 2003 and older do")

// DefaultSMBPort is the port Windows serves SMB on.
const DefaultSMBPort = 445

// SMB reads logs over SMB 2/3 with github.com/cloudsoda/go-smb2, from any
// operating system.
type SMB struct {
	opts     SMBOptions
	user     string
	domain   string
	hash     []byte
	kerberos *kerberosLogon // nil for NTLM
}

// Close ends the Kerberos client and its ticket renewal; NTLM holds
// nothing between hosts. Sessions are closed by Run, host by host.
func (s *SMB) Close() error {
	if s.kerberos != nil {
		s.kerberos.client.Destroy()
	}
	return nil
}

// NewSMB checks the options and, for Kerberos, obtains the initial ticket,
// so that wrong credentials fail before the first host is tried.
func NewSMB(opts SMBOptions) (*SMB, error) {
	a, err := opts.checkAccount()
	if err != nil {
		return nil, err
	}
	opts.Port = a.port
	s := &SMB{opts: opts, user: a.user, domain: a.domain, hash: a.hash}
	if opts.Kerberos.enabled() {
		k, err := newKerberosLogon(s.user, s.domain, opts.Kerberos)
		if err != nil {
			return nil, err
		}
		s.kerberos = k
	}
	return s, nil
}

// account is the logon SMBOptions name, checked.
type account struct {
	user, domain string
	hash         []byte // the NT hash when given in place of the password
	port         int
}

func (a account) String() string {
	if a.domain == "" {
		return a.user
	}
	return a.domain + `\` + a.user
}

// checkAccount checks what both SMB clients need: a port, a user, and a
// password, an NT hash or Kerberos.
func (o SMBOptions) checkAccount() (account, error) {
	a := account{user: o.User, domain: o.Domain, port: o.Port}
	if a.port == 0 {
		a.port = DefaultSMBPort
	}
	if a.port < 0 || a.port > 65535 {
		return account{}, fmt.Errorf("invalid SMB port %d", a.port)
	}
	if d, u, ok := strings.Cut(o.User, `\`); ok {
		a.domain, a.user = d, u
	}
	if a.user == "" {
		return account{}, errors.New("no SMB user: set the account that reads the admin shares")
	}
	switch {
	case o.Kerberos.enabled():
	case o.NTHash != "":
		h, err := hex.DecodeString(o.NTHash)
		if err != nil || len(h) != 16 {
			return account{}, errors.New("invalid SMB NT hash: want 32 hex digits")
		}
		a.hash = h
	case o.Password == "":
		return account{}, fmt.Errorf("no password, NT hash or Kerberos ticket for SMB user %s", o.User)
	}
	return a, nil
}

func (s *SMB) String() string {
	auth := "NTLM"
	if s.kerberos != nil {
		auth = "Kerberos"
	}
	return fmt.Sprintf("SMB as %s (%s)", s.account(), auth)
}

func (s *SMB) account() string { return account{user: s.user, domain: s.domain}.String() }

func (s *SMB) initiator(host string) smb2.Initiator {
	if s.kerberos != nil {
		return s.kerberos.initiator(host)
	}
	return &smb2.NTLMInitiator{User: s.user, Domain: s.domain, Password: s.opts.Password, Hash: s.hash}
}

// Connect dials the host, negotiates and logs on; ctx bounds all three.
func (s *SMB) Connect(ctx context.Context, host string) (Session, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(s.opts.Port))
	raw, err := s.dial(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	heard := &heardConn{Conn: raw}
	var conn net.Conn = heard
	guard := &encryptionGuard{Conn: conn}
	if s.opts.RequireEncryption {
		conn = guard
	}
	// A host that accepted the connection and went silent must not outlive
	// ctx, whatever the library does with it.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	d := &smb2.Dialer{
		Negotiator: smb2.Negotiator{RequireMessageSigning: s.opts.RequireSigning},
		Initiator:  s.initiator(host),
	}
	sess, err := d.DialConn(ctx, conn, addr)
	if !stop() || err != nil {
		conn.Close()
		if err == nil {
			err = ctx.Err()
		}
		if ctx.Err() == nil && !heard.heard.Load() {
			err = fmt.Errorf("%w (%w)", err, ErrSMB1Only)
		}
		return nil, fmt.Errorf("cannot log on to %s as %s: %w", host, s.account(), smbError(ctx, err))
	}
	return &smbSession{host: host, sess: sess, guard: guard, shares: map[string]*smb2.Share{}}, nil
}

func (s *SMB) dial(ctx context.Context, addr string) (net.Conn, error) {
	if s.opts.DialContext != nil {
		return s.opts.DialContext(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// smbError puts ctx's error in the chain when ctx ended, since the library
// reports a connection closed under it as a plain transport error, and
// adds the NT status code an admin can look up.
func smbError(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	var re *smb2.ResponseError
	if errors.As(err, &re) {
		return fmt.Errorf("%w (NT status 0x%08X)", err, re.Code)
	}
	return err
}

// heardConn notes whether the host ever answered: one that closes the
// connection without a word at the SMB 2 negotiation speaks SMB 1 only,
// or is restarting.
type heardConn struct {
	net.Conn
	heard atomic.Bool
}

func (c *heardConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.heard.Load() {
		c.heard.Store(true)
	}
	return n, err
}

type smbSession struct {
	host  string
	sess  *smb2.Session
	guard *encryptionGuard

	mu     sync.Mutex
	shares map[string]*smb2.Share // mounted shares, by upper-case name
}

func (s *smbSession) mount(ctx context.Context, share string) (*smb2.Share, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToUpper(share)
	if sh, ok := s.shares[key]; ok {
		return sh.WithContext(ctx), nil
	}
	// A tree connect is not encrypted when only the share asks for
	// encryption: the guard looks again once the share is mounted.
	s.guard.armed.Store(false)
	sh, err := s.sess.WithContext(ctx).Mount(share)
	s.guard.armed.Store(true)
	if err != nil {
		return nil, fmt.Errorf("cannot open share %s: %w", UNC(s.host, LogPath{Share: share}), s.guardError(ctx, err))
	}
	s.shares[key] = sh
	return sh.WithContext(ctx), nil
}

func (s *smbSession) Open(ctx context.Context, share, path string) (File, error) {
	sh, err := s.mount(ctx, share)
	if err != nil {
		return nil, err
	}
	f, err := sh.Open(strings.Join(splitPath(path), `\`))
	if err != nil {
		return nil, s.guardError(ctx, err)
	}
	return f, nil
}

func (s *smbSession) ReadDir(ctx context.Context, share, dir string) ([]fs.FileInfo, error) {
	sh, err := s.mount(ctx, share)
	if err != nil {
		return nil, err
	}
	infos, err := sh.ReadDir(strings.Join(splitPath(dir), `\`))
	if err != nil {
		return nil, s.guardError(ctx, err)
	}
	return infos, nil
}

// guardError names the refusal to send unencrypted requests, which the
// library reports as a bare transport error.
func (s *smbSession) guardError(ctx context.Context, err error) error {
	if s.guard.refused.Load() {
		return errNotEncrypted // what the library says adds nothing
	}
	return smbError(ctx, err)
}

// Close logs off, which also closes the connection; when ctx has ended it
// closes the connection without waiting for the host.
func (s *smbSession) Close(ctx context.Context) error {
	return s.sess.WithContext(ctx).Logoff()
}
