package fetch

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"smsfail"
)

// Options bound a fetch run.
type Options struct {
	Concurrency    int           // hosts read at the same time
	ConnectTimeout time.Duration // to reach a host, negotiate and log on
	// HostTimeout bounds everything done with one host: connecting,
	// logging on, listing and reading each of its logs.
	HostTimeout time.Duration
	// MaxBytes caps the bytes read of one log: a longer one is read from
	// its end (after its byte order mark), where the latest run is.
	MaxBytes int64
	// Retries is how many more times a host is tried after a transient
	// network error (the host reset the connection or said it was busy),
	// never after a timeout, a denial or a missing file.
	Retries int
	// KeepDir, when set, is where each log read is kept as
	// <KeepDir>/<HOST>/<file name>.
	KeepDir string
	// Done, when set, is called once a host's targets are all settled,
	// with how many targets that settled; calls come from several
	// goroutines. Progress bars count on it.
	Done func(settled int)
	// Logger, when set, is told at debug level how each host went: the
	// reader, how long connecting took, and for each log the paths
	// tried, the bytes read and the time it took.
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultConcurrency    = 32
	DefaultConnectTimeout = 3 * time.Second
	DefaultHostTimeout    = 30 * time.Second
	DefaultMaxBytes       = 64 << 20
	DefaultRetries        = 1
)

// DefaultOptions returns the options a run uses unless told otherwise.
func DefaultOptions() Options {
	return Options{
		Concurrency:    DefaultConcurrency,
		ConnectTimeout: DefaultConnectTimeout,
		HostTimeout:    DefaultHostTimeout,
		MaxBytes:       DefaultMaxBytes,
		Retries:        DefaultRetries,
	}
}

// withDefaults fills the zero values that would make a run impossible;
// Retries 0 stays 0.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Concurrency <= 0 {
		o.Concurrency = d.Concurrency
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = d.ConnectTimeout
	}
	if o.HostTimeout <= 0 {
		o.HostTimeout = d.HostTimeout
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = d.MaxBytes
	}
	o.Retries = max(o.Retries, 0)
	return o
}

// Target is one log to read: the paths to try on a host, in order.
type Target struct {
	Host  string
	Paths []LogPath
}

// ReadFunc receives the raw bytes of target i's log (at most MaxBytes).
// It is called concurrently for different targets. What it leaves unread
// is still read, to complete the kept copy.
type ReadFunc func(ctx context.Context, i int, body io.Reader) error

// Run reads the targets' logs from src, opts.Concurrency hosts at a time,
// and returns one Fetch per target, in target order. A host's targets
// share one session and one deadline. Targets on hosts whose name is not
// valid are never tried; when ctx ends, the hosts not yet begun are
// reported not tried. Run returns once every session is closed.
func Run(ctx context.Context, src Source, opts Options, targets []Target, read ReadFunc) []smsfail.Fetch {
	r := &runner{src: src, opts: opts.withDefaults(), targets: targets, read: read,
		results: make([]smsfail.Fetch, len(targets))}
	g := new(errgroup.Group)
	g.SetLimit(r.opts.Concurrency)
	jobs := r.group()
	if settled := len(targets) - hostTargets(jobs); settled > 0 {
		r.done(settled)
	}
	for _, job := range jobs {
		g.Go(func() error {
			r.host(ctx, job)
			r.done(len(job.targets))
			return nil
		})
	}
	_ = g.Wait() // hosts never fail the group: their errors are outcomes
	return r.results
}

type runner struct {
	src     Source
	opts    Options
	targets []Target
	read    ReadFunc
	results []smsfail.Fetch // each written by its host's goroutine only
}

func (r *runner) done(n int) {
	if r.opts.Done != nil {
		r.opts.Done(n)
	}
}

func hostTargets(jobs []hostJob) int {
	n := 0
	for _, j := range jobs {
		n += len(j.targets)
	}
	return n
}

// hostJob is one host's targets, in target order.
type hostJob struct {
	host    string
	targets []int
}

// group gathers the targets by host (names compare without case), in the
// order hosts first appear, and settles those with invalid names.
func (r *runner) group() []hostJob {
	var jobs []hostJob
	index := map[string]int{}
	for i, t := range r.targets {
		if !ValidHost(t.Host) {
			r.results[i] = smsfail.Fetch{Outcome: smsfail.OutcomeBadHost, Tried: time.Now().UTC(),
				Error: fmt.Sprintf("invalid host name %q: not a NetBIOS or DNS name", t.Host)}
			continue
		}
		key := strings.ToUpper(t.Host)
		j, ok := index[key]
		if !ok {
			j = len(jobs)
			index[key] = j
			jobs = append(jobs, hostJob{host: t.Host})
		}
		jobs[j].targets = append(jobs[j].targets, i)
	}
	return jobs
}

// host reads every target of one host within one deadline.
func (r *runner) host(ctx context.Context, job hostJob) {
	if err := ctx.Err(); err != nil {
		err = fmt.Errorf("run cancelled before this host's turn: %w", err)
		for _, i := range job.targets {
			r.results[i] = r.failure(i, job.host, smsfail.OutcomeNotTried, err)
		}
		return
	}
	hctx, cancel := context.WithTimeout(ctx, r.opts.HostTimeout)
	defer cancel()
	h := &hostRun{runner: r, host: job.host, keep: newKeeper(r.opts.KeepDir, job.host), attempts: 1 + r.opts.Retries}
	defer h.close(hctx)
	for _, i := range job.targets {
		start := time.Now()
		h.tried = h.tried[:0]
		f := h.target(hctx, i)
		switch {
		case f.Outcome.Read():
		case ctx.Err() != nil:
			f.Outcome = smsfail.OutcomeNotTried
		case hctx.Err() != nil:
			// The error itself says only "context deadline exceeded":
			// name the setting the admin may raise.
			f.Error = fmt.Sprintf("the deadline of %v for this host passed: %s", r.opts.HostTimeout, f.Error)
		}
		r.results[i] = f
		h.logTarget(f, time.Since(start))
	}
}

// failure is the Fetch of target i when it got no log, named by the first
// path it would have tried.
func (r *runner) failure(i int, host string, o smsfail.Outcome, err error) smsfail.Fetch {
	f := smsfail.Fetch{Outcome: o, Error: err.Error(), Tried: time.Now().UTC()}
	if p := r.targets[i].Paths; len(p) > 0 {
		f.UNC = UNC(host, p[0])
	}
	return f
}

// errReader remembers the first error of the log's stream, which a
// ReadFunc might not pass on.
type errReader struct {
	r   io.Reader
	err error
}

func (c *errReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// readBuffer is how much of a log is asked for in one request: large
// enough for few round trips, small enough that 32 hosts in flight stay
// within a few megabytes whatever their logs weigh.
const readBuffer = 256 << 10

// newBody wraps an open log for streaming.
func newBody(f io.Reader) *errReader {
	return &errReader{r: bufio.NewReaderSize(f, readBuffer)}
}
