//go:build linux

package wintest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// prefix is the Wine prefix every test of the package runs in, made by the
// first test that needs it (a run that selects none makes none) and
// removed by TestMain.
var prefix struct {
	once sync.Once
	w    *wine
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if prefix.w != nil {
		prefix.w.tearDown()
	}
	os.Exit(code)
}

// needWine returns the prefix, or skips the test when Wine or mingw-w64
// is missing; under CI=true a missing component fails the test.
func needWine(t *testing.T) *wine {
	t.Helper()
	prefix.once.Do(func() { prefix.w, prefix.err = setUp() })
	if prefix.w != nil {
		return prefix.w
	}
	var missing *missingError
	if errors.As(prefix.err, &missing) && os.Getenv("CI") != "true" {
		t.Skip(prefix.err)
	}
	t.Fatal(prefix.err)
	return nil
}

type missingError struct{ what string }

func (e *missingError) Error() string {
	return e.what + " not found: install wine, wine64 and gcc-mingw-w64-x86-64 (./test.sh does)"
}

// wine is one Wine prefix with smsfail.exe in C:\smsfail, the stand-in
// bcryptprimitives.dll in system32 and a persistent wineserver, so that the
// services it runs outlive each command.
type wine struct {
	root     string // holds the prefix, HOME and the binaries
	prefix   string
	bin      string // the binaries built for Windows
	env      []string
	cred     *syscall.Credential // the account Wine runs as, nil for ours
	eventLog string              // what Wine's event log receives
	tools    map[string]string
}

// setUp builds the binaries and the prefix, and starts the wineserver.
func setUp() (*wine, error) {
	w := &wine{tools: map[string]string{}}
	for _, tool := range []string{"wine", "wineserver", "wineboot", "x86_64-w64-mingw32-gcc"} {
		p, err := exec.LookPath(tool)
		if err != nil {
			return nil, &missingError{tool}
		}
		w.tools[tool] = p
	}
	if err := w.makeRoot(); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := w.build(); err != nil {
		w.tearDown()
		return nil, err
	}
	if err := w.startServer(); err != nil {
		w.tearDown()
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "wintest: Wine prefix and Windows binaries ready in %.1fs\n", time.Since(start).Seconds())
	return w, nil
}

// makeRoot makes the folder of the prefix. Wine refuses a prefix its user
// does not own, and as root it would read every file whatever its
// permissions: root runs Wine as nobody.
func (w *wine) makeRoot() error {
	root, err := os.MkdirTemp("", "smsfail-wine-")
	if err != nil {
		return err
	}
	w.root, w.prefix, w.bin = root, filepath.Join(root, "prefix"), filepath.Join(root, "bin")
	w.eventLog = filepath.Join(root, "eventlog.txt")
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			return fmt.Errorf("running as root, Wine needs an unprivileged account: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		w.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	for _, d := range []string{root, w.bin, filepath.Join(root, "home")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
		w.chown(d)
	}
	w.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(root, "home"),
		"USER=smsfail",
		"WINEPREFIX=" + w.prefix,
		"WINEARCH=win64",
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=",
		"TZ=UTC",
		"LANG=C.UTF-8",
		"CI=" + os.Getenv("CI"),
	}
	return nil
}

func (w *wine) chown(p string) {
	if w.cred != nil {
		os.Lchown(p, int(w.cred.Uid), int(w.cred.Gid))
	}
}

