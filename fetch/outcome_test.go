package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudsoda/go-smb2"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"smsfail"
)

func TestOutcomeOf(t *testing.T) {
	status := func(code uint32) error { return fmt.Errorf("cannot log on: %w", &smb2.ResponseError{Code: code}) }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	cases := []struct {
		name string
		err  error
		ph   phase
		want smsfail.FetchStatus
	}{
		{"logon failure", status(statusLogonFailure), phaseConnect, smsfail.FetchAccessDenied},
		{"account locked out", status(statusAccountLockedOut), phaseConnect, smsfail.FetchAccessDenied},
		{"share permission", fmt.Errorf("mount: %w", os.ErrPermission), phaseOpen, smsfail.FetchAccessDenied},
		{"encryption refused", errNotEncrypted, phaseOpen, smsfail.FetchAccessDenied},
		{"guest where signing is required", &smb2.InvalidResponseError{Message: "guest account doesn't support signing"}, phaseConnect, smsfail.FetchAccessDenied},
		{"bad network name", status(statusBadNetworkName), phaseOpen, smsfail.FetchShareMissing},
		{"file missing", &fs.PathError{Op: "open", Path: "x", Err: fs.ErrNotExist}, phaseOpen, smsfail.FetchLogMissing},
		{"refused", refused, phaseConnect, smsfail.FetchUnreachable},
		{"name not resolved", &net.DNSError{Err: "no such host", Name: "PC1", IsNotFound: true}, phaseConnect, smsfail.FetchUnreachable},
		{"deadline while listing", fmt.Errorf("list: %w", context.DeadlineExceeded), phaseOpen, smsfail.FetchUnreachable},
		{"deadline while reading", fmt.Errorf("read: %w", context.DeadlineExceeded), phaseRead, smsfail.FetchReadError},
		{"sharing violation", status(0xC0000043), phaseOpen, smsfail.FetchReadError},
	}
	for _, c := range cases {
		if got := outcomeOf(c.err, c.ph); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestTransient(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&smb2.TransportError{Err: syscall.ECONNRESET}, true},
		{fmt.Errorf("negotiate: %w", &smb2.TransportError{Err: io.EOF}), true},
		{smb2.ErrRequestNotAccepted, true},
		{&smb2.ResponseError{Code: statusInsufficientResources}, true},
		{&smb2.ResponseError{Code: statusLogonFailure}, false},
		{fs.ErrNotExist, false},
		{context.DeadlineExceeded, false},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, false},
	} {
		if got := transient(c.err); got != c.want {
			t.Errorf("transient(%v) = %v", c.err, got)
		}
	}
}

// frame is one direct-TCP frame holding an SMB2 message of n bytes.
func frame(id byte, n int) []byte {
	b := []byte{0, byte(n >> 16), byte(n >> 8), byte(n), id, 'S', 'M', 'B'}
	return append(b, make([]byte, n-4)...)
}

func TestEncryptionGuard(t *testing.T) {
	plain, sealed := frame(0xFE, 100), frame(0xFD, 300)
	cases := []struct {
		name   string
		writes [][]byte
		armed  bool
		refuse bool
	}{
		{"plain before arming", [][]byte{plain[:4], plain[4:]}, false, false},
		{"sealed, split as the library writes", [][]byte{sealed[:4], sealed[4:], sealed[:4], sealed[4:]}, true, false},
		{"sealed, byte by byte", splitBytes(append(append([]byte{}, sealed...), sealed...)), true, false},
		{"plain once armed", [][]byte{sealed[:4], sealed[4:], plain[:4], plain[4:]}, true, true},
		{"plain run together with a sealed one", [][]byte{append(append([]byte{}, sealed...), plain...)}, true, true},
	}
	for _, c := range cases {
		a, b := net.Pipe()
		go func() { _, _ = drain(b) }()
		g := &encryptionGuard{Conn: a}
		g.armed.Store(c.armed)
		var err error
		for _, w := range c.writes {
			if _, err = g.Write(w); err != nil {
				break
			}
		}
		if refused := errors.Is(err, errNotEncrypted); refused != c.refuse {
			t.Errorf("%s: error %v, want refusal %v", c.name, err, c.refuse)
		}
		a.Close()
		b.Close()
	}
}

func splitBytes(b []byte) [][]byte {
	var out [][]byte
	for i := range b {
		out = append(out, b[i:i+1])
	}
	return out
}

// drain reads the far end of a pipe until it closes.
func drain(c net.Conn) (int64, error) {
	buf := make([]byte, 4096)
	var n int64
	for {
		m, err := c.Read(buf)
		n += int64(m)
		if err != nil {
			return n, err
		}
	}
}

func TestNewSMBChecksCredentials(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "krb5.conf")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	kdc := l.Addr().String()
	l.Close()
	os.WriteFile(conf, []byte("[libdefaults]\n default_realm = CORP.EXAMPLE\n dns_lookup_kdc = false\n udp_preference_limit = 1\n[realms]\n CORP.EXAMPLE = {\n  kdc = "+kdc+"\n }\n"), 0o644)
	kt := keytab.New()
	if err := kt.AddEntry("svc-smsfail", "CORP.EXAMPLE", "secret", time.Now(), 1, 18); err != nil {
		t.Fatal(err)
	}
	ktPath := filepath.Join(dir, "svc.keytab")
	b, _ := kt.Marshal()
	os.WriteFile(ktPath, b, 0o600)

	cases := []struct {
		opts SMBOptions
		want string
	}{
		{SMBOptions{Password: "x"}, "no SMB user"},
		{SMBOptions{User: "svc"}, "no password, NT hash or Kerberos ticket"},
		{SMBOptions{User: "svc", NTHash: "abc"}, "invalid SMB NT hash"},
		{SMBOptions{User: "svc", Password: "x", Port: 70000}, "invalid SMB port"},
		{SMBOptions{User: "svc", Kerberos: KerberosOptions{Keytab: ktPath, Krb5Conf: filepath.Join(dir, "none.conf")}}, "cannot read Kerberos configuration"},
		{SMBOptions{User: "svc", Kerberos: KerberosOptions{Keytab: ktPath, CredentialCache: ktPath, Krb5Conf: conf}}, "both a Kerberos keytab and a credential cache"},
		{SMBOptions{User: "svc", Kerberos: KerberosOptions{Keytab: ktPath, Krb5Conf: conf, SPN: "cifs/pc"}}, "must contain {host}"},
		{SMBOptions{User: "svc", Kerberos: KerberosOptions{Keytab: filepath.Join(dir, "none.keytab"), Krb5Conf: conf}}, "cannot read Kerberos keytab"},
		{SMBOptions{User: "svc", Kerberos: KerberosOptions{CredentialCache: filepath.Join(dir, "none.cc"), Krb5Conf: conf}}, "cannot read Kerberos credential cache"},
		{SMBOptions{User: `CORP\svc-smsfail`, Kerberos: KerberosOptions{Keytab: ktPath, Krb5Conf: conf}}, "cannot log on to Kerberos realm CORP.EXAMPLE as svc-smsfail"},
	}
	for _, c := range cases {
		_, err := NewSMB(c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.opts, err, c.want)
		}
	}
	if s, err := NewSMB(SMBOptions{User: `CORP\svc`, Password: "x"}); err != nil || s.String() != `SMB as CORP\svc (NTLM)` {
		t.Errorf("NewSMB = %v, %v", s, err)
	}
}
