package fetch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// smbclientRun is one smbclient process: it connects to one share of one
// host, logs on, runs the commands written to its standard input and
// ends. With -E everything smbclient says goes to standard error, which
// the transcript follows; standard output carries a fetched file's bytes
// and nothing else.
type smbclientRun struct {
	cmd    *exec.Cmd
	ctx    context.Context
	stdout io.ReadCloser // nil unless a file is fetched
	log    *transcript
	done   chan struct{} // closed once standard error has ended

	waited  bool
	waitErr error
}

// waitDelay bounds how long a process killed at its deadline may keep its
// pipes open.
const waitDelay = 2 * time.Second

// startSMBClient runs program with args and feeds it commands; fetch says
// whether standard output is read.
func startSMBClient(ctx context.Context, program string, args, env []string, commands string, fetch bool) (*smbclientRun, error) {
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(commands)
	cmd.WaitDelay = waitDelay
	ownProcessGroup(cmd)
	r := &smbclientRun{cmd: cmd, ctx: ctx, log: newTranscript(), done: make(chan struct{})}
	var err error
	if fetch {
		if r.stdout, err = cmd.StdoutPipe(); err != nil {
			return nil, err
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot run %s: %w", program, err)
	}
	go func() {
		defer close(r.done)
		r.log.follow(stderr)
	}()
	return r, nil
}

// listing waits for the first ls command to end and returns its entries.
func (r *smbclientRun) listing() ([]fs.FileInfo, error) {
	select {
	case <-r.log.listed:
	case <-r.ctx.Done():
		r.kill()
		return nil, r.ctxError()
	}
	r.log.mu.Lock()
	entries, failure, summed := r.log.entries, r.log.listFailure, r.log.summed
	r.log.mu.Unlock()
	switch {
	case failure != nil:
		return nil, failure
	case !summed: // the output ended before the listing did
		r.kill()
		return nil, fmt.Errorf("smbclient ended before its listing did (%v): %s", r.waitErr, r.log.tail())
	}
	return entries, nil
}

// wait lets the process end and says whether it did all it was asked;
// fetched tells whether it was to send a file.
func (r *smbclientRun) wait(fetched bool) error {
	if !r.waited {
		<-r.done // Wait must not close standard error before it is all read
		r.waited, r.waitErr = true, r.cmd.Wait()
	}
	r.log.mu.Lock()
	defer r.log.mu.Unlock()
	complete := r.log.listFailure == nil && r.log.failure == nil && r.waitErr == nil && (!fetched || r.log.got)
	switch {
	case complete:
		return nil
	case r.ctx.Err() != nil:
		return r.ctxError()
	case r.log.listFailure != nil:
		return r.log.listFailure
	case r.log.failure != nil:
		return r.log.failure
	case r.waitErr != nil:
		return fmt.Errorf("smbclient failed (%v): %s", r.waitErr, r.log.tail())
	case fetched && !r.log.got:
		return fmt.Errorf("smbclient ended without saying it got the file: %s", r.log.tail())
	}
	return nil
}

// kill ends the process and everything it started.
func (r *smbclientRun) kill() {
	if r.waited {
		return
	}
	if r.cmd.Cancel != nil {
		_ = r.cmd.Cancel()
	} else {
		_ = r.cmd.Process.Kill()
	}
	<-r.done
	r.waited, r.waitErr = true, r.cmd.Wait()
}

func (r *smbclientRun) ctxError() error {
	return fmt.Errorf("smbclient did not finish: %w", r.ctx.Err())
}

// transcript follows smbclient's messages: the entries of its first ls,
// the first line naming an NT status (during that listing and after it),
// whether it said it got a file, and its last other lines.
type transcript struct {
	mu          sync.Mutex
	listed      chan struct{} // closed when the first ls, or the output, ended
	listDone    bool
	summed      bool // the listing ended with its free-space summary
	entries     []fs.FileInfo
	listFailure error // a failure before the listing ended: connecting, logging on, listing
	failure     error // a failure after it
	got         bool
	other       []string
}

// otherLines is how many unexplained lines a transcript keeps for an
// error message.
const otherLines = 4

func newTranscript() *transcript { return &transcript{listed: make(chan struct{})} }

// follow reads standard error to its end. A line too long to be
// smbclient's is dropped, with everything after it.
func (t *transcript) follow(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		t.line(sc.Text())
	}
	_, _ = io.Copy(io.Discard, r)
	t.mu.Lock()
	t.endListing()
	t.mu.Unlock()
}

func (t *transcript) line(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.listDone {
		if fi, ok := parseListing(s); ok {
			t.entries = append(t.entries, fi)
			return
		}
	}
	trimmed := strings.TrimSpace(s)
	switch {
	case strings.Contains(trimmed, "blocks of size") || strings.HasPrefix(trimmed, "Error in dskattr"):
		// The free-space summary closes a listing, whether or not the
		// server gave the figures.
		t.summed = t.summed || !t.listDone
		t.endListing()
	case strings.HasPrefix(trimmed, "getting file "):
		t.got = true
	case ntStatus.MatchString(trimmed):
		err := newSMBClientError(trimmed)
		if !t.listDone && t.listFailure == nil {
			t.listFailure = err
			t.endListing()
		} else if t.failure == nil {
			t.failure = err
		}
	case trimmed != "" && !strings.HasPrefix(trimmed, `Try "help"`):
		t.other = append(t.other, trimmed)
		if len(t.other) > otherLines {
			t.other = t.other[1:]
		}
	}
}

func (t *transcript) endListing() {
	if !t.listDone {
		t.listDone = true
		close(t.listed)
	}
}

