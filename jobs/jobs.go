// Package jobs runs the whole job once: under the state folder's lock, it
// queries the site database for failures, fetches each failing client's
// log, reads the cause out of it, marks each failure new or recurring
// against the nights before, writes the workbook, records the run in the
// history and mails the report. The nightly schedule, a run from cron and
// the one-off commands all call the same Run.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"smsfail"
	"smsfail/classify"
	"smsfail/fetch"
	"smsfail/history"
	"smsfail/mail"
	"smsfail/query"
	"smsfail/report"
)

// Site is the site database as the job sees it: SQL Server in production,
// the embedded SQLite site in the demo and the tests, both running the same
// query text.
type Site interface {
	Failures(ctx context.Context, route query.Route, f query.Filter, fn func(smsfail.Failure) error) (query.Route, error)
}

// Job is everything a run needs, built once from the configuration.
type Job struct {
	Site     Site
	Route    query.Route
	Filter   query.Filter // exit codes, message IDs, advertisements, collections
	Source   fetch.Source
	Locator  *fetch.Locator
	Fetch    fetch.Options // KeepDir is set per run
	Codepage string
	Rules    *classify.Rules

	SiteName string
	Location *time.Location
	Report   report.Settings // where the workbook goes, its sheets, its links, the trend

	// StateDir holds the lock that keeps runs apart, across processes;
	// "" takes no lock.
	StateDir string
	// History records every run and marks failures new, recurring or
	// fixed; nil records nothing and marks nothing.
	History *history.DB
	// Successes is where History learns which failures were fixed: the
	// site database. Nil finds none fixed.
	Successes history.Successes
	// Mail sends the report after the workbook; nil sends nothing.
	Mail   *mail.Config
	Nights // the window of the first night, the look back for late failures
	// ProgressSite is where a run reads how far each deployment has got:
	// the site database. Nil makes no Progress sheet.
	ProgressSite ProgressSite
	// KeepNights is how many nights keep their failures in the history;
	// older nights keep their counts and causes. 0 keeps all.
	KeepNights int

	Logger *slog.Logger
	// Progress is told each stage and, while logs are read, how many of
	// the failures are settled; one call at a time. Nil shows nothing.
	Progress func(stage string, done, total int)
	Now      func() time.Time
}

// Options are what changes from one run to the next.
type Options struct {
	// Nightly makes the run one of the nightly series: its window starts
	// where the last night that wrote its report ended (Window back from
	// now on the first night) and ends now, it covers every configured
	// advertisement, and it moves the window and the open failures on.
	// Since, Until and Advertisements are then left empty. Otherwise the run
	// is a run by hand: recorded and marked against the nights, it moves
	// neither.
	Nightly        bool
	Since, Until   time.Time
	Advertisements []string // in place of the configured ones (failures.advertisements)
	Out            string   // workbook path; default under Report.Dir
	NoMail         bool     // do not mail the report even when Mail is set
	// Wait makes a run that finds another one going (in this process or
	// another) wait for it to end; otherwise it refuses at once with a
	// *lock.HeldError.
	Wait bool
}

// Window is the stretch of status messages a run reads.
type Window struct {
	Since, Until time.Time
	// Lookback is where a nightly run began reading, before Since, for
	// failures that arrived late; zero when it did not read before Since.
	// Failures from before Since in the results are such late ones.
	Lookback time.Time
}

// Report is what a run reported, assembled once its stages are done.
type Report struct {
	Kind history.Kind
	Window
	Route   query.Route
	Results []smsfail.Result // sorted by collection, advertisement, machine
	// Summary is the results counted once: the workbook, the mail and the
	// terminal all show it.
	Summary *report.Summary
	// AlreadyReported counts the failures read from before Since that the
	// nights had already reported, and that were left out.
	AlreadyReported int
	// Marks are the failures marked against the nights before, and the
	// change since the last night; nil without history.
	Marks *history.Marks

	Workbook string
	Started  time.Time
	Finished time.Time
	// Durations are by stage: query, fetch (with classification), report.
	Durations map[string]time.Duration

	// RunID is the run's ID in the history, 0 without history.
	RunID int64
	// Trend is the last nights and the deployments' progress; nil when
	// the run read neither.
	Trend *Trend

	// Mailed says the report was mailed. MailError says why it could not
	// be; the workbook is on disk all the same.
	Mailed    bool
	MailError error
}

