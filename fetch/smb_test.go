package fetch_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"golang.org/x/crypto/md4"

	"smsfail"
	"smsfail/fetch"
	"smsfail/fetch/sambatest"
)

// smbSource logs on to srv with its own password; change adjusts the
// options first.
func smbSource(t testing.TB, srv *sambatest.Server, change func(*fetch.SMBOptions)) *fetch.SMB {
	t.Helper()
	o := fetch.SMBOptions{User: srv.User, Domain: srv.Domain, Password: srv.Password, Port: srv.Port, DialContext: srv.DialContext}
	if change != nil {
		change(&o)
	}
	src, err := fetch.NewSMB(o)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func svcpack(host string) fetch.Target {
	return fetch.Target{Host: host, Paths: []fetch.LogPath{adminPath("svcpack.log")}}
}

func TestSMBWrongPassword(t *testing.T) {
	srv := sambatest.Start(t)
	srv.AddHost(t, "PC0001")
	srv.WriteFile(t, "PC0001", "admin$", "svcpack.log", []byte("x"), time.Now())
	src := smbSource(t, srv, func(o *fetch.SMBOptions) { o.Password = "wrong" })
	got, _ := run(t, src, testOptions(t), []fetch.Target{svcpack("PC0001")})
	wantOutcome(t, got[0], smsfail.OutcomeAccessDenied)
	if !strings.Contains(got[0].Error, "0xC000006D") {
		t.Errorf("error %q does not name the NT status", got[0].Error)
	}
}

func TestSMBLogonForms(t *testing.T) {
	srv := sambatest.Start(t)
	srv.AddHost(t, "PC0001")
	srv.WriteFile(t, "PC0001", "admin$", "svcpack.log", []byte("x"), time.Now())
	for name, change := range map[string]func(*fetch.SMBOptions){
		`DOMAIN\user`: func(o *fetch.SMBOptions) { o.User, o.Domain = srv.Domain+`\`+srv.User, "" },
		"NT hash":     func(o *fetch.SMBOptions) { o.Password, o.NTHash = "", ntHash(srv.Password) },
		"signing":     func(o *fetch.SMBOptions) { o.RequireSigning = true },
	} {
		t.Run(name, func(t *testing.T) {
			got, _ := run(t, smbSource(t, srv, change), testOptions(t), []fetch.Target{svcpack("PC0001")})
			wantOutcome(t, got[0], smsfail.OutcomeOK)
		})
	}
}

// ntHash is MD4 of the UTF-16LE password, as Windows stores it.
func ntHash(password string) string {
	h := md4.New()
	for _, u := range utf16.Encode([]rune(password)) {
		_ = binary.Write(h, binary.LittleEndian, u)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestSMBRequireEncryption(t *testing.T) {
	plain := sambatest.Start(t)
	plain.AddHost(t, "PC0001")
	plain.WriteFile(t, "PC0001", "admin$", "svcpack.log", []byte("x"), time.Now())
	require := func(o *fetch.SMBOptions) { o.RequireEncryption = true }
	got, _ := run(t, smbSource(t, plain, require), testOptions(t), []fetch.Target{svcpack("PC0001")})
	wantOutcome(t, got[0], smsfail.OutcomeAccessDenied)
	if !strings.Contains(got[0].Error, "encrypt") {
		t.Errorf("error %q does not say encryption was refused", got[0].Error)
	}

	sealed := sambatest.Start(t, "server smb encrypt = required")
	sealed.AddHost(t, "PC0001")
	sealed.WriteFile(t, "PC0001", "admin$", "svcpack.log", []byte("sealed"), time.Now())
	got, c := run(t, smbSource(t, sealed, require), testOptions(t), []fetch.Target{svcpack("PC0001")})
	wantOutcome(t, got[0], smsfail.OutcomeOK)
	if string(c.bodies[0]) != "sealed" {
		t.Errorf("read %q", c.bodies[0])
	}
}

// TestSMBHostSpeakingSMB1Only: Windows XP, Server 2003 and older speak
// SMB 1 only and close the connection at an SMB 2 negotiation; the error
// says so, rather than leaving the admin to think the machine is off.
func TestSMBHostSpeakingSMB1Only(t *testing.T) {
	srv := sambatest.Start(t, "server min protocol = NT1", "server max protocol = NT1")
	srv.AddHost(t, "XP0001")
	srv.WriteFile(t, "XP0001", "admin$", "svcpack.log", []byte("x"), time.Now())
	got, _ := run(t, smbSource(t, srv, nil), testOptions(t), []fetch.Target{svcpack("XP0001")})
	wantOutcome(t, got[0], smsfail.OutcomeUnreachable)
	if !strings.Contains(got[0].Error, "SMB 1") {
		t.Errorf("error %q does not say the host may speak SMB 1 only", got[0].Error)
	}
}

// silentHost accepts connections and never answers; it reports each
// connection's end, to prove the fetcher closes what it opened.
func silentHost(t testing.TB) (addr string, closed <-chan struct{}) {
	ends := make(chan struct{}, 100)
	addr = listen(t, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c) // until the client closes
		c.Close()
		ends <- struct{}{}
	})
	return addr, ends
}

// listen serves each connection to a new loopback port with serve, in a
// goroutine of its own, until the test ends.
func listen(t testing.TB, serve func(net.Conn)) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return l.Addr().String()
}

func TestSMBSilentHostEndsAtTheDeadline(t *testing.T) {
	srv := sambatest.Start(t)
	silentHostEndsAtTheDeadline(t, srv, smbSource(t, srv, nil), 1)
}

// silentHostEndsAtTheDeadline reads from a host that accepts connections
// and never answers: it must be unreachable within its connect timeout,
// and every one of the given number of connections to it closed.
func silentHostEndsAtTheDeadline(t *testing.T, srv *sambatest.Server, src fetch.Source, connections int) {
	t.Helper()
	addr, closed := silentHost(t)
	srv.Alias("SILENT", addr)
	opts := testOptions(t)
	opts.ConnectTimeout, opts.HostTimeout = time.Second, 20*time.Second
	start := time.Now()
	got, _ := run(t, src, opts, []fetch.Target{svcpack("SILENT")})
	wantOutcome(t, got[0], smsfail.OutcomeUnreachable)
	if took := time.Since(start); took > opts.HostTimeout/2 {
		t.Errorf("a silent host held the run for %v, past its connect timeout of %v", took, opts.ConnectTimeout)
	}
	for range connections {
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("a connection to the silent host was left open")
		}
	}
}

func TestSMBHostNeverAccepting(t *testing.T) {
	srv := sambatest.Start(t)
	srv.Alias("BLACKHOLE", fullBacklog(t))
	opts := testOptions(t)
	opts.ConnectTimeout, opts.HostTimeout = time.Second, 20*time.Second
	start := time.Now()
	got, _ := run(t, smbSource(t, srv, nil), opts, []fetch.Target{svcpack("BLACKHOLE")})
	wantOutcome(t, got[0], smsfail.OutcomeUnreachable)
	if took := time.Since(start); took > opts.HostTimeout/2 {
		t.Errorf("a host that never accepts held the run for %v, past its connect timeout of %v", took, opts.ConnectTimeout)
	}
}

func TestSMBHundredsOfHosts(t *testing.T) {
	srv := sambatest.Start(t)
	var targets []fetch.Target
	for i := range 200 {
		host := fmt.Sprintf("PC%04d", i)
		srv.AddHost(t, host)
		srv.WriteFile(t, host, "admin$", "svcpack.log", []byte("log of "+host), time.Now())
		targets = append(targets, svcpack(host))
	}
	// Every host answers: the test is that all 200 are read, so the connect
	// timeout is the default's order, not the suite's tight 2 s, which a
	// loaded machine's smbd (one process per logon) can miss.
	opts := testOptions(t)
	opts.ConnectTimeout, opts.HostTimeout = 30*time.Second, time.Minute
	got, c := run(t, smbSource(t, srv, nil), opts, targets)
	for i, f := range got {
		if f.Outcome != smsfail.OutcomeOK || string(c.bodies[i]) != "log of "+targets[i].Host {
			t.Errorf("host %s: %s %s, read %q", targets[i].Host, f.Outcome, f.Error, c.bodies[i])
		}
	}
}

func TestSMBCancelledMidRun(t *testing.T) {
	srv := sambatest.Start(t)
	cancelledMidRun(t, srv, smbSource(t, srv, nil), 40)
}

// cancelledMidRun reads hosts of which one in four answers and the
// others are silent, 4 at a time, and cancels the run after a second:
// Run must return soon after, each host read or reported not tried.
func cancelledMidRun(t *testing.T, srv *sambatest.Server, src fetch.Source, hosts int) {
	t.Helper()
	addr, _ := silentHost(t)
	var targets []fetch.Target
	for i := range hosts {
		host := fmt.Sprintf("PC%04d", i)
		if i%4 == 0 {
			srv.AddHost(t, host)
			srv.WriteFile(t, host, "admin$", "svcpack.log", []byte("x"), time.Now())
		} else {
			srv.Alias(host, addr)
		}
		targets = append(targets, svcpack(host))
	}
	opts := testOptions(t)
	opts.Concurrency, opts.ConnectTimeout, opts.HostTimeout = 4, time.Minute, time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c := &collector{}
	start := time.Now()
	got := fetch.Run(ctx, src, opts, targets, c.read)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("Run took %v after its context ended", took)
	}
	notTried := 0
	for i, f := range got {
		switch f.Outcome {
		case smsfail.OutcomeNotTried:
			notTried++
		case smsfail.OutcomeOK:
		default:
			t.Errorf("host %s: %s %s", targets[i].Host, f.Outcome, f.Error)
		}
	}
	if notTried == 0 {
		t.Error("no host reported not tried")
	}
}

// TestSMBHostDeadlineNamed: when a host's deadline passes, its logs not
// read say which deadline it was, so the admin knows what to raise.
func TestSMBHostDeadlineNamed(t *testing.T) {
	srv := sambatest.Start(t)
	srv.AddHost(t, "PC0001")
	srv.WriteFile(t, "PC0001", "admin$", "svcpack.log", []byte("sp"), time.Now())
	srv.WriteFile(t, "PC0001", "admin$", "KB958644.log", []byte("kb"), time.Now())
	opts := testOptions(t)
	opts.HostTimeout = 2 * time.Second
	targets := []fetch.Target{svcpack("PC0001"), {Host: "PC0001", Paths: []fetch.LogPath{adminPath("KB958644.log")}}}
	got := fetch.Run(context.Background(), smbSource(t, srv, nil), opts, targets, func(ctx context.Context, i int, body io.Reader) error {
		<-ctx.Done() // a classification slower than the host's deadline
		return ctx.Err()
	})
	for i, f := range got {
		if f.Outcome.Read() || !strings.Contains(f.Error, "deadline of 2s for this host") {
			t.Errorf("target %d: %s %q, want the host's deadline named", i, f.Outcome, f.Error)
		}
	}
}

// stallingDial hands out connections that stop delivering the server's
// bytes after the first limit, as a host dying mid-transfer does.
func stallingDial(dial func(ctx context.Context, network, addr string) (net.Conn, error), limit int64) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &stallingConn{Conn: c, left: limit, done: make(chan struct{})}, nil
	}
}

type stallingConn struct {
	net.Conn
	left int64
	once sync.Once
	done chan struct{}
}

func (c *stallingConn) Read(p []byte) (int, error) {
	if c.left <= 0 {
		<-c.done
		return 0, net.ErrClosed
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.Conn.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *stallingConn) Close() error {
	c.once.Do(func() { close(c.done) })
	return c.Conn.Close()
}

func TestSMBHostDyingMidRead(t *testing.T) {
	srv := sambatest.Start(t)
	srv.AddHost(t, "PC0001")
	srv.WriteFile(t, "PC0001", "admin$", "svcpack.log", make([]byte, 4<<20), time.Now())
	src := smbSource(t, srv, func(o *fetch.SMBOptions) { o.DialContext = stallingDial(srv.DialContext, 1<<20) })
	opts := testOptions(t)
	opts.HostTimeout = 3 * time.Second
	got, _ := run(t, src, opts, []fetch.Target{svcpack("PC0001")})
	wantOutcome(t, got[0], smsfail.OutcomeReadError)
	if got[0].Kept != "" {
		t.Errorf("a partial copy was kept as %s", got[0].Kept)
	}
}

// countingDial counts connections per host name.
type countingDial struct {
	mu    sync.Mutex
	dials map[string]int
	dial  func(ctx context.Context, network, addr string) (net.Conn, error)
	// drop sends the first connection to a host to reset, an address
	// that resets it at once, as a restarting server does.
	drop  map[string]bool
	reset string
}

func (d *countingDial) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, _ := net.SplitHostPort(addr)
	d.mu.Lock()
	d.dials[host]++
	first := d.dials[host] == 1
	d.mu.Unlock()
	if first && d.drop[host] {
		addr = d.reset
	}
	return d.dial(ctx, network, addr)
}

// resettingHost accepts connections and resets them at once.
func resettingHost(t *testing.T) string {
	return listen(t, func(c net.Conn) {
		_ = c.(*net.TCPConn).SetLinger(0)
		c.Close()
	})
}

func TestSMBRetriesTransientErrorsOnly(t *testing.T) {
	srv := sambatest.Start(t)
	for _, h := range []string{"FLAKY", "DENIED"} {
		srv.AddHost(t, h)
		srv.WriteFile(t, h, "admin$", "svcpack.log", []byte("x"), time.Now())
	}
	addr, _ := silentHost(t)
	srv.Alias("SILENT", addr)
	d := &countingDial{dials: map[string]int{}, dial: srv.DialContext, drop: map[string]bool{"FLAKY": true}, reset: resettingHost(t)}
	opts := testOptions(t)
	opts.ConnectTimeout = time.Second
	targets := []fetch.Target{svcpack("FLAKY"), svcpack("SILENT")}
	got, _ := run(t, smbSource(t, srv, func(o *fetch.SMBOptions) { o.DialContext = d.DialContext }), opts, targets)
	wantOutcome(t, got[0], smsfail.OutcomeOK)
	wantOutcome(t, got[1], smsfail.OutcomeUnreachable)

	denied, _ := run(t, smbSource(t, srv, func(o *fetch.SMBOptions) { o.DialContext = d.DialContext; o.Password = "wrong" }),
		opts, []fetch.Target{svcpack("DENIED")})
	wantOutcome(t, denied[0], smsfail.OutcomeAccessDenied)
	want := map[string]int{"FLAKY": 2, "SILENT": 1, "DENIED": 1}
	for h, n := range want {
		if d.dials[h] != n {
			t.Errorf("%s: %d connections, want %d", h, d.dials[h], n)
		}
	}
}

func TestSMBMemoryBoundedWhateverTheLogWeighs(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 192 MiB")
	}
	srv := sambatest.Start(t)
	srv.AddHost(t, "PC0001")
	srv.WriteFile(t, "PC0001", "admin$", "svcpack.log", nil, time.Now())
	const size, limit = 256 << 20, 192 << 20
	if err := os.Truncate(srv.Path(t, "PC0001", "admin$", "svcpack.log"), size); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(t)
	opts.MaxBytes, opts.HostTimeout = limit, 2*time.Minute
	got, grew := readMeasuringHeap(t, smbSource(t, srv, nil), opts, svcpack("PC0001"))
	wantOutcome(t, got, smsfail.OutcomeTruncated)
	if got.Size != limit {
		t.Errorf("read %d bytes, want the cap %d", got.Size, limit)
	}
	if fi, err := os.Stat(srv.Path(t, "PC0001", "admin$", "svcpack.log")); err != nil || fi.Size() != size {
		t.Errorf("the client's log changed: %v %v", fi, err)
	}
	t.Logf("heap in use grew by %d KiB reading %d MiB", grew>>10, limit>>20)
	if grew > 32<<20 {
		t.Errorf("heap in use grew by %d MiB reading one log", grew>>20)
	}
}

// readMeasuringHeap reads one target and returns its Fetch and how much
// the heap in use grew at most while the log streamed.
func readMeasuringHeap(t *testing.T, src fetch.Source, opts fetch.Options, target fetch.Target) (smsfail.Fetch, int64) {
	t.Helper()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	got := fetch.Run(context.Background(), src, opts, []fetch.Target{target},
		func(ctx context.Context, i int, body io.Reader) error {
			buf := make([]byte, 64<<10)
			var ms runtime.MemStats
			for n := 0; ; n++ {
				if _, err := body.Read(buf); err == io.EOF {
					return nil
				} else if err != nil {
					return err
				}
				if n%64 == 0 {
					runtime.ReadMemStats(&ms)
					peak.Store(max(peak.Load(), ms.HeapInuse))
				}
			}
		})
	return got[0], int64(peak.Load()) - int64(base.HeapInuse)
}
