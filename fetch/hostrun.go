package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sort"
	"strings"
	"time"

	"smsfail"
)

// retryPause is the wait before trying a host again after a transient
// error, long enough for a busy server to free a slot.
const retryPause = 250 * time.Millisecond

// hostRun reads one host's targets over one session, reconnecting after a
// transient error while attempts last.
type hostRun struct {
	*runner
	host     string
	keep     *keeper
	sess     Session
	attempts int      // connections left to make
	connErr  error    // why the host cannot be reached, once settled
	tried    []string // the paths tried for the current target, for the debug log
}

// debug reports whether the debug log is wanted: building its lines
// costs, and a night reads thousands of logs.
func (h *hostRun) debug() bool {
	return h.opts.Logger != nil && h.opts.Logger.Enabled(context.Background(), slog.LevelDebug)
}

// logTarget tells the debug log how a target went, so that an admin can
// see why one host was slow.
func (h *hostRun) logTarget(f smsfail.Fetch, elapsed time.Duration) {
	if !h.debug() {
		return
	}
	attrs := []any{"host", h.host, "source", h.sourceName(f), "outcome", f.Outcome, "paths_tried", strings.Join(h.tried, "; "),
		"bytes", f.Size, "elapsed", elapsed.Round(time.Millisecond)}
	if f.UNC != "" && f.Outcome.Read() {
		attrs = append(attrs, "log", f.UNC)
	}
	if f.Error != "" {
		attrs = append(attrs, "err", f.Error)
	}
	h.opts.Logger.Debug("host log", attrs...)
}

// sourceName names the reader: the one the source handed the host to,
// or the source itself.
func (h *hostRun) sourceName(f smsfail.Fetch) string {
	if f.Via != "" {
		return f.Via
	}
	return fmt.Sprint(h.src)
}

// session returns the open session, connecting first if need be.
func (h *hostRun) session(ctx context.Context) (Session, error) {
	if h.sess != nil || h.connErr != nil {
		return h.sess, h.connErr
	}
	for {
		h.attempts--
		cctx, cancel := context.WithTimeout(ctx, h.opts.ConnectTimeout)
		start := time.Now()
		s, err := h.src.Connect(cctx, h.host)
		if h.debug() {
			h.opts.Logger.Debug("host connect", "host", h.host, "source", fmt.Sprint(h.src), "elapsed", time.Since(start).Round(time.Millisecond),
				"ok", err == nil)
		}
		if err != nil && cctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer within the connect timeout of %v: %w", h.opts.ConnectTimeout, err)
		}
		cancel()
		if err == nil {
			h.sess = s
			return s, nil
		}
		if h.attempts <= 0 || !transient(err) || !pause(ctx, retryPause) {
			h.connErr = err
			return nil, err
		}
	}
}

func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// close logs off; ctx bounds the farewell only.
func (h *hostRun) close(ctx context.Context) {
	if h.sess != nil {
		_ = h.sess.Close(ctx) // the connection is released even when this fails
		h.sess = nil
	}
}

// target reads target i, trying its paths in order.
func (h *hostRun) target(ctx context.Context, i int) smsfail.Fetch {
	tried := time.Now().UTC()
	if len(h.targets[i].Paths) == 0 {
		f := smsfail.Fetch{Outcome: smsfail.OutcomeLogMissing, Error: "no log path is known for this program", Tried: tried}
		return f
	}
	for {
		f, again := h.attempt(ctx, i)
		if !again {
			f.Tried, f.Via = tried, sessionVia(h.sess)
			return f
		}
	}
}

// attempt tries target i's paths over the current session. It asks to be
// called again after a transient error that cost the session, when
// another connection is allowed.
func (h *hostRun) attempt(ctx context.Context, i int) (f smsfail.Fetch, again bool) {
	sess, err := h.session(ctx)
	if err != nil {
		return h.failure(i, h.host, outcomeOf(err, phaseConnect), err), false
	}
	var first smsfail.Outcome
	var errs []string
	for _, p := range h.targets[i].Paths {
		file, info, unc, err := h.open(ctx, sess, p)
		if err == nil {
			return h.readLog(ctx, i, file, info, unc), false
		}
		if transient(err) && h.attempts > 0 && pause(ctx, retryPause) {
			h.close(ctx)
			return smsfail.Fetch{}, true
		}
		o := outcomeOf(err, phaseOpen)
		if first == "" {
			first = o
		}
		errs = append(errs, err.Error())
		if o == smsfail.OutcomeUnreachable {
			break // the host is gone: the other paths would only wait
		}
	}
	return h.failure(i, h.host, first, errors.New(strings.Join(errs, "; "))), false
}

