//go:build unix

package main

import (
	"database/sql"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSiteDatabaseInAFolderNotWritable: a site database in WAL mode whose
// folder the job's account cannot write fails the night with SQLite's
// "attempt to write a readonly database (1544)", and the error says which
// folder and what to do. The job runs as nobody.
func TestSiteDatabaseInAFolderNotWritable(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test runs the job as another account: it needs root")
		}
		t.Skip("skipping: running the job as another account needs root")
	}
	s := newSite(t, "")
	for d := s.dir; d != filepath.Dir(d) && strings.HasPrefix(d, os.TempDir()) && d != os.TempDir(); d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	db := filepath.Join(s.dir, "site.db")
	x, err := sql.Open("sqlite", "file:"+db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Exec("PRAGMA journal_mode=WAL"); err != nil {
		t.Fatal(err)
	}
	x.Close()
	for _, d := range []string{"state", "reports"} {
		if err := os.MkdirAll(filepath.Join(s.dir, d), 0o777); err != nil {
			t.Fatal(err)
		}
		os.Chmod(filepath.Join(s.dir, d), 0o777)
	}
	bin := filepath.Join(s.dir, "smsfail.test")
	copyExecutable(t, bin)
	cmd := exec.Command(bin, "run", "--config", s.config)
	cmd.Env = append(os.Environ(), "SMSFAIL_TEST_MAIN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, _ := cmd.CombinedOutput()
	for _, want := range []string{"(1544)", "let the account smsfail runs as write the folder " + s.dir, "journal_mode=DELETE"} {
		if !strings.Contains(string(out), want) {
			t.Fatalf("want the error to hold %q:\n%s", want, out)
		}
	}
	if run := lastRun(t, s); !strings.Contains(run.Error, "(1544)") || !strings.Contains(run.Error, "write the folder") {
		t.Errorf("recorded %q", run.Error)
	}
}

// copyExecutable copies this test binary to to, readable and runnable by
// any account.
func copyExecutable(t *testing.T, to string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	in, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
