package fetch

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"
)

// SMBClient reads logs with Samba's smbclient, one process per request,
// which speaks SMB 1 (NT1) as well as SMB 2 and 3: the way to reach
// Windows 2000, XP and Server 2003 clients from Linux, which go-smb2
// cannot. It takes the same SMBOptions as SMB; the account's secret goes
// to smbclient in an authentication file readable only by this user,
// never on a command line or in an environment.
type SMBClient struct {
	program  string
	version  string
	acct     account
	opts     SMBOptions
	dir      string // private folder holding the authentication file
	authFile string // "" with Kerberos
}

// SMBClientPackage is the Debian package that installs smbclient.
const SMBClientPackage = "smbclient"

// FindSMBClient returns the smbclient program to run: program itself when
// it is a path, else the one found on PATH.
func FindSMBClient(program string) (string, error) {
	return findSMBClient(program, exec.LookPath)
}

func findSMBClient(program string, lookPath func(string) (string, error)) (string, error) {
	if program == "" {
		program = "smbclient"
	}
	p, err := lookPath(program)
	if err != nil {
		return "", fmt.Errorf("cannot find smbclient (install the package %s: apt-get install %[1]s): %w", SMBClientPackage, err)
	}
	return p, nil
}

// NewSMBClient checks the options and the program and writes the
// authentication file; Close removes it. program is found as
// FindSMBClient does. Kerberos needs a credential cache: smbclient cannot
// read a keytab, and asks for a ticket to cifs/<host> only.
func NewSMBClient(program string, opts SMBOptions) (*SMBClient, error) {
	a, err := opts.checkAccount()
	if err != nil {
		return nil, err
	}
	if err := SMBClientKerberos(opts.Kerberos); err != nil {
		return nil, err
	}
	c := &SMBClient{acct: a, opts: opts}
	if c.program, err = FindSMBClient(program); err != nil {
		return nil, err
	}
	if c.version, err = smbclientVersion(c.program); err != nil {
		return nil, err
	}
	if opts.Kerberos.enabled() {
		return c, nil
	}
	if err := c.writeAuthFile(); err != nil {
		return nil, err
	}
	return c, nil
}

// SMBClientKerberos says why smbclient cannot use these Kerberos
// options, if it cannot.
func SMBClientKerberos(k KerberosOptions) error {
	switch {
	case k.Keytab != "":
		return errors.New("smbclient cannot read a Kerberos keytab: obtain a credential cache from it (kinit -k -t KEYTAB) and give the cache")
	case k.SPN != "" && k.SPN != "cifs/{host}":
		return fmt.Errorf("smbclient asks for tickets to cifs/<host> only, not %s", k.SPN)
	}
	return nil
}

// smbclientVersion runs smbclient --version, which proves it runs.
func smbclientVersion(program string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, program, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("cannot run %s --version: %w", program, err)
	}
	return strings.TrimPrefix(strings.TrimSpace(string(out)), "Version "), nil
}

// writeAuthFile writes the account in smbclient's authentication file
// format. The password goes as its NT hash (--pw-nt-hash): smbclient
// strips leading blanks from the file's values and reads '%' in a user
// name as the start of a password, but a hash is 32 hex digits.
func (c *SMBClient) writeAuthFile() error {
	for _, v := range []string{c.acct.user, c.acct.domain} {
		if strings.ContainsAny(v, "%\r\n") || strings.TrimSpace(v) != v {
			return fmt.Errorf("smbclient cannot log on as %q: the name holds %%, a line break or surrounding blanks", v)
		}
	}
	hash := c.acct.hash
	if hash == nil {
		hash = ntHash(c.opts.Password)
	}
	dir, err := os.MkdirTemp("", "smsfail-smbclient-")
	if err != nil {
		return fmt.Errorf("cannot create a private folder for smbclient's authentication file: %w", err)
	}
	text := fmt.Sprintf("username = %s\npassword = %s\n", c.acct.user, hex.EncodeToString(hash))
	if c.acct.domain != "" {
		text += fmt.Sprintf("domain = %s\n", c.acct.domain)
	}
	file := filepath.Join(dir, "auth")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("cannot write smbclient's authentication file: %w", err)
	}
	c.dir, c.authFile = dir, file
	return nil
}

