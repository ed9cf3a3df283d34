//go:build unix

package history

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// openAsNobody opens the history in dir as an account without the right
// to write the folder: this process itself when it is not root, else a
// copy of the test binary run as nobody.
func openAsNobody(t *testing.T, dir string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		_, err := Open(context.Background(), dir)
		return fmt.Sprint(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "history.test")
	copyFile(t, exe, bin)
	for _, p := range []string{filepath.Dir(bin), filepath.Dir(filepath.Dir(bin)), bin} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "HISTORY_TEST_OPEN="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cannot run the test as nobody: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
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

// A state folder the job's account cannot write gives SQLite's "attempt
// to write a readonly database (1544)"; the error says which folder and
// what to do.
func TestStateFolderNotWritable(t *testing.T) {
	base := t.TempDir()
	os.Chmod(base, 0o755)
	dir := filepath.Join(base, "state")
	h, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	if err := os.Chmod(filepath.Join(dir, FileName), 0o666); err != nil {
		t.Fatal(err)
	}
	got := openAsNobody(t, dir)
	for _, want := range []string{"(1544)", "the state folder " + dir, "cannot be written by the account", "state.dir"} {
		if !strings.Contains(got, want) {
			t.Fatalf("got %q, want it to hold %q", got, want)
		}
	}
}

// A disk that cannot take the shared-memory file gives SQLite's "disk I/O
// error (4874)"; the error says the disk of which folder, and what to do.
// A file size limit stands for the full disk.
func TestStateDiskFull(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	h, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	h.Close()
	var was syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &was); err != nil {
		t.Fatal(err)
	}
	small := was
	small.Cur = 16 << 10
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &small); err != nil {
		t.Fatal(err)
	}
	_, err = Open(context.Background(), dir)
	if rerr := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &was); rerr != nil {
		t.Fatal(rerr)
	}
	got := fmt.Sprint(err)
	for _, want := range []string{"(4874)", "the disk holding the state folder " + dir, "full or failing", "state.dir"} {
		if !strings.Contains(got, want) {
			t.Fatalf("got %q, want it to hold %q", got, want)
		}
	}
}
