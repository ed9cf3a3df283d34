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
		want := smsfail.OutcomeOK
		if i%silentEvery == silentEvery-1 {
			want = smsfail.OutcomeUnreachable
		}
		if f.Outcome != want {
			b.Fatalf("host %d: %s (%s), want %s", i, f.Outcome, f.Error, want)
		}
	}
}
