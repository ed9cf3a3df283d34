//go:build unix

package fetch_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"smsfail"
	"smsfail/fetch"
)

// A named pipe in place of a log would block an open until some writer
// came, past every deadline; a device would read as an endless or empty
// log. Both are refused at once as access denied.
func TestLocalRefusesPipesAndDevices(t *testing.T) {
	cases := []struct {
		name string
		make func(t *testing.T, p string)
	}{
		{"named pipe", func(t *testing.T, p string) {
			if err := syscall.Mkfifo(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"character device", func(t *testing.T, p string) {
			if err := syscall.Mknod(p, syscall.S_IFCHR|0o666, int(unix.Mkdev(1, 5))); err != nil {
				if os.Getenv("CI") != "true" && os.Getuid() != 0 {
					t.Skipf("skipping: only root makes a device node: %v", err)
				}
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, _ := hostileLocal(t)
			c.make(t, filepath.Join(root, "PC1", "admin$", "svcpack.log"))
			src, err := fetch.NewLocal(root)
			if err != nil {
				t.Fatal(err)
			}
			opts := testOptions(t)
			targets := []fetch.Target{{Host: "PC1", Paths: []fetch.LogPath{adminPath("svcpack.log")}}}
			done := make(chan []smsfail.Fetch, 1)
			col := &collector{}
			go func() { done <- fetch.Run(t.Context(), src, opts, targets, col.read) }()
			select {
			case got := <-done:
				wantOutcome(t, got[0], smsfail.OutcomeAccessDenied)
				noFileUnder(t, opts.KeepDir)
			case <-time.After(time.Minute + opts.HostTimeout):
				t.Fatalf("Run still blocked on the %s long after the host's deadline of %v", c.name, opts.HostTimeout)
			}
		})
	}
}
