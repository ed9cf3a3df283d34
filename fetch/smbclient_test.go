package fetch_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/fetch"
	"smsfail/fetch/sambatest"
)

// needSMBClient returns smbclient's path; without it the test fails under
// CI=true and is skipped elsewhere.
func needSMBClient(t testing.TB) string {
	t.Helper()
	p, err := fetch.FindSMBClient("")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	return p
}

// smbclientSource logs on to srv with its own password through smbclient;
// change adjusts the options first.
func smbclientSource(t testing.TB, program string, srv *sambatest.Server, change func(*fetch.SMBOptions)) *fetch.SMBClient {
	t.Helper()
	o := fetch.SMBOptions{User: srv.User, Domain: srv.Domain, Password: srv.Password, Port: srv.Port, DialContext: srv.DialContext}
	if change != nil {
		change(&o)
	}
	src, err := fetch.NewSMBClient(program, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// xpHost starts Samba limited to SMB 1 with one host holding svcpack.log.
func xpHost(t *testing.T, log string) *sambatest.Server {
	srv := sambatest.Start(t, nt1...)
	srv.AddHost(t, "XP0001")
	srv.WriteFile(t, "XP0001", "admin$", "svcpack.log", []byte(log), time.Now())
	return srv
}

func TestSMBClientWrongPassword(t *testing.T) {
	program := needSMBClient(t)
	srv := xpHost(t, "x")
	src := smbclientSource(t, program, srv, func(o *fetch.SMBOptions) { o.Password = "wrong" })
	got, _ := run(t, src, testOptions(t), []fetch.Target{svcpack("XP0001")})
	wantOutcome(t, got[0], smsfail.FetchAccessDenied)
	if !strings.Contains(got[0].Error, "NT_STATUS_LOGON_FAILURE") {
		t.Errorf("error %q does not name the NT status", got[0].Error)
	}
}

func TestSMBClientLogonForms(t *testing.T) {
	program := needSMBClient(t)
	srv := xpHost(t, "x")
	for name, change := range map[string]func(*fetch.SMBOptions){
		`DOMAIN\user`: func(o *fetch.SMBOptions) { o.User, o.Domain = srv.Domain+`\`+srv.User, "" },
		"NT hash":     func(o *fetch.SMBOptions) { o.Password, o.NTHash = "", ntHash(srv.Password) },
		"signing":     func(o *fetch.SMBOptions) { o.RequireSigning = true },
		// Samba encrypts SMB 1 through its Unix extensions; Windows
		// cannot, so there require_encryption refuses SMB 1 hosts.
		"encryption": func(o *fetch.SMBOptions) { o.RequireEncryption = true },
	} {
		t.Run(name, func(t *testing.T) {
			got, c := run(t, smbclientSource(t, program, srv, change), testOptions(t), []fetch.Target{svcpack("XP0001")})
			wantOutcome(t, got[0], smsfail.FetchOK)
			if string(c.bodies[0]) != "x" {
				t.Errorf("read %q", c.bodies[0])
			}
		})
	}
}

// TestSMBClientReadsSMB2Hosts: with logs.source: smbclient every host is
// read through it, whatever it speaks.
func TestSMBClientReadsSMB2Hosts(t *testing.T) {
	program := needSMBClient(t)
	srv := sambatest.Start(t, "server min protocol = SMB3")
	srv.AddHost(t, "PC0001")
	srv.WriteFile(t, "PC0001", "admin$", "svcpack.log", []byte("smb3"), time.Now())
	got, c := run(t, smbclientSource(t, program, srv, nil), testOptions(t), []fetch.Target{svcpack("PC0001")})
	wantOutcome(t, got[0], smsfail.FetchOK)
	if string(c.bodies[0]) != "smb3" {
		t.Errorf("read %q", c.bodies[0])
	}
}

func TestSMBClientSilentHostEndsAtTheDeadline(t *testing.T) {
	program := needSMBClient(t)
	srv := sambatest.Start(t, nt1...)
	// The dial that finds the host's address, then smbclient's own.
	silentHostEndsAtTheDeadline(t, srv, smbclientSource(t, program, srv, nil), 2)
	noSMBClientLeft(t)
}

// stallingProxy forwards connections to target and stops passing the
// server's bytes after the first limit, as a host dying mid-transfer does.
func stallingProxy(t *testing.T, target string, limit int64) string {
	return listen(t, func(c net.Conn) {
		defer c.Close()
		s, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		defer s.Close()
		hungUp := make(chan struct{})
		go func() { _, _ = io.Copy(s, c); close(hungUp) }()
		_, _ = io.CopyN(c, s, limit)
		<-hungUp // silent until the client hangs up
	})
}

func TestSMBClientHostDyingMidRead(t *testing.T) {
	program := needSMBClient(t)
	srv := sambatest.Start(t, nt1...)
	addr := srv.AddHost(t, "XP0001")
	srv.WriteFile(t, "XP0001", "admin$", "svcpack.log", make([]byte, 4<<20), time.Now())
	srv.Alias("XP0001", stallingProxy(t, net.JoinHostPort(addr, strconv.Itoa(srv.Port)), 1<<20))
	opts := testOptions(t)
	opts.HostTimeout = 3 * time.Second
	got, _ := run(t, smbclientSource(t, program, srv, nil), opts, []fetch.Target{svcpack("XP0001")})
	wantOutcome(t, got[0], smsfail.FetchReadError)
	if got[0].Kept != "" {
		t.Errorf("a partial copy was kept as %s", got[0].Kept)
	}
	noSMBClientLeft(t)
}

func TestSMBClientCancelledMidRun(t *testing.T) {
	program := needSMBClient(t)
	srv := sambatest.Start(t, nt1...)
	cancelledMidRun(t, srv, smbclientSource(t, program, srv, nil), 16)
	noSMBClientLeft(t)
}

// noSMBClientLeft fails if an smbclient this process started is still
// there (Linux only: it reads /proc).
func noSMBClientLeft(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		return
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		end := strings.LastIndexByte(s, ')')
		if end < 0 || !strings.Contains(s[:end], "(smbclient") {
			continue
		}
		if f := strings.Fields(s[end+1:]); len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) {
			t.Errorf("smbclient %s is still running", strings.Fields(s)[0])
		}
	}
}

func TestSMB1Fallback(t *testing.T) {
	program := needSMBClient(t)
	xp := xpHost(t, "read over SMB 1")
	src := fetch.NewSMB1Fallback(smbSource(t, xp, nil), smbclientSource(t, program, xp, nil))
	got, c := run(t, src, testOptions(t), []fetch.Target{svcpack("XP0001")})
	wantOutcome(t, got[0], smsfail.FetchOK)
	if string(c.bodies[0]) != "read over SMB 1" || !strings.HasPrefix(got[0].Via, "smbclient") {
		t.Errorf("read %q via %q", c.bodies[0], got[0].Via)
	}

	modern := sambatest.Start(t)
	modern.AddHost(t, "PC0001")
	modern.WriteFile(t, "PC0001", "admin$", "svcpack.log", []byte("read over SMB 2"), time.Now())
	src = fetch.NewSMB1Fallback(smbSource(t, modern, nil), smbclientSource(t, program, modern, nil))
	got, c = run(t, src, testOptions(t), []fetch.Target{svcpack("PC0001")})
	wantOutcome(t, got[0], smsfail.FetchOK)
	if string(c.bodies[0]) != "read over SMB 2" || got[0].Via != "" {
		t.Errorf("read %q via %q, want go-smb2 itself", c.bodies[0], got[0].Via)
	}
}

func TestSMB1FallbackOutcomes(t *testing.T) {
	program := needSMBClient(t)
	srv := xpHost(t, "x")
	srv.AddBareHost(t, "XP0002")
	wrong := func(o *fetch.SMBOptions) { o.Password = "wrong" }
	for _, c := range []struct {
		name   string
		change func(*fetch.SMBOptions)
		target fetch.Target
		want   smsfail.FetchStatus
	}{
		{"wrong password", wrong, svcpack("XP0001"), smsfail.FetchAccessDenied},
		{"missing log", nil, fetch.Target{Host: "XP0001", Paths: []fetch.LogPath{adminPath("KB958644.log")}}, smsfail.FetchLogMissing},
		{"missing share", nil, svcpack("XP0002"), smsfail.FetchShareMissing},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := fetch.NewSMB1Fallback(smbSource(t, srv, c.change), smbclientSource(t, program, srv, c.change))
			got, _ := run(t, src, testOptions(t), []fetch.Target{c.target})
			wantOutcome(t, got[0], c.want)
		})
	}
}

// TestSMBClientMemoryBounded: a log above the cap is streamed whole
// (smbclient cannot start at an offset), its head skipped, never held.
func TestSMBClientMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 96 MiB")
	}
	program := needSMBClient(t)
	srv := xpHost(t, "")
	const size, limit = 96 << 20, 32 << 20
	p := srv.Path(t, "XP0001", "admin$", "svcpack.log")
	if err := os.Truncate(p, size); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(t)
	opts.MaxBytes, opts.HostTimeout, opts.KeepDir = limit, time.Minute, ""
	got, grew := readMeasuringHeap(t, smbclientSource(t, program, srv, nil), opts, svcpack("XP0001"))
	wantOutcome(t, got, smsfail.FetchTruncated)
	if got.Size != limit {
		t.Errorf("read %d bytes, want the cap %d", got.Size, limit)
	}
	t.Logf("heap in use grew by %d KiB reading the last %d MiB of %d MiB", grew>>10, limit>>20, size>>20)
	if grew > 16<<20 {
		t.Errorf("heap in use grew by %d MiB reading one log", grew>>20)
	}
}
