package fetch_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"smsfail"
	"smsfail/fetch"
	"smsfail/fetch/sambatest"
)

// fixture is one Source with a way to lay files on its hosts: the
// behaviour suite runs the same cases against each.
type fixture struct {
	src fetch.Source
	// addHost makes a host with the shares admin$ and C$; addBareHost one
	// that has neither.
	addHost, addBareHost func(t *testing.T, name string)
	// unreachable names a host nothing answers for.
	unreachable string
	// file is where a file on a host's share lies on this machine.
	file func(t *testing.T, host, share, path string) string
	// cannot names the cases this source cannot be put through here,
	// and why.
	cannot map[string]string
}

func (f *fixture) put(t *testing.T, host, share, path string, data []byte, mtime time.Time) {
	t.Helper()
	sambatest.Put(t, f.file(t, host, share, path), data, mtime)
}

func localFixture(t *testing.T) *fixture {
	root := tempDir(t)
	src, err := fetch.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	mkdir := func(t *testing.T, p string) {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return &fixture{
		src: src,
		addHost: func(t *testing.T, name string) {
			mkdir(t, filepath.Join(root, name, "admin$"))
			mkdir(t, filepath.Join(root, name, "C$"))
		},
		addBareHost: func(t *testing.T, name string) { mkdir(t, filepath.Join(root, name)) },
		unreachable: "GHOST",
		file: func(t *testing.T, host, share, path string) string {
			return filepath.Join(root, host, share, filepath.FromSlash(strings.ReplaceAll(path, `\`, "/")))
		},
	}
}

func sambaFixture(t *testing.T, srv *sambatest.Server) *fixture {
	src, err := fetch.NewSMB(fetch.SMBOptions{
		User: srv.User, Domain: srv.Domain, Password: srv.Password, Port: srv.Port, DialContext: srv.DialContext,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Alias("GHOST", closedPort(t))
	return &fixture{
		src:         src,
		addHost:     func(t *testing.T, name string) { srv.AddHost(t, name) },
		addBareHost: func(t *testing.T, name string) { srv.AddBareHost(t, name) },
		unreachable: "GHOST",
		file:        func(t *testing.T, host, share, path string) string { return srv.Path(t, host, share, path) },
	}
}

// nt1 limits Samba to SMB 1, as Windows 2000, XP and Server 2003 are.
var nt1 = []string{"server min protocol = NT1", "server max protocol = NT1"}

// smbclientFixture reads through smbclient from hosts that speak SMB 1
// only.
func smbclientFixture(t *testing.T) *fixture {
	program := needSMBClient(t)
	t.Cleanup(func() { noSMBClientLeft(t) })
	srv := sambatest.Start(t, nt1...)
	f := sambaFixture(t, srv)
	f.src = smbclientSource(t, program, srv, nil)
	return f
}

// fallbackFixture reads through the SMB source, which hands every host
// (all speak SMB 1 only) to smbclient.
func fallbackFixture(t *testing.T) *fixture {
	program := needSMBClient(t)
	srv := sambatest.Start(t, nt1...)
	f := sambaFixture(t, srv)
	f.src = fetch.NewSMB1Fallback(f.src.(*fetch.SMB), smbclientSource(t, program, srv, nil))
	return f
}

// closedPort is an address where nothing listens: connecting is refused.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// collector keeps what Run handed to the ReadFunc, per target.
type collector struct {
	mu     sync.Mutex
	bodies map[int][]byte
}

func (c *collector) read(ctx context.Context, i int, body io.Reader) error {
	b, err := io.ReadAll(body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bodies == nil {
		c.bodies = map[int][]byte{}
	}
	c.bodies[i] = b
	return err
}

func run(t *testing.T, src fetch.Source, opts fetch.Options, targets []fetch.Target) ([]smsfail.Fetch, *collector) {
	t.Helper()
	c := &collector{}
	got := fetch.Run(context.Background(), src, opts, targets, c.read)
	if len(got) != len(targets) {
		t.Fatalf("Run returned %d results for %d targets", len(got), len(targets))
	}
	return got, c
}

func testOptions(t *testing.T) fetch.Options {
	o := fetch.DefaultOptions()
	o.KeepDir = filepath.Join(tempDir(t), "logs")
	o.ConnectTimeout = 2 * time.Second
	o.HostTimeout = 10 * time.Second
	return o
}

func adminPath(p string) fetch.LogPath { return fetch.LogPath{Share: "admin$", Path: p} }

func wantOutcome(t *testing.T, f smsfail.Fetch, want smsfail.Outcome) {
	t.Helper()
	t.Logf("%s %s: %s", f.Outcome, f.UNC, f.Error)
	if f.Outcome != want {
		t.Fatalf("outcome %q, want %q (error: %s)", f.Outcome, want, f.Error)
	}
	if want != smsfail.OutcomeOK && f.Error == "" {
		t.Errorf("outcome %q without the underlying error", f.Outcome)
	}
}

// keptBytes reads the kept copy a Fetch names.
func keptBytes(t *testing.T, opts fetch.Options, f smsfail.Fetch) []byte {
	t.Helper()
	if f.Kept == "" {
		t.Fatal("no kept copy")
	}
	b, err := os.ReadFile(filepath.Join(filepath.Dir(opts.KeepDir), filepath.FromSlash(f.Kept)))
	if err != nil {
		t.Fatalf("cannot read kept copy: %v", err)
	}
	return b
}

func TestSources(t *testing.T) {
	for name, newFixture := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			for _, c := range suite {
				t.Run(c.name, func(t *testing.T) {
					f := newFixture(t)
					if why, ok := f.cannot[c.name]; ok {
						t.Skip(why)
					}
					c.run(t, f)
				})
			}
		})
	}
}

var suite = []struct {
	name string
	run  func(t *testing.T, f *fixture)
}{
	{"reads a log and keeps a copy", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0001")
		mtime := time.Date(2007, 2, 15, 20, 47, 56, 0, time.UTC)
		log := []byte("2.703: 2007/02/15 20:47:56.890 (local)\r\n937.406: Update.exe extended error code = 0xf01e\r\n")
		f.put(t, "PC0001", "admin$", "svcpack.log", log, mtime)
		opts := testOptions(t)
		got, c := run(t, f.src, opts, []fetch.Target{{Host: "PC0001", Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
		if !bytes.Equal(c.bodies[0], log) {
			t.Errorf("read %q, want %q", c.bodies[0], log)
		}
		if got[0].UNC != `\\PC0001\admin$\svcpack.log` || got[0].Size != int64(len(log)) || !got[0].ModTime.Equal(mtime) {
			t.Errorf("UNC %q size %d mtime %v; want \\\\PC0001\\admin$\\svcpack.log, %d, %v", got[0].UNC, got[0].Size, got[0].ModTime, len(log), mtime)
		}
		if got[0].Kept != "logs/PC0001/svcpack.log" {
			t.Errorf("kept as %q, want logs/PC0001/svcpack.log", got[0].Kept)
		}
		if !bytes.Equal(keptBytes(t, opts, got[0]), log) {
			t.Error("kept copy differs from the log")
		}
		if got[0].Tried.IsZero() {
			t.Error("no time tried")
		}
	}},
	{"UTF-16LE log byte for byte", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0002")
		log := utf16LE("=== Verbose logging started: 15.02.2007  20:41:26 ===\r\nMSI (s) (1C:2C) [20:41:26:123]: Ошибка 1402. Return value 3.\r\n")
		f.put(t, "PC0002", "C$", `Logs\Office 2003\setup.log`, log, time.Now())
		opts := testOptions(t)
		got, c := run(t, f.src, opts, []fetch.Target{{Host: "PC0002", Paths: []fetch.LogPath{{Share: "C$", Path: `Logs\Office 2003\setup.log`}}}})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
		if !bytes.Equal(c.bodies[0], log) || !bytes.Equal(keptBytes(t, opts, got[0]), log) {
			t.Error("UTF-16LE log changed on the way")
		}
		if got[0].UNC != `\\PC0002\C$\Logs\Office 2003\setup.log` {
			t.Errorf("UNC %q", got[0].UNC)
		}
	}},
	{"names match without case", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0003")
		f.put(t, "PC0003", "admin$", "svcpack.log", []byte("x"), time.Now())
		got, _ := run(t, f.src, testOptions(t), []fetch.Target{{Host: "pc0003", Paths: []fetch.LogPath{{Share: "ADMIN$", Path: "SVCPACK.LOG"}}}})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
	}},
	{"missing log", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0004")
		got, c := run(t, f.src, testOptions(t), []fetch.Target{{Host: "PC0004", Paths: []fetch.LogPath{adminPath("KB958644.log")}}})
		wantOutcome(t, got[0], smsfail.OutcomeLogMissing)
		if got[0].UNC != `\\PC0004\admin$\KB958644.log` || got[0].Kept != "" || c.bodies != nil {
			t.Errorf("UNC %q kept %q bodies %v", got[0].UNC, got[0].Kept, c.bodies)
		}
	}},
	{"missing folder on the way", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0005")
		got, _ := run(t, f.src, testOptions(t), []fetch.Target{{Host: "PC0005", Paths: []fetch.LogPath{adminPath(`Temp\Nowhere\x.log`)}}})
		wantOutcome(t, got[0], smsfail.OutcomeLogMissing)
	}},
	{"missing share", func(t *testing.T, f *fixture) {
		f.addBareHost(t, "PC0006")
		got, _ := run(t, f.src, testOptions(t), []fetch.Target{{Host: "PC0006", Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
		wantOutcome(t, got[0], smsfail.OutcomeShareMissing)
	}},
	{"unreachable host", func(t *testing.T, f *fixture) {
		got, _ := run(t, f.src, testOptions(t), []fetch.Target{{Host: f.unreachable, Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
		wantOutcome(t, got[0], smsfail.OutcomeUnreachable)
		if got[0].UNC != `\\`+f.unreachable+`\admin$\svcpack.log` {
			t.Errorf("UNC %q", got[0].UNC)
		}
	}},
	{"invalid host name is never tried", func(t *testing.T, f *fixture) {
		got, _ := run(t, f.src, testOptions(t), []fetch.Target{{Host: `PC1\..\x`, Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
		wantOutcome(t, got[0], smsfail.OutcomeBadHost)
	}},
	{"newest of a wildcard first", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0007")
		base := time.Date(2007, 2, 15, 20, 0, 0, 0, time.UTC)
		f.put(t, "PC0007", "admin$", `Temp\MSI1a2b.LOG`, []byte("old"), base)
		f.put(t, "PC0007", "admin$", `Temp\msi3c4d.log`, []byte("newest"), base.Add(time.Hour))
		f.put(t, "PC0007", "admin$", `Temp\MSI5e6f.LOG`, []byte("middle"), base.Add(time.Minute))
		f.put(t, "PC0007", "admin$", `Temp\setup.log`, []byte("not a match"), base.Add(2*time.Hour))
		opts := testOptions(t)
		got, c := run(t, f.src, opts, []fetch.Target{{Host: "PC0007", Paths: []fetch.LogPath{adminPath(`Temp\MSI*.LOG`)}}})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
		if string(c.bodies[0]) != "newest" || got[0].UNC != `\\PC0007\admin$\Temp\msi3c4d.log` || got[0].Kept != "logs/PC0007/msi3c4d.log" {
			t.Errorf("read %q from %q kept %q, want the newest, msi3c4d.log", c.bodies[0], got[0].UNC, got[0].Kept)
		}
	}},
	{"wildcard at the share's root", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0017")
		f.put(t, "PC0017", "admin$", "KB958644.log", []byte("kb"), time.Now())
		got, c := run(t, f.src, testOptions(t), []fetch.Target{{Host: "PC0017", Paths: []fetch.LogPath{adminPath("KB*.LOG")}}})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
		if string(c.bodies[0]) != "kb" || got[0].UNC != `\\PC0017\admin$\KB958644.log` {
			t.Errorf("read %q from %q", c.bodies[0], got[0].UNC)
		}
	}},
	{"wildcard without a match", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0008")
		f.put(t, "PC0008", "admin$", `Temp\setup.log`, []byte("x"), time.Now())
		got, _ := run(t, f.src, testOptions(t), []fetch.Target{{Host: "PC0008", Paths: []fetch.LogPath{adminPath(`Temp\MSI*.LOG`)}}})
		wantOutcome(t, got[0], smsfail.OutcomeLogMissing)
	}},
	{"next path when the first is missing", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0009")
		f.put(t, "PC0009", "admin$", `Temp\MSI9.LOG`, []byte("fallback"), time.Now())
		got, c := run(t, f.src, testOptions(t), []fetch.Target{{Host: "PC0009", Paths: []fetch.LogPath{
			{Share: "C$", Path: `Logs\app.log`}, adminPath(`Temp\MSI*.LOG`)}}})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
		if string(c.bodies[0]) != "fallback" || got[0].UNC != `\\PC0009\admin$\Temp\MSI9.LOG` {
			t.Errorf("read %q from %q", c.bodies[0], got[0].UNC)
		}
	}},
	{"log above the cap is read from its end", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0010")
		log := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB
		f.put(t, "PC0010", "admin$", "svcpack.log", log, time.Now())
		opts := testOptions(t)
		opts.MaxBytes = 300_001
		got, c := run(t, f.src, opts, []fetch.Target{{Host: "PC0010", Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
		wantOutcome(t, got[0], smsfail.OutcomeTruncated)
		// Without a byte order mark the tail starts on an even byte, in
		// case the log is UTF-16 all the same: one byte less than the cap.
		tail := log[len(log)-int(opts.MaxBytes)+1:]
		if !bytes.Equal(c.bodies[0], tail) || got[0].Size != int64(len(tail)) {
			t.Errorf("read %d bytes (size %d), want the last %d", len(c.bodies[0]), got[0].Size, len(tail))
		}
		if !bytes.Equal(keptBytes(t, opts, got[0]), tail) {
			t.Error("kept copy is not what was read")
		}
	}},
	{"UTF-16 log above the cap keeps its byte order mark", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0018")
		log := utf16LE(strings.Repeat("MSI (s) (1C:2C) [20:41:26:123]: Note: 1: 2205\r\n", 2000) + "Return value 3.\r\n")
		f.put(t, "PC0018", "admin$", `Temp\MSI1.LOG`, log, time.Now())
		opts := testOptions(t)
		opts.MaxBytes = 1001
		got, c := run(t, f.src, opts, []fetch.Target{{Host: "PC0018", Paths: []fetch.LogPath{adminPath(`Temp\MSI1.LOG`)}}})
		wantOutcome(t, got[0], smsfail.OutcomeTruncated)
		want := append([]byte{0xFF, 0xFE}, log[len(log)-998:]...) // whole code units after the mark
		if !bytes.Equal(c.bodies[0], want) || got[0].Size != int64(len(want)) {
			t.Errorf("read % x..., want % x...", c.bodies[0][:8], want[:8])
		}
	}},
	{"log exactly at the cap is whole", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0011")
		f.put(t, "PC0011", "admin$", "svcpack.log", []byte("exactly"), time.Now())
		opts := testOptions(t)
		opts.MaxBytes = int64(len("exactly"))
		got, _ := run(t, f.src, opts, []fetch.Target{{Host: "PC0011", Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
	}},
	{"reader stopping early still gets a whole copy kept", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0012")
		log := bytes.Repeat([]byte("line\r\n"), 100_000)
		f.put(t, "PC0012", "admin$", "svcpack.log", log, time.Now())
		opts := testOptions(t)
		targets := []fetch.Target{{Host: "PC0012", Paths: []fetch.LogPath{adminPath("svcpack.log")}}}
		got := fetch.Run(context.Background(), f.src, opts, targets, func(ctx context.Context, i int, body io.Reader) error {
			_, err := body.Read(make([]byte, 10))
			return err
		})
		wantOutcome(t, got[0], smsfail.OutcomeOK)
		if !bytes.Equal(keptBytes(t, opts, got[0]), log) || got[0].Size != int64(len(log)) {
			t.Errorf("kept copy or size (%d) incomplete", got[0].Size)
		}
	}},
	{"reader failing", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0013")
		f.put(t, "PC0013", "admin$", "svcpack.log", []byte("x"), time.Now())
		opts := testOptions(t)
		targets := []fetch.Target{{Host: "PC0013", Paths: []fetch.LogPath{adminPath("svcpack.log")}}}
		got := fetch.Run(context.Background(), f.src, opts, targets, func(ctx context.Context, i int, body io.Reader) error {
			return errors.New("cannot decode")
		})
		wantOutcome(t, got[0], smsfail.OutcomeReadError)
		if !strings.Contains(got[0].Error, "cannot decode") || got[0].Kept != "" {
			t.Errorf("error %q kept %q", got[0].Error, got[0].Kept)
		}
	}},
	{"several logs of one host", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0014")
		f.put(t, "PC0014", "admin$", "svcpack.log", []byte("sp"), time.Now())
		f.put(t, "PC0014", "admin$", "KB958644.log", []byte("kb"), time.Now())
		f.put(t, "PC0014", "C$", `Logs\svcpack.log`, []byte("other"), time.Now())
		opts := testOptions(t)
		got, c := run(t, f.src, opts, []fetch.Target{
			{Host: "PC0014", Paths: []fetch.LogPath{adminPath("svcpack.log")}},
			{Host: "PC0014", Paths: []fetch.LogPath{adminPath("KB958644.log")}},
			{Host: "pc0014", Paths: []fetch.LogPath{adminPath("svcpack.log")}},
			{Host: "PC0014", Paths: []fetch.LogPath{{Share: "C$", Path: `Logs\svcpack.log`}}},
		})
		want := []struct{ body, kept string }{
			{"sp", "logs/PC0014/svcpack.log"}, {"kb", "logs/PC0014/KB958644.log"},
			{"sp", "logs/PC0014/svcpack.log"}, {"other", "logs/PC0014/svcpack~2.log"},
		}
		for i, w := range want {
			wantOutcome(t, got[i], smsfail.OutcomeOK)
			if string(c.bodies[i]) != w.body || got[i].Kept != w.kept || string(keptBytes(t, opts, got[i])) != w.body {
				t.Errorf("target %d: read %q kept as %q, want %q kept as %q", i, c.bodies[i], got[i].Kept, w.body, w.kept)
			}
		}
	}},
	{"nothing changes on the client", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0015")
		mtime := time.Date(2007, 2, 15, 20, 0, 0, 0, time.UTC)
		f.put(t, "PC0015", "admin$", `Temp\MSI1.LOG`, []byte("a log"), mtime)
		f.put(t, "PC0015", "admin$", "svcpack.log", []byte("sp"), mtime)
		dir := filepath.Dir(f.file(t, "PC0015", "admin$", "svcpack.log"))
		before := snapshot(t, dir)
		run(t, f.src, testOptions(t), []fetch.Target{
			{Host: "PC0015", Paths: []fetch.LogPath{adminPath(`Temp\MSI*.LOG`), adminPath("svcpack.log")}},
			{Host: "PC0015", Paths: []fetch.LogPath{adminPath("svcpack.log")}},
			{Host: "PC0015", Paths: []fetch.LogPath{adminPath("missing.log")}},
		})
		if after := snapshot(t, dir); after != before {
			t.Errorf("the client's share changed:\nbefore %s\nafter  %s", before, after)
		}
	}},
	{"cancelled run tries nothing", func(t *testing.T, f *fixture) {
		f.addHost(t, "PC0016")
		f.put(t, "PC0016", "admin$", "svcpack.log", []byte("x"), time.Now())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c := &collector{}
		got := fetch.Run(ctx, f.src, testOptions(t), []fetch.Target{{Host: "PC0016", Paths: []fetch.LogPath{adminPath("svcpack.log")}}}, c.read)
		wantOutcome(t, got[0], smsfail.OutcomeNotTried)
		if c.bodies != nil {
			t.Error("a log was read after the run was cancelled")
		}
	}},
}

// snapshot describes every file under dir: name, size, modification
// time, mode.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		fmt.Fprintln(&b, p, fi.Mode(), fi.ModTime().UTC(), fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// utf16LE encodes s as UTF-16LE with a BOM, as Windows Installer writes.
func utf16LE(s string) []byte {
	b := []byte{0xFF, 0xFE}
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return b
}
