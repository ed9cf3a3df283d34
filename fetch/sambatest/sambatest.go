// Package sambatest starts a private Samba server for tests: Debian's smbd
// in the foreground with its own configuration and directories under a
// temporary folder, serving each loopback address (127.0.0.2, 127.0.0.3,
// ...) as a different Windows host with the admin shares admin$ and C$.
//
// A host's files live in <dir>/hosts/<address>/admin (admin$) and
// <dir>/hosts/<address>/C (C$); Samba's %i (the address the client
// connected to) picks the folder. A host whose folder is missing answers
// "bad network name", as a Windows host with its admin shares disabled does.
//
// Under CI=true a server that cannot start fails the test; elsewhere the
// test is skipped with a message.
package sambatest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Shares the server offers on every host, and the folder each maps to.
var shareFolders = map[string]string{"admin$": "admin", "C$": "C"}

// Server is a running smbd. Its methods are safe for concurrent use.
type Server struct {
	Port     int    // TCP port smbd listens on, on every loopback address
	Domain   string // workgroup, for NTLM's DOMAIN\user
	User     string // the Unix account smbd maps logons to
	Password string

	dir string
	env []string // environment of smbd and smbpasswd

	mu    sync.Mutex
	next  int               // index of the next loopback address to hand out
	addrs map[string]string // upper-case host name -> "address:port"
}

// Start runs smbd for the test and stops it when the test ends; globals
// are lines added to smb.conf's [global] section, such as
// "server smb encrypt = required".
func Start(t testing.TB, globals ...string) *Server {
	t.Helper()
	s, err := start(t, globals)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("cannot start Samba (apt-get install samba): %v", err)
		}
		t.Skipf("skipping: cannot start Samba (apt-get install samba): %v", err)
	}
	return s
}