func (t *transcript) tail() string {
	if len(t.other) == 0 {
		return "no message"
	}
	return strings.Join(t.other, "; ")
}

// ntStatus finds the NT status an smbclient message names.
var ntStatus = regexp.MustCompile(`NT_STATUS_[A-Z0-9_]+`)

// smbclientError is a failure smbclient reported; it unwraps to the
// package's error (or fs.ErrNotExist) that its NT status means, so that
// outcomes are those of the SMB source.
type smbclientError struct {
	msg    string // smbclient's line
	status string // the NT status it names
	kind   error  // nil when the status means none of them
}

func (e *smbclientError) Error() string { return "smbclient: " + e.msg }
func (e *smbclientError) Unwrap() error { return e.kind }

// transient reports whether the host dropped the connection or said it
// was busy: trying again soon may succeed.
func (e *smbclientError) transient() bool {
	switch e.status {
	case "NT_STATUS_CONNECTION_RESET", "NT_STATUS_CONNECTION_DISCONNECTED", "NT_STATUS_CONNECTION_ABORTED",
		"NT_STATUS_NETWORK_BUSY", "NT_STATUS_REQUEST_NOT_ACCEPTED", "NT_STATUS_INSUFFICIENT_RESOURCES":
		return true
	}
	return false
}

func newSMBClientError(line string) *smbclientError {
	status := ntStatus.FindString(line)
	return &smbclientError{msg: line, status: status, kind: statusKind(line, status)}
}

// statusKind maps an NT status to the error it means here; a failure to
// connect is the host's whatever its status, and one to log on a denial
// unless the network failed meanwhile.
func statusKind(line, status string) error {
	if k, ok := statusKinds[status]; ok {
		return k
	}
	switch {
	case strings.HasPrefix(line, "do_connect:") || strings.HasPrefix(line, "protocol negotiation failed"):
		return ErrUnreachable
	case strings.HasPrefix(line, "session setup failed"):
		return ErrAccessDenied
	}
	return nil
}

var statusKinds = map[string]error{
	"NT_STATUS_ACCESS_DENIED":            ErrAccessDenied,
	"NT_STATUS_LOGON_FAILURE":            ErrAccessDenied,
	"NT_STATUS_WRONG_PASSWORD":           ErrAccessDenied,
	"NT_STATUS_NO_SUCH_USER":             ErrAccessDenied,
	"NT_STATUS_ACCOUNT_RESTRICTION":      ErrAccessDenied,
	"NT_STATUS_INVALID_LOGON_HOURS":      ErrAccessDenied,
	"NT_STATUS_INVALID_WORKSTATION":      ErrAccessDenied,
	"NT_STATUS_PASSWORD_EXPIRED":         ErrAccessDenied,
	"NT_STATUS_ACCOUNT_DISABLED":         ErrAccessDenied,
	"NT_STATUS_LOGON_TYPE_NOT_GRANTED":   ErrAccessDenied,
	"NT_STATUS_ACCOUNT_EXPIRED":          ErrAccessDenied,
	"NT_STATUS_PASSWORD_MUST_CHANGE":     ErrAccessDenied,
	"NT_STATUS_ACCOUNT_LOCKED_OUT":       ErrAccessDenied,
	"NT_STATUS_NETWORK_ACCESS_DENIED":    ErrAccessDenied,
	"NT_STATUS_BAD_NETWORK_NAME":         ErrShareMissing,
	"NT_STATUS_OBJECT_NAME_NOT_FOUND":    fs.ErrNotExist,
	"NT_STATUS_OBJECT_PATH_NOT_FOUND":    fs.ErrNotExist,
	"NT_STATUS_NO_SUCH_FILE":             fs.ErrNotExist,
	"NT_STATUS_OBJECT_NAME_INVALID":      fs.ErrNotExist,
	"NT_STATUS_OBJECT_PATH_INVALID":      fs.ErrNotExist,
	"NT_STATUS_NOT_A_DIRECTORY":          fs.ErrNotExist,
	"NT_STATUS_FILE_IS_A_DIRECTORY":      fs.ErrNotExist,
	"NT_STATUS_DELETE_PENDING":           fs.ErrNotExist,
	"NT_STATUS_CONNECTION_REFUSED":       ErrUnreachable,
	"NT_STATUS_IO_TIMEOUT":               ErrUnreachable,
	"NT_STATUS_HOST_UNREACHABLE":         ErrUnreachable,
	"NT_STATUS_NETWORK_UNREACHABLE":      ErrUnreachable,
	"NT_STATUS_PORT_UNREACHABLE":         ErrUnreachable,
	"NT_STATUS_BAD_NETWORK_PATH":         ErrUnreachable,
	"NT_STATUS_CONNECTION_RESET":         ErrUnreachable,
	"NT_STATUS_CONNECTION_DISCONNECTED":  ErrUnreachable,
	"NT_STATUS_CONNECTION_ABORTED":       ErrUnreachable,
	"NT_STATUS_NETWORK_NAME_DELETED":     ErrUnreachable,
	"NT_STATUS_INVALID_NETWORK_RESPONSE": ErrUnreachable,
	"NT_STATUS_PIPE_BROKEN":              ErrUnreachable,
	"NT_STATUS_REMOTE_NOT_LISTENING":     ErrUnreachable,
	"NT_STATUS_REMOTE_DISCONNECT":        ErrUnreachable,
}

// isSMBClientTransient reports whether err is smbclient's word that the
// host dropped the connection or was busy.
func isSMBClientTransient(err error) bool {
	var ce *smbclientError
	return errors.As(err, &ce) && ce.transient()
}
