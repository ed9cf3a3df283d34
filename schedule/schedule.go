// Package schedule runs the nightly job on a cron schedule for
// `smsfail serve`: one run at a time (a run due while the last one is still
// going is skipped), a panicking run is logged and the next one happens, and
// a stop lets the running job finish within a grace period before its
// context is cancelled.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// Options tune Run.
type Options struct {
	// Grace is how long a run still going at stop may take to finish before
	// its context is cancelled. Zero cancels it at once.
	Grace time.Duration
	// Logger receives the schedule's events; nil discards them.
	Logger *slog.Logger
	// Seconds makes the spec start with a seconds field (six fields), for
	// tests that cannot wait a minute.
	Seconds bool
}

// panicError is a run that panicked, with its stack for the log.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("the run panicked: %v", e.value) }

func parser(seconds bool) cron.Parser {
	if seconds {
		return cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	}
	return cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
}

// Parse checks a 5-field cron spec or a descriptor (@daily, @every 1h, ...),
// optionally prefixed with CRON_TZ=Zone, so a bad schedule fails when the
// configuration loads rather than at night.
func Parse(spec string, loc *time.Location) error {
	_, err := parse(spec, loc, false)
	return err
}

func parse(spec string, loc *time.Location, seconds bool) (cron.Schedule, error) {
	if loc == nil {
		return nil, fmt.Errorf("cannot parse schedule %q: no time zone", spec)
	}
	s, err := parser(seconds).Parse(spec)
	if err == nil {
		err = usable(spec, s, loc)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot parse schedule %q: %w", spec, err)
	}
	return s, nil
}

// usable refuses what cron takes but does not do as written: @every below
// a second or in fractions of one (cron rounds it, so "@every 0s" runs
// every second), and a spec no date matches ("0 0 30 2 *", the 30th of
// February), with which serve would wait forever.
func usable(spec string, s cron.Schedule, loc *time.Location) error {
	body := spec
	if strings.HasPrefix(body, "CRON_TZ=") || strings.HasPrefix(body, "TZ=") {
		_, body, _ = strings.Cut(body, " ")
	}
	if every, ok := strings.CutPrefix(strings.TrimSpace(body), "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(every))
		if err == nil && (d < time.Second || d%time.Second != 0) {
			return fmt.Errorf("@every %v: the schedule counts whole seconds, at least 1s (cron would run it every %v)",
				d, max(d.Truncate(time.Second), time.Second))
		}
	}
	if s.Next(time.Now().In(loc)).IsZero() {
		return errors.New("no date matches it in the next five years: the job would never run (is it the 30th or 31st of a month that has none?)")
	}
	return nil
}

// Run runs job on the schedule until ctx ends. Then it takes no new runs,
// gives a run still going opts.Grace to finish, cancels its context, and
// waits for it to return. It returns an error only for a bad spec.
func Run(ctx context.Context, spec string, loc *time.Location, job func(ctx context.Context) error, opts Options) error {
	sched, err := parse(spec, loc, opts.Seconds)
	if err != nil {
		return err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Runs get a context of their own: stopping the schedule must not
	// cancel a running job until the grace period is over.
	jobCtx, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()

	c := cron.New(cron.WithLocation(loc), cron.WithLogger(cronLogger{log}))
	r := &runner{log: log, job: job, ctx: jobCtx}
	id := c.Schedule(sched, r)
	r.next = func() time.Time { return c.Entry(id).Next }
	c.Start()
	log.Info("schedule started", "spec", spec, "time_zone", loc.String(), "next_run", c.Entry(id).Next)

	<-ctx.Done()
	r.stopping.Store(true)
	stopped := c.Stop()
	if !r.idle() {
		log.Info("stopping: waiting for the running job", "grace", opts.Grace)
	}
	select {
	case <-stopped.Done():
	case <-time.After(opts.Grace):
		log.Warn("stopping: grace period over, cancelling the running job", "grace", opts.Grace)
		cancelJobs()
		<-stopped.Done()
	}
	log.Info("schedule stopped")
	return nil
}

// runner is the cron job: it keeps runs from overlapping and survives
// their panics.
type runner struct {
	log      *slog.Logger
	job      func(ctx context.Context) error
	ctx      context.Context
	next     func() time.Time
	stopping atomic.Bool

	mu      sync.Mutex // held for the whole of a run
	started atomic.Int64
}

func (r *runner) idle() bool {
	if r.mu.TryLock() {
		r.mu.Unlock()
		return true
	}
	return false
}

// Run is called by cron when the schedule fires.
func (r *runner) Run() {
	if r.stopping.Load() {
		return
	}
	if !r.mu.TryLock() {
		r.log.Warn("run skipped: the previous run is still going",
			"previous_started", time.Unix(0, r.started.Load()), "next_run", r.next())
		return
	}
	defer r.mu.Unlock()
	start := time.Now()
	r.started.Store(start.UnixNano())
	r.log.Info("run started")
	err := r.runOnce()
	switch {
	case err != nil:
		attrs := []any{"duration", time.Since(start), "err", err}
		if p, ok := err.(*panicError); ok {
			attrs = append(attrs, "stack", string(p.stack))
		}
		r.log.Error("run failed", attrs...)
	default:
		r.log.Info("run finished", "duration", time.Since(start))
	}
	if !r.stopping.Load() {
		r.log.Info("next run", "at", r.next())
	}
}

func (r *runner) runOnce() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return r.job(r.ctx)
}

// cronLogger passes cron's own chatter to slog at debug level.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug("cron: "+msg, kv...) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", err)...)
}