// build makes the prefix while Go builds smsfail.exe and the test binary
// of package fetch and mingw-w64 the stand-in DLL.
func (w *wine) build() error {
	modRoot, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	goEnv := append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	steps := []*exec.Cmd{
		w.command(context.Background(), w.tools["wineboot"], "-i"),
		exec.Command("go", "build", "-o", filepath.Join(w.bin, "smsfail.exe"), "./cmd/smsfail"),
		exec.Command("go", "test", "-c", "-o", filepath.Join(w.bin, "fetch.test.exe"), "./fetch"),
		exec.Command(w.tools["x86_64-w64-mingw32-gcc"], "-shared", "-O2", "-s", "-o", filepath.Join(w.bin, "bcryptprimitives.dll"),
			filepath.Join(modRoot, "wintest", "testdata", "bcryptprimitives.c"), "-ladvapi32"),
	}
	for _, c := range steps[1:3] {
		c.Dir, c.Env = modRoot, goEnv
	}
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, c := range steps {
		wg.Go(func() {
			if out, err := output(c); err != nil {
				errs[i] = fmt.Errorf("%s: %w\n%s", strings.Join(c.Args, " "), err, out)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return w.install()
}

// install puts smsfail.exe in C:\smsfail and the stand-in DLL where Go
// loads it from: system32 only.
func (w *wine) install() error {
	if out, err := output(w.command(context.Background(), w.tools["wineserver"], "-w")); err != nil {
		return fmt.Errorf("wineserver -w: %w: %s", err, out)
	}
	for _, c := range []struct{ from, to string }{
		{filepath.Join(w.bin, "bcryptprimitives.dll"), filepath.Join(w.prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")},
		{filepath.Join(w.bin, "smsfail.exe"), filepath.Join(w.prefix, "drive_c", "smsfail", "smsfail.exe")},
	} {
		data, err := os.ReadFile(c.from)
		if err != nil {
			return err
		}
		if err := w.writeUnix(c.to, data, 0o755); err != nil {
			return err
		}
	}
	return nil
}

// startServer starts a persistent wineserver, so that Wine keeps its
// services running between the tests' commands, and the first process,
// which starts the service manager with its event log going to a file.
func (w *wine) startServer() error {
	// The server goes on in the background holding what it was given as
	// output: give it none.
	if err := w.command(context.Background(), w.tools["wineserver"], "-p").Run(); err != nil {
		return fmt.Errorf("wineserver -p: %w", err)
	}
	events, err := os.Create(w.eventLog)
	if err != nil {
		return err
	}
	defer events.Close()
	w.chown(w.eventLog)
	out, err := os.Create(filepath.Join(w.root, "first.txt"))
	if err != nil {
		return err
	}
	defer out.Close()
	// Wine keeps no event log: ReportEvent writes each event's text to its
	// debug channel "eventlog" (Information as trace, Warning as warn,
	// Error as err), on the stderr of the service manager, which the first
	// process starts.
	c := w.command(context.Background(), w.tools["wine"], "sc", "query", "eventlog")
	c.Env = append(c.Env, "WINEDEBUG=-all,trace+eventlog,warn+eventlog,err+eventlog")
	c.Stdout, c.Stderr = out, events
	err = c.Run()
	said, _ := os.ReadFile(out.Name())
	if err != nil || !bytes.Contains(said, []byte("RUNNING")) {
		return fmt.Errorf("wine sc query eventlog: %v: %s", err, said)
	}
	return nil
}

func (w *wine) tearDown() {
	if w.tools["wineserver"] != "" && w.prefix != "" {
		w.command(context.Background(), w.tools["wineserver"], "-k").Run()
		w.command(context.Background(), w.tools["wineserver"], "-w").Run()
	}
	if w.root != "" {
		os.RemoveAll(w.root)
	}
}

// command is a Wine tool run as Wine's account in the prefix.
func (w *wine) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, name, args...)
	c.Env = append([]string(nil), w.env...)
	c.Dir = w.root
	if w.cred != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: w.cred}
	}
	return c
}

// result is what a Windows program did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// run runs a Windows program (wine's own, like sc, or a path) to its end.
func (w *wine) run(t *testing.T, program string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := w.command(ctx, w.tools["wine"], append([]string{program}, args...)...)
	stderr, err := os.CreateTemp(w.root, "stderr-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(stderr.Name())
	defer stderr.Close()
	c.Stderr = stderr
	stdout, err := output(c)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("wine %s %s: %v", program, strings.Join(args, " "), err)
	}
	errs, _ := os.ReadFile(stderr.Name())
	if ctx.Err() != nil {
		t.Fatalf("wine %s %s did not end within 3 minutes:\n%s%s", program, strings.Join(args, " "), stdout, errs)
	}
	return result{code: c.ProcessState.ExitCode(), stdout: string(stdout), stderr: string(errs)}
}

// output runs c with its output (and its errors, unless c has a place for
// them) going to a file, not a pipe: a process Wine starts on the way, the
// wineserver or the service manager, holds it long after c has ended.
func output(c *exec.Cmd) ([]byte, error) {
	f, err := os.CreateTemp("", "wintest-output-")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	c.Stdout = f
	if c.Stderr == nil {
		c.Stderr = f
	}
	err = c.Run()
	out, rerr := os.ReadFile(f.Name())
	return out, errors.Join(err, rerr)
}

// smsfail runs C:\smsfail\smsfail.exe.
func (w *wine) smsfail(t *testing.T, args ...string) result {
	t.Helper()
	return w.run(t, `C:\smsfail\smsfail.exe`, args...)
}

// want runs smsfail and fails the test unless it exits with code.
func (w *wine) want(t *testing.T, code int, args ...string) result {
	t.Helper()
	r := w.smsfail(t, args...)
	if r.code != code {
		t.Fatalf("smsfail %s: want exit code %d, got %s", strings.Join(args, " "), code, r)
	}
	return r
}

// unix is where a Windows path of the prefix lies on this machine:
// drives and \\HOST\share through the prefix's dosdevices.
func (w *wine) unix(winPath string) string {
	dev := filepath.Join(w.prefix, "dosdevices")
	if rest, ok := strings.CutPrefix(winPath, `\\`); ok {
		return filepath.Join(dev, "unc", filepath.FromSlash(strings.ReplaceAll(rest, `\`, "/")))
	}
	drive := strings.ToLower(winPath[:2])
	return filepath.Join(dev, drive, filepath.FromSlash(strings.ReplaceAll(winPath[2:], `\`, "/")))
}

// dir is a fresh folder of the test's own on C:, with a space in its
// path as C:\Program Files has.
func (w *wine) dir(t *testing.T) string {
	t.Helper()
	win := `C:\smsfail tests\` + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	if err := w.mkdirUnix(w.unix(win)); err != nil {
		t.Fatal(err)
	}
	return win
}

// write writes a file at a Windows path of the prefix, readable and
// writable by Wine's account.
func (w *wine) write(t *testing.T, winPath string, data []byte) {
	t.Helper()
	if err := w.writeUnix(w.unix(winPath), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (w *wine) writeUnix(p string, data []byte, perm os.FileMode) error {
	if err := w.mkdirUnix(filepath.Dir(p)); err != nil {
		return err
	}
	if err := os.WriteFile(p, data, perm); err != nil {
		return err
	}
	w.chown(p)
	return nil
}

// mkdirUnix makes a folder and hands every folder it made to Wine's
// account.
func (w *wine) mkdirUnix(p string) error {
	var made []string
	for d := p; d != w.root && d != "/" && d != "."; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			break
		}
		made = append(made, d)
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	for _, d := range made {
		w.chown(d)
	}
	return nil
}

// read reads a file at a Windows path of the prefix.
func (w *wine) read(t *testing.T, winPath string) []byte {
	t.Helper()
	b, err := os.ReadFile(w.unix(winPath))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// events is what Wine's event log received so far, one per line: the
// level (trace for Information, warn, err) and the text.
func (w *wine) events(t *testing.T) []event {
	t.Helper()
	f, err := os.Open(w.eventLog)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	var events []event
	for _, line := range strings.Split(string(b), "\n") {
		// 01e8:trace:eventlog:ReportEventW L"time=... msg=\"night done\" ..."
		head, text, ok := strings.Cut(line, `:eventlog:ReportEventW L"`)
		if !ok {
			continue
		}
		level := head[strings.LastIndex(head, ":")+1:]
		text = strings.TrimSuffix(text, `"`)
		text = strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(text)
		events = append(events, event{level: level, text: text})
	}
	return events
}

type event struct{ level, text string }

// waitEvent waits until an event holding want arrives after the first
// skip events, and returns it.
func (w *wine) waitEvent(t *testing.T, skip int, want string, within time.Duration) event {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		events := w.events(t)
		for _, e := range events[min(skip, len(events)):] {
			if strings.Contains(e.text, want) {
				return e
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no event holding %q within %v; the event log after the first %d:\n%v", want, within, skip, events[min(skip, len(events)):])
		}
		time.Sleep(200 * time.Millisecond)
	}
}
