package fetch_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"smsfail"
	"smsfail/fetch"
)

// fixtures returns every Source this machine can run the suite against:
// on Windows the local folder and the native UNC source, whose hosts are
// folders Wine maps to \\HOST\share.
func fixtures(t *testing.T) map[string]func(t *testing.T) *fixture {
	return map[string]func(t *testing.T) *fixture{
		"local": localFixture,
		"unc":   uncFixture,
	}
}

// wineUNC is the folder under which Wine finds \\HOST\share\path: the
// prefix's dosdevices\unc\HOST\share\path, seen through drive Z:.
func wineUNC(t *testing.T) string {
	t.Helper()
	if windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() != nil {
		t.Skip("the UNC source's fleet of hosts is Wine's dosdevices\\unc folder: run under Wine (go test ./wintest)")
	}
	prefix := os.Getenv("WINEPREFIX")
	if prefix == "" {
		t.Fatal("WINEPREFIX is not set: the tests need to know where Wine's dosdevices\\unc folder is")
	}
	return `Z:` + filepath.FromSlash(prefix) + `\dosdevices\unc`
}

// uncHosts answers for the hosts of a UNC fixture: their SMB port is a
// listener that takes connections, since Wine serves their shares from
// folders; GHOST's refuses them.
type uncHosts struct {
	mu     sync.Mutex
	open   string
	closed string
	names  map[string]string
}

func newUNCHosts(t *testing.T) *uncHosts {
	return &uncHosts{open: listen(t, func(c net.Conn) { c.Close() }), closed: closedPort(t), names: map[string]string{"GHOST": closedPort(t)}}
}

// add makes name a host whose SMB port answers at addr ("" for one that
// takes connections).
func (h *uncHosts) add(name, addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if addr == "" {
		addr = h.open
	}
	h.names[strings.ToUpper(name)] = addr
}

func (h *uncHosts) dial(ctx context.Context, network, address string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	addr, ok := h.names[strings.ToUpper(host)]
	h.mu.Unlock()
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func uncFixture(t *testing.T) *fixture {
	root := wineUNC(t)
	hosts := newUNCHosts(t)
	mkdir := func(t *testing.T, p string) {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	made := func(t *testing.T, name string) {
		hosts.add(name, "")
		t.Cleanup(func() { removeTree(t, filepath.Join(root, name)) })
	}
	return &fixture{
		src: fetch.NewWindowsSharesDialing(hosts.dial),
		addHost: func(t *testing.T, name string) {
			made(t, name)
			mkdir(t, filepath.Join(root, name, "admin$"))
			mkdir(t, filepath.Join(root, name, "C$"))
		},
		addBareHost: func(t *testing.T, name string) {
			made(t, name)
			mkdir(t, filepath.Join(root, name))
		},
		unreachable: "GHOST",
		file: func(t *testing.T, host, share, path string) string {
			return filepath.Join(root, host, share, filepath.FromSlash(strings.ReplaceAll(path, `\`, "/")))
		},
		cannot: map[string]string{
			"missing share": "not under Wine: Wine answers a share that is not there as a path that is not there " +
				"(ERROR_PATH_NOT_FOUND), where Windows answers ERROR_BAD_NET_NAME (TestUNCWindowsErrors reads that one)",
		},
	}
}

// wineHosts are hosts the wintest driver prepared in Wine's UNC folder as
// the tests' own process cannot: a file and a share this account may not
// read. The driver names them in SMSFAIL_WINE_HOSTS as role=HOST,...
func wineHosts(t *testing.T) map[string]string {
	t.Helper()
	wineUNC(t)
	spec := os.Getenv("SMSFAIL_WINE_HOSTS")
	if spec == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("SMSFAIL_WINE_HOSTS is not set: run these tests through go test ./wintest")
		}
		t.Skip("needs the hosts go test ./wintest prepares (SMSFAIL_WINE_HOSTS)")
	}
	roles := map[string]string{}
	for _, kv := range strings.Split(spec, ",") {
		role, host, _ := strings.Cut(kv, "=")
		roles[role] = host
	}
	return roles
}

func TestUNCAccessDenied(t *testing.T) {
	roles := wineHosts(t)
	hosts := newUNCHosts(t)
	hosts.add(roles["denied-file"], "")
	hosts.add(roles["denied-share"], "")
	got, _ := run(t, fetch.NewWindowsSharesDialing(hosts.dial), testOptions(t), []fetch.Target{
		{Host: roles["denied-file"], Paths: []fetch.LogPath{adminPath("svcpack.log")}},
		{Host: roles["denied-share"], Paths: []fetch.LogPath{adminPath("svcpack.log")}},
		{Host: roles["denied-share"], Paths: []fetch.LogPath{adminPath(`Temp\MSI*.LOG`)}},
	})
	for _, f := range got {
		wantOutcome(t, f, smsfail.OutcomeAccessDenied)
	}
}

func TestUNCHostNeverAccepting(t *testing.T) {
	wineUNC(t)
	hosts := newUNCHosts(t)
	hosts.add("BLACKHOLE", fullBacklog(t))
	opts := testOptions(t)
	opts.ConnectTimeout, opts.HostTimeout = time.Second, 20*time.Second
	start := time.Now()
	got, _ := run(t, fetch.NewWindowsSharesDialing(hosts.dial), opts, []fetch.Target{{Host: "BLACKHOLE", Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
	wantOutcome(t, got[0], smsfail.OutcomeUnreachable)
	if took := time.Since(start); took > opts.HostTimeout/2 {
		t.Errorf("a host that never accepts held the run for %v, past its connect timeout of %v", took, opts.ConnectTimeout)
	}
}

func TestUNCHundredHostsAtOnce(t *testing.T) {
	f := uncFixture(t)
	var targets []fetch.Target
	for i := range 100 {
		host := fmt.Sprintf("FLEET%04d", i)
		f.addHost(t, host)
		f.put(t, host, "admin$", "svcpack.log", []byte("log of "+host), time.Now())
		targets = append(targets, fetch.Target{Host: host, Paths: []fetch.LogPath{adminPath("svcpack.log")}})
	}
	got, c := run(t, f.src, testOptions(t), targets)
	for i, r := range got {
		if r.Outcome != smsfail.OutcomeOK || string(c.bodies[i]) != "log of "+targets[i].Host {
			t.Errorf("%s: %s %q, read %q", targets[i].Host, r.Outcome, r.Error, c.bodies[i])
		}
	}
}