// ntHash is the MD4 of the UTF-16LE password, what NTLM logs on with.
func ntHash(password string) []byte {
	h := md4.New()
	b := make([]byte, 0, 2*len(password))
	for _, u := range utf16.Encode([]rune(password)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	h.Write(b)
	return h.Sum(nil)
}

// Close removes the authentication file.
func (c *SMBClient) Close() error {
	if c.dir == "" {
		return nil
	}
	return os.RemoveAll(c.dir)
}

func (c *SMBClient) String() string {
	auth := "NTLM"
	if c.opts.Kerberos.enabled() {
		auth = "Kerberos"
	}
	return fmt.Sprintf("smbclient %s as %s (%s)", c.version, c.acct, auth)
}

// Connect checks that the host answers on its SMB port and that the
// account may log on (a tree connect to IPC$), both within ctx.
func (c *SMBClient) Connect(ctx context.Context, host string) (Session, error) {
	addr := net.JoinHostPort(host, strconv.Itoa(c.acct.port))
	conn, err := c.dial(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	// smbclient goes to the very address that answered, under the
	// host's own name.
	ip, port, err := net.SplitHostPort(conn.RemoteAddr().String())
	conn.Close()
	if err != nil {
		return nil, fmt.Errorf("cannot connect to %s: %w", addr, err)
	}
	s := &smbclientSession{c: c, host: host, ip: ip, port: port}
	r, err := s.start(ctx, "IPC$", "", false)
	if err == nil {
		err = r.wait(false)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot log on to %s as %s: %w", host, c.acct, err)
	}
	return s, nil
}

func (c *SMBClient) dial(ctx context.Context, addr string) (net.Conn, error) {
	if c.opts.DialContext != nil {
		return c.opts.DialContext(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// args is smbclient's command line for one share: nothing secret.
func (c *SMBClient) args(ctx context.Context, host, ip, port, share string) []string {
	args := []string{"//" + host + "/" + share, "-E", "-I", ip, "-p", port,
		"-t", strconv.Itoa(timeoutSeconds(ctx)),
		// smbclient's own default refuses SMB 1; the clients need it.
		"--option=client min protocol=NT1"}
	if k := c.opts.Kerberos; k.enabled() {
		args = append(args, "-N", "--use-krb5-ccache="+k.CredentialCache)
	} else {
		args = append(args, "-A", c.authFile, "--pw-nt-hash", "--use-kerberos=off")
	}
	switch {
	case c.opts.RequireEncryption:
		args = append(args, "--client-protection=encrypt")
	case c.opts.RequireSigning:
		args = append(args, "--client-protection=sign")
	}
	return args
}

// env is smbclient's whole environment: times in its listings in UTC, and
// none of this process's variables, which may hold the job's secrets (or
// USER and PASSWD, which smbclient would read).
func (c *SMBClient) env() []string {
	env := []string{"TZ=UTC", "PATH=" + os.Getenv("PATH")}
	if c.opts.Kerberos.Krb5Conf != "" {
		env = append(env, "KRB5_CONFIG="+c.opts.Kerberos.Krb5Conf)
	}
	return env
}

// timeoutSeconds is smbclient's own timeout per request: what is left of
// ctx, rounded up, so that smbclient gives up by itself about when it
// would be killed.
func timeoutSeconds(ctx context.Context) int {
	d, ok := ctx.Deadline()
	if !ok {
		return 20 // smbclient's default
	}
	return max(1, int(math.Ceil(time.Until(d).Seconds())))
}

// smbclientSession reads from one host, one smbclient process per request.
type smbclientSession struct {
	c              *SMBClient
	host, ip, port string
}

func (s *smbclientSession) start(ctx context.Context, share, commands string, fetch bool) (*smbclientRun, error) {
	return startSMBClient(ctx, s.c.program, s.c.args(ctx, s.host, s.ip, s.port, share), s.c.env(), commands, fetch)
}

// Open lists the file, for its size and time, and streams it to standard
// output, in one process. smbclient opens it for reading, sharing read
// and write access, as go-smb2 does.
func (s *smbclientSession) Open(ctx context.Context, share, path string) (File, error) {
	p, err := remotePath(path)
	if err != nil || p == "" {
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
	r, err := s.start(ctx, share, fmt.Sprintf("ls \"%s\"\nget \"%[1]s\" -\n", p), true)
	if err != nil {
		return nil, err
	}
	entries, err := r.listing()
	if err == nil && len(entries) == 0 {
		err = fmt.Errorf("smbclient listed nothing for %s: %w", p, fs.ErrNotExist)
	}
	if err != nil {
		r.kill()
		return nil, err
	}
	return &smbclientFile{run: r, info: entries[0]}, nil
}

// ReadDir lists dir with the mask dir\*.
func (s *smbclientSession) ReadDir(ctx context.Context, share, dir string) ([]fs.FileInfo, error) {
	p, err := remotePath(dir)
	if err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	mask := strings.TrimPrefix(p+`\*`, `\`)
	r, err := s.start(ctx, share, fmt.Sprintf("ls \"%s\"\n", mask), false)
	if err != nil {
		return nil, err
	}
	entries, err := r.listing()
	if err == nil {
		err = r.wait(false)
	}
	if err != nil {
		r.kill()
		return nil, err
	}
	infos := make([]fs.FileInfo, 0, len(entries))
	for _, fi := range entries {
		if n := fi.Name(); n != "." && n != ".." {
			infos = append(infos, fi)
		}
	}
	return infos, nil
}

// Close has nothing to release: every process ended with its request.
func (s *smbclientSession) Close(ctx context.Context) error { return nil }

// remotePath joins path's elements with backslashes, refusing the
// characters Windows never allows in a name, which smbclient would take
// as wildcards or the end of a quoted name.
func remotePath(path string) (string, error) {
	elems := splitPath(path)
	for _, e := range elems {
		if !validElem(e) || strings.ContainsAny(e, `*?"<>|`) || strings.ContainsFunc(e, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			return "", fmt.Errorf("invalid name %q", e)
		}
	}
	return strings.Join(elems, `\`), nil
}