func start(t testing.TB, globals []string) (*Server, error) {
	smbd, err := exec.LookPath("smbd")
	if err != nil {
		if smbd, err = exec.LookPath("/usr/sbin/smbd"); err != nil {
			return nil, fmt.Errorf("cannot find smbd: %w", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		return nil, fmt.Errorf("cannot tell the current user: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{
		Port: port, Domain: "TESTDOM", User: u.Username, Password: "Pa55-word",
		dir: t.TempDir(), next: 1, addrs: map[string]string{},
	}
	// smbd's children run as the logged-on user: every folder on the way
	// to a share must be traversable by it.
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return nil, err
	}
	if s.env, err = privilegeEnv(); err != nil {
		return nil, err
	}
	conf, err := s.writeConfig(globals)
	if err != nil {
		return nil, err
	}
	if err := s.addUser(conf); err != nil {
		return nil, err
	}
	return s, s.run(t, smbd, conf)
}

// privilegeEnv is the environment smbd runs in. smbd and smbpasswd need
// root; as another user they run under uid_wrapper, which makes them
// believe they are root (how Samba's own test suite runs unprivileged).
func privilegeEnv() ([]string, error) {
	env := os.Environ()
	if os.Geteuid() == 0 {
		return env, nil
	}
	libs, _ := filepath.Glob("/usr/lib/*/libuid_wrapper.so")
	more, _ := filepath.Glob("/usr/lib*/libuid_wrapper.so")
	libs = append(libs, more...)
	if len(libs) == 0 {
		return nil, errors.New("smbd needs root, or uid_wrapper to run as another user (apt-get install libuid-wrapper)")
	}
	return append(env, "LD_PRELOAD="+libs[0], "UID_WRAPPER=1", "UID_WRAPPER_ROOT=1"), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) writeConfig(globals []string) (string, error) {
	for _, d := range []string{"run", "lock", "state", "cache", "private", "ncalrpc", "binddns", "log", "hosts"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o755); err != nil {
			return "", err
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `[global]
  netbios name = SMSFAILTEST
  workgroup = %s
  server role = standalone server
  security = user
  map to guest = Never
  smb ports = %d
  bind interfaces only = no
  hosts allow = 127.0.0.0/8
  server min protocol = SMB2_02
  passdb backend = tdbsam:%[3]s/private/passdb.tdb
  pid directory = %[3]s/run
  lock directory = %[3]s/lock
  state directory = %[3]s/state
  cache directory = %[3]s/cache
  private dir = %[3]s/private
  ncalrpc dir = %[3]s/ncalrpc
  binddns dir = %[3]s/binddns
  log file = %[3]s/log/smbd.log
  max log size = 0
  log level = 0
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  obey pam restrictions = no
  max connections = 0
  store dos attributes = no
  ea support = no
  kernel share modes = no
  posix locking = no
  kernel oplocks = no
  smb2 leases = no
  disable netbios = yes
  dns proxy = no
`, s.Domain, s.Port, s.dir)
	for _, g := range globals {
		fmt.Fprintf(&b, "  %s\n", g)
	}
	for _, share := range []string{"admin$", "C$"} {
		// Writable on purpose: a test that finds a host's files unchanged
		// then proves the fetcher wrote nothing, not that Samba refused it.
		fmt.Fprintf(&b, "[%s]\n  path = %s/hosts/%%i/%s\n  read only = no\n  browseable = no\n  valid users = %s\n",
			share, s.dir, shareFolders[share], s.User)
	}
	conf := filepath.Join(s.dir, "smb.conf")
	return conf, os.WriteFile(conf, []byte(b.String()), 0o644)
}

func (s *Server) addUser(conf string) error {
	cmd := exec.Command("smbpasswd", "-c", conf, "-s", "-a", s.User)
	cmd.Stdin = strings.NewReader(s.Password + "\n" + s.Password + "\n")
	cmd.Env = s.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("cannot add Samba user %s: %v: %s", s.User, err, bytes.TrimSpace(out))
	}
	return nil
}

func (s *Server) run(t testing.TB, smbd, conf string) error {
	out := &lockedWriter{}
	cmd := exec.Command(smbd, "--foreground", "--no-process-group", "--debug-stdout", "-s", conf)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = s.env
	setParentDeath(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot start %s: %w", smbd, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { stop(cmd, exited) })

	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("smbd exited: %v: %s", err, out.String())
		default:
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("smbd did not listen on port %d within 10s: %s", s.Port, out.String())
}

// stop signals smbd's parent only: it takes its children down itself.
func stop(cmd *exec.Cmd, exited chan error) {
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// AddHost makes a new host named name with both admin shares and returns
// the address it is served on.
func (s *Server) AddHost(t testing.TB, name string) string {
	t.Helper()
	addr := s.AddBareHost(t, name)
	for _, folder := range shareFolders {
		if err := os.MkdirAll(filepath.Join(s.hostDir(addr), folder), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return addr
}

// AddBareHost makes a new host named name whose folder does not exist, so
// every share on it answers "bad network name".
func (s *Server) AddBareHost(t testing.TB, name string) string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	key := strings.ToUpper(name)
	if _, ok := s.addrs[key]; ok {
		t.Fatalf("host %s added twice", name)
	}
	n := s.next // 127.0.0.1 stays free for the test's own listeners
	s.next++
	if n/254/256 >= 256 {
		t.Fatal("no loopback address left")
	}
	addr := fmt.Sprintf("127.%d.%d.%d", n/254/256, n/254%256, n%254+1)
	s.addrs[key] = net.JoinHostPort(addr, strconv.Itoa(s.Port))
	return addr
}

// Alias makes name resolve to address (host:port), for hosts that are not
// Samba: a listener that never answers, a port where nothing listens.
func (s *Server) Alias(name, address string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addrs[strings.ToUpper(name)] = address
}

func (s *Server) hostDir(addr string) string { return filepath.Join(s.dir, "hosts", addr) }

// Path is where a file on a host's share lies on this machine's disk; path
// is backslash-separated as on Windows.
func (s *Server) Path(t testing.TB, name, share, path string) string {
	t.Helper()
	s.mu.Lock()
	address, ok := s.addrs[strings.ToUpper(name)]
	s.mu.Unlock()
	folder, known := shareFolders[share]
	if !ok || !known {
		t.Fatalf("no share %s on host %s", share, name)
	}
	addr, _, _ := net.SplitHostPort(address)
	return filepath.Join(s.hostDir(addr), folder, filepath.FromSlash(strings.ReplaceAll(path, `\`, "/")))
}

// WriteFile puts a file on a host's share with the given modification time.
func (s *Server) WriteFile(t testing.TB, name, share, path string, data []byte, mtime time.Time) {
	t.Helper()
	Put(t, s.Path(t, name, share, path), data, mtime)
}

// Put writes a file at p on this machine, its folders made, with the given
// modification time: a log as a client's share would hold it.
func Put(t testing.TB, p string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// DialContext connects to a host by the name it was added under; the port
// in address is ignored for names the server knows. Unknown names are
// dialled as given.
func (s *Server) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	mapped, ok := s.addrs[strings.ToUpper(host)]
	s.mu.Unlock()
	if ok {
		address = mapped
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// lockedWriter collects smbd's output while the test may read it.
type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
