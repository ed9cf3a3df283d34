package fetch_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"smsfail"
	"smsfail/fetch"
)

// hostileLocal lays out a log folder with one honest host, PC1, and a
// secret outside the folder that links try to reach.
func hostileLocal(t *testing.T) (root, secret string) {
	t.Helper()
	base := t.TempDir()
	secret = filepath.Join(base, "shadow")
	if err := os.WriteFile(secret, []byte("root:$6$secret-hash:19000:0:99999:7:::\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(base, "clients")
	for _, d := range []string{"PC1/admin$", "PC2/admin$"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(base, "outside")
	if err := os.MkdirAll(filepath.Join(outside, "admin$"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "admin$", "svcpack.log"), []byte("outside the log folder\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "PC2", "admin$", "svcpack.log"), []byte("PC2's own log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, secret
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// A link planted in a client's folder must not copy a file of this
// machine into the report: every link that leads out of the host's
// folder is refused as access denied, and nothing of its target is read
// or kept.
func TestLocalRefusesLinksOutOfTheHostFolder(t *testing.T) {
	cases := []struct {
		name  string
		plant func(t *testing.T, root, secret string) string // returns the host
	}{
		{"log linked to a file outside", func(t *testing.T, root, secret string) string {
			symlink(t, secret, filepath.Join(root, "PC1", "admin$", "svcpack.log"))
			return "PC1"
		}},
		{"relative link climbing out", func(t *testing.T, root, secret string) string {
			symlink(t, "../../../shadow", filepath.Join(root, "PC1", "admin$", "svcpack.log"))
			return "PC1"
		}},
		{"share linked outside", func(t *testing.T, root, secret string) string {
			os.RemoveAll(filepath.Join(root, "PC3"))
			symlink(t, filepath.Join(filepath.Dir(root), "outside", "admin$"), filepath.Join(root, "PC3", "admin$"))
			return "PC3"
		}},
		{"host folder linked outside", func(t *testing.T, root, secret string) string {
			symlink(t, filepath.Join(filepath.Dir(root), "outside"), filepath.Join(root, "PC4"))
			return "PC4"
		}},
		{"log linked to another host's", func(t *testing.T, root, secret string) string {
			symlink(t, filepath.Join(root, "PC2", "admin$", "svcpack.log"), filepath.Join(root, "PC1", "admin$", "svcpack.log"))
			return "PC1"
		}},
		{"log linked to a device", func(t *testing.T, root, secret string) string {
			symlink(t, "/dev/zero", filepath.Join(root, "PC1", "admin$", "svcpack.log"))
			return "PC1"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, secret := hostileLocal(t)
			host := c.plant(t, root, secret)
			src, err := fetch.NewLocal(root)
			if err != nil {
				t.Fatal(err)
			}
			opts := testOptions(t)
			got, col := run(t, src, opts, []fetch.Target{{Host: host, Paths: []fetch.LogPath{adminPath("svcpack.log")}}})
			wantOutcome(t, got[0], smsfail.OutcomeAccessDenied)
			if len(col.bodies[0]) > 0 {
				t.Errorf("read %q through the link", col.bodies[0])
			}
			if got[0].Kept != "" {
				t.Errorf("kept a copy at %s", got[0].Kept)
			}
			noFileUnder(t, opts.KeepDir)
		})
	}
}

// Links that stay inside the host's folder are the host's own files.
func TestLocalFollowsLinksInsideTheHostFolder(t *testing.T) {
	root, _ := hostileLocal(t)
	log := filepath.Join(root, "PC1", "admin$", "logs", "real.log")
	if err := os.MkdirAll(filepath.Dir(log), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(log, []byte("PC1's log\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	symlink(t, filepath.Join("logs", "real.log"), filepath.Join(root, "PC1", "admin$", "svcpack.log"))
	src, err := fetch.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	got, col := run(t, src, testOptions(t), []fetch.Target{{Host: "pc1", Paths: []fetch.LogPath{adminPath("SVCPACK.LOG")}}})
	wantOutcome(t, got[0], smsfail.OutcomeOK)
	if !bytes.Equal(col.bodies[0], []byte("PC1's log\n")) {
		t.Errorf("read %q", col.bodies[0])
	}
}

// noFileUnder fails when dir holds any file.
func noFileUnder(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("left %s behind", p)
		}
		return nil
	})
}