// Unread counts the failures whose log could not be read.
func (r *Report) Unread() int { return r.Summary.Counts().NotRead }

// Run runs the job once. It returns an error only when no workbook was
// written, or when the run could not be recorded; a report that could not
// be mailed is a Report with MailError set.
func (j *Job) Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Nightly && (!opts.Since.IsZero() || !opts.Until.IsZero() || len(opts.Advertisements) > 0) {
		return nil, fmt.Errorf("cannot run: a nightly run takes its window from the history and covers every advertisement")
	}
	held, err := j.lock(ctx, opts.Wait)
	if err != nil {
		return nil, err
	}
	defer j.unlock(held)
	kind, started := history.KindOnce, j.now()
	if opts.Nightly {
		kind = history.KindNightly
	}
	win, err := j.window(ctx, opts, started)
	if err != nil {
		return nil, err
	}
	rec, err := j.begin(opts, kind, win, started)
	if err != nil {
		return nil, err
	}
	defer rec.failOnPanic(ctx)
	folder, err := j.openRunFolder(ctx, opts, started)
	if err != nil {
		rec.fail(ctx, err)
		return nil, err
	}
	defer folder.close(j.logger())
	rep, err := j.produce(ctx, opts, kind, win, started, rec, folder)
	if err != nil {
		rec.fail(ctx, err)
		return nil, err
	}
	if rep.RunID, err = rec.commit(ctx, rep); err != nil {
		return nil, fmt.Errorf("the workbook %s was written, but %w", rep.Workbook, err)
	}
	rep.Mailed, rep.MailError = j.mailReport(ctx, opts, rep)
	rec.finish(ctx, rep)
	return rep, nil
}

// window is the run's window: given for a run by hand, from the history
// for a nightly run.
func (j *Job) window(ctx context.Context, opts Options, started time.Time) (Window, error) {
	if !opts.Nightly {
		return Window{Since: opts.Since.UTC(), Until: opts.Until.UTC()}, nil
	}
	w := Window{Until: started.UTC()}
	def := j.Window
	if def <= 0 {
		def = DefaultNights().Window
	}
	if j.History == nil {
		w.Since = w.Until.Add(-def)
		return w, nil
	}
	since, err := j.History.WindowStart(ctx, w.Until, def)
	if err != nil {
		return w, fmt.Errorf("cannot find where tonight's window starts: %w", err)
	}
	w.Since = since.UTC()
	from, err := j.History.LookbackStart(ctx, w.Since, j.Late)
	if err != nil {
		return w, fmt.Errorf("cannot find how far back tonight looks for late failures: %w", err)
	}
	if from.Before(w.Since) {
		w.Lookback = from
	}
	return w, nil
}

// produce runs the stages up to the workbook, each handing its values to
// the next: query, fetch and classify, mark, the trend, count, write,
// into the run's folder. It assembles the Report they make.
func (j *Job) produce(ctx context.Context, opts Options, kind history.Kind, win Window, started time.Time, rec *record,
	folder *runFolder) (*Report, error) {
	durations := map[string]time.Duration{}
	filter := j.filter(opts, win)
	start := time.Now()
	failures, route, err := j.query(ctx, filter)
	dropped := 0
	if err == nil {
		failures, dropped, err = j.dropReported(ctx, failures, win)
	}
	durations["query"] = time.Since(start)
	if err != nil {
		return nil, err
	}
	start = time.Now()
	results := j.fetchAndClassify(ctx, failures, folder.keepDir)
	durations["fetch"] = time.Since(start)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run cancelled while reading logs: %w", err)
	}
	// The workbook's order, so it streams them in one pass and the output
	// is the same whatever order hosts answered in.
	slices.SortStableFunc(results, report.Compare)
	marks, err := rec.mark(ctx, results)
	if err != nil {
		return nil, err
	}
	rep := &Report{Kind: kind, Window: win, Route: route, Results: results, AlreadyReported: dropped,
		Marks: marks, Workbook: folder.workbook, Started: started, Durations: durations}
	rep.Trend = j.trend(ctx, rep, rec, filter)
	rep.Finished = j.now()
	start = time.Now()
	info := j.runInfo(rep, filter)
	rep.Summary, err = j.writeReport(ctx, rep.Workbook, info, results)
	durations["report"] = time.Since(start)
	folder.written = err == nil
	if err != nil {
		return nil, err
	}
	return rep, nil
}
