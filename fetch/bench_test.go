package fetch_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"smsfail"
	"smsfail/fetch"
	"smsfail/fetch/sambatest"
)

// latencyConn adds a delay before each answer: the first read after a
// write waits, so every request and its response cost one more delay,
// as a site's WAN link does.
type latencyConn struct {
	net.Conn
	delay time.Duration

	mu    sync.Mutex
	wrote bool // a request went out since the last answer began
}

func (c *latencyConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.wrote = true
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *latencyConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	wait := c.wrote
	c.wrote = false
	c.mu.Unlock()
	if wait {
		time.Sleep(c.delay)
	}
	return c.Conn.Read(p)
}

// BenchmarkFleet reads svcpack.log from 1,000 hosts (Samba over 127.0.x.y)
// with 20 ms added to every round trip, one host in ten never answering,
// and reports the wall time next to the sequential time (measured on a
// slice of the fleet read one host at a time, scaled to the fleet) and the
// ideal bound: sequential time ÷ concurrency + one connect timeout.
//
//	go test ./fetch -run '^$' -bench Fleet -benchtime 1x
func BenchmarkFleet(b *testing.B) {
	const hosts, silentEvery, delay = 1000, 10, 20 * time.Millisecond
	srv := sambatest.Start(b)
	silent, _ := silentHost(b)
	var targets []fetch.Target
	for i := range hosts {
		host := fmt.Sprintf("PC%04d", i)
		if i%silentEvery == silentEvery-1 {
			srv.Alias(host, silent)
		} else {
			srv.AddHost(b, host)
			srv.WriteFile(b, host, "admin$", "svcpack.log", []byte("937.406: Update.exe extended error code = 0xf01e\r\n"), time.Now())
		}
		targets = append(targets, svcpack(host))
	}
	src, err := fetch.NewSMB(fetch.SMBOptions{
		User: srv.User, Domain: srv.Domain, Password: srv.Password, Port: srv.Port,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := srv.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &latencyConn{Conn: c, delay: delay}, nil
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	opts := fetch.DefaultOptions()
	opts.ConnectTimeout, opts.HostTimeout = time.Second, 5*time.Second
	opts.KeepDir = filepath.Join(b.TempDir(), "logs")
	discard := func(ctx context.Context, i int, body io.Reader) error {
		_, err := io.Copy(io.Discard, body)
		return err
	}

	seqOpts := opts
	seqOpts.Concurrency = 1
	slice := targets[:hosts/20]
	start := time.Now()
	checkFleet(b, fetch.Run(context.Background(), src, seqOpts, slice, discard), silentEvery)
	sequential := time.Since(start).Seconds() * float64(len(targets)) / float64(len(slice))

	b.ResetTimer()
	var wall float64
	for range b.N {
		start := time.Now()
		got := fetch.Run(context.Background(), src, opts, targets, discard)
		wall += time.Since(start).Seconds()
		checkFleet(b, got, silentEvery)
	}
	wall /= float64(b.N)
	ideal := sequential/float64(opts.Concurrency) + opts.ConnectTimeout.Seconds()
	b.ReportMetric(wall, "wall-s")
	b.ReportMetric(sequential, "sequential-s")
	b.ReportMetric(ideal, "ideal-s")
	b.ReportMetric(wall/ideal, "x-ideal")
	b.ReportMetric(sequential/wall, "speedup")
}

func checkFleet(b *testing.B, got []smsfail.Fetch, silentEvery int) {
	for i, f := range got {
		want := smsfail.FetchOK
		if i%silentEvery == silentEvery-1 {
			want = smsfail.FetchUnreachable
		}
		if f.Status != want {
			b.Fatalf("host %d: %s (%s), want %s", i, f.Status, f.Error, want)
		}
	}
}

// latencyProxy forwards connections to target through a latencyConn, so
// that clients run as separate processes (smbclient) pay the same delay
// per round trip as go-smb2 does.
func latencyProxy(b *testing.B, target string, delay time.Duration) string {
	return listen(b, func(c net.Conn) {
		defer c.Close()
		raw, err := net.Dial("tcp", target)
		if err != nil {
			return
		}
		s := &latencyConn{Conn: raw, delay: delay}
		defer s.Close()
		go func() { _, _ = io.Copy(s, c); s.Close() }()
		_, _ = io.Copy(c, s)
	})
}

// BenchmarkHost reads one host's svcpack.log and the newest of its
// Temp\MSI*.LOG (one session, one listing, two logs) per operation: over
// SMB 2 with go-smb2, over SMB 1 with smbclient, and over SMB 1 through
// the SMB source's fallback, with 0 and 20 ms added to every round trip.
//
//	go test ./fetch -run '^$' -bench Host -benchtime 20x
func BenchmarkHost(b *testing.B) {
	program, err := fetch.FindSMBClient("")
	if err != nil {
		b.Skip(err)
	}
	log := []byte("937.406: Update.exe extended error code = 0xf01e\r\n")
	serve := func(globals ...string) (*sambatest.Server, string) {
		srv := sambatest.Start(b, globals...)
		addr := srv.AddHost(b, "PC0001")
		srv.WriteFile(b, "PC0001", "admin$", "svcpack.log", log, time.Now())
		srv.WriteFile(b, "PC0001", "admin$", `Temp\MSI1a2b.LOG`, log, time.Now())
		return srv, net.JoinHostPort(addr, fmt.Sprint(srv.Port))
	}
	modern, modernAddr := serve()
	xp, xpAddr := serve("server min protocol = NT1", "server max protocol = NT1")
	targets := []fetch.Target{svcpack("PC0001"), {Host: "PC0001", Paths: []fetch.LogPath{adminPath(`Temp\MSI*.LOG`)}}}
	for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
		for _, c := range []struct {
			name string
			srv  *sambatest.Server
			addr string
			src  func() fetch.Source
		}{
			{"smb2-go-smb2", modern, modernAddr, func() fetch.Source { return smbSource(b, modern, nil) }},
			{"smb1-smbclient", xp, xpAddr, func() fetch.Source { return smbclientSource(b, program, xp, nil) }},
			{"smb1-fallback", xp, xpAddr, func() fetch.Source {
				return fetch.NewSMB1Fallback(smbSource(b, xp, nil), smbclientSource(b, program, xp, nil))
			}},
		} {
			b.Run(fmt.Sprintf("%s/rtt=%v", c.name, delay), func(b *testing.B) {
				c.srv.Alias("PC0001", latencyProxy(b, c.addr, delay))
				src := c.src()
				opts := fetch.DefaultOptions()
				discard := func(ctx context.Context, i int, body io.Reader) error {
					_, err := io.Copy(io.Discard, body)
					return err
				}
				for b.Loop() {
					for i, f := range fetch.Run(context.Background(), src, opts, targets, discard) {
						if f.Status != smsfail.FetchOK {
							b.Fatalf("target %d: %s %s", i, f.Status, f.Error)
						}
					}
				}
			})
		}
	}
}