// open opens the log at p; for a wildcard in its last element, the newest
// matching file that can be opened.
func (h *hostRun) open(ctx context.Context, sess Session, p LogPath) (File, fs.FileInfo, string, error) {
	elems := splitPath(p.Path)
	if len(elems) == 0 || !isGlob(elems[len(elems)-1]) {
		return h.openFile(ctx, sess, p)
	}
	dir := strings.Join(elems[:len(elems)-1], `\`)
	h.tried = append(h.tried, UNC(h.host, p))
	infos, err := sess.ReadDir(ctx, p.Share, dir)
	if err != nil {
		return nil, nil, UNC(h.host, p), fmt.Errorf("cannot list %s: %w", UNC(h.host, LogPath{p.Share, dir}), err)
	}
	for _, m := range newestMatches(infos, elems[len(elems)-1]) {
		mp := LogPath{Share: p.Share, Path: strings.TrimPrefix(dir+`\`+m.Name(), `\`)}
		f, fi, unc, err := h.openFile(ctx, sess, mp)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed since the listing
		}
		return f, fi, unc, err
	}
	return nil, nil, UNC(h.host, p), fmt.Errorf("no file matches %s: %w", UNC(h.host, p), fs.ErrNotExist)
}

// newestMatches returns the files matching pattern, newest first (by name
// among equals, so runs are repeatable).
func newestMatches(infos []fs.FileInfo, pattern string) []fs.FileInfo {
	var m []fs.FileInfo
	for _, fi := range infos {
		if !fi.IsDir() && validElem(fi.Name()) && matchFold(pattern, fi.Name()) {
			m = append(m, fi)
		}
	}
	sort.Slice(m, func(a, b int) bool {
		if ta, tb := m[a].ModTime(), m[b].ModTime(); !ta.Equal(tb) {
			return ta.After(tb)
		}
		return m[a].Name() < m[b].Name()
	})
	return m
}

func (h *hostRun) openFile(ctx context.Context, sess Session, p LogPath) (File, fs.FileInfo, string, error) {
	unc := UNC(h.host, p)
	h.tried = append(h.tried, unc)
	f, err := sess.Open(ctx, p.Share, p.Path)
	if err != nil {
		return nil, nil, unc, fmt.Errorf("cannot open %s: %w", unc, err)
	}
	fi, err := f.Stat()
	if err == nil && fi.IsDir() {
		err = fmt.Errorf("it is a folder: %w", fs.ErrNotExist)
	}
	if err == nil && fi.Mode()&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket) != 0 {
		err = fmt.Errorf("it is %s, not a log file: %w", kindOf(fi.Mode()), ErrAccessDenied)
	}
	if err != nil {
		f.Close()
		return nil, nil, unc, fmt.Errorf("cannot read %s: %w", unc, err)
	}
	return f, fi, unc, nil
}

// readLog streams an open log to the ReadFunc and into the kept copy.
func (h *hostRun) readLog(ctx context.Context, i int, file File, info fs.FileInfo, unc string) smsfail.Fetch {
	defer file.Close()
	f := smsfail.Fetch{Outcome: smsfail.OutcomeOK, UNC: unc, ModTime: info.ModTime().UTC()}
	kept, keepErr := h.keep.create(unc, info.Name())
	if keepErr != nil {
		kept = &keptFile{}
	}
	// The size at opening bounds the read: the log as it was then, and no
	// round trip to learn that it ends.
	src, limit, err := capped(file, info.Size(), h.opts.MaxBytes)
	if err != nil {
		return readFailed(f, kept, err)
	}
	body := newBody(src)
	limited := &io.LimitedReader{R: body, N: limit}
	tee := io.TeeReader(limited, kept)
	err = h.read(ctx, i, tee)
	if err == nil {
		_, err = io.Copy(io.Discard, tee) // the rest, for the kept copy
	}
	if err == nil {
		err = body.err // an error the ReadFunc saw but did not return
	}
	f.Size = limit - limited.N
	if err == nil && info.Size() > h.opts.MaxBytes {
		f.Outcome = smsfail.OutcomeTruncated
		f.Error = fmt.Sprintf("read the last %d of %d bytes only (the cap on bytes read per log)", f.Size, info.Size())
	}
	if err != nil {
		return readFailed(f, kept, err)
	}
	if f.Kept, err = kept.commit(); err != nil {
		keepErr = err
	}
	if keepErr != nil {
		f.Error = strings.TrimPrefix(f.Error+"; "+keepErr.Error(), "; ")
	}
	return f
}

// readFailed drops the incomplete copy: a half log must not pass for the
// client's.
func readFailed(f smsfail.Fetch, kept *keptFile, err error) smsfail.Fetch {
	kept.discard()
	f.Outcome, f.Error = outcomeOf(err, phaseRead), fmt.Sprintf("cannot read %s: %v", f.UNC, err)
	return f
}
