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

	SiteName            string
	Location            *time.Location
	PerCollectionSheets int
	ChartCauses         int // causes the Summary's chart shows apart; report's default when zero
	ReportDir           string
	// LinkBase is where ReportDir is published, a UNC path or a URL: the
	// workbook's links and the mail point there; "" links beside the
	// workbook and gives the mail its absolute path.
	LinkBase    string
	DiscardLogs bool // keep no copy of the logs beside the workbook

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
	Mail *mail.Config
	// Window is how far back a nightly run looks when no earlier night
	// says where to start; 24 hours when zero.
	Window time.Duration
	// Late is how far before its window a nightly run also reads, for
	// failures that reached the site database after the night their time
	// belongs to had run (a client off the network sends its messages
	// when it returns); the failures the nights already reported are left
	// out. Zero, or no History, reads no further back; a run by hand
	// never does.
	Late time.Duration
	// TrendNights is how many nights, up to this one, the Trend sheet
	// and the mail show from the history; 0 shows none.
	TrendNights int
	// ProgressSite is where a run reads how far each deployment has got:
	// the site database. Nil makes no Progress sheet.
	ProgressSite ProgressSite
	// ProgressWindow is how far back a machine's last outcome counts
	// for the progress; 30 days when zero.
	ProgressWindow time.Duration
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
	Out            string   // workbook path; default under ReportDir
	NoMail         bool     // do not mail the report even when Mail is set
	// Wait makes a run that finds another one going (in this process or
	// another) wait for it to end; otherwise it refuses at once with a
	// *lock.HeldError.
	Wait bool
}

// Outcome is what a run produced.
type Outcome struct {
	Kind     history.Kind
	Results  []smsfail.Result // sorted by collection, advertisement, machine
	Route    query.Route
	Workbook string
	Since    time.Time
	Until    time.Time
	Started  time.Time
	Finished time.Time
	// Durations are by stage: query, fetch (with classification), report.
	Durations map[string]time.Duration

	// Lookback is where a nightly run began reading, before Since, for
	// failures that arrived late; zero when it did not read before Since.
	// Failures from before Since in Results are such late ones.
	Lookback time.Time
	// AlreadyReported counts the failures read from before Since that the
	// nights had already reported, and that were left out.
	AlreadyReported int

	// RunID is the run's ID in the history, 0 without history.
	RunID int64
	// Marks are the failures marked against the nights before, and the
	// change since the last night; nil without history.
	Marks *history.Marks

	// Trend is the last nights and the deployments' progress; nil when
	// the run read neither.
	Trend *Trend

	// Mailed says the report was mailed. MailError says why it could not
	// be; the workbook is on disk all the same.
	Mailed    bool
	MailError error
}

// Unread counts the failures whose log could not be read.
func (o *Outcome) Unread() int {
	n := 0
	for _, r := range o.Results {
		if !r.Fetch.Outcome.Read() {
			n++
		}
	}
	return n
}

// Late counts the failures that arrived late, found by a night that
// looked back before its window, and gives the earliest one's time.
func (o *Outcome) Late() (n int, earliest time.Time) {
	if o.Lookback.IsZero() {
		return 0, time.Time{}
	}
	for _, r := range o.Results {
		if t := r.Failure.Time; t.Before(o.Since) {
			n++
			if earliest.IsZero() || t.Before(earliest) {
				earliest = t
			}
		}
	}
	return n, earliest
}

// Run runs the job once. It returns an error only when no workbook was
// written, or when the run could not be recorded; a report that could not
// be mailed is an Outcome with MailError set.
func (j *Job) Run(ctx context.Context, opts Options) (*Outcome, error) {
	if opts.Nightly && (!opts.Since.IsZero() || !opts.Until.IsZero() || len(opts.Advertisements) > 0) {
		return nil, fmt.Errorf("cannot run: a nightly run takes its window from the history and covers every advertisement")
	}
	held, err := j.lock(ctx, opts.Wait)
	if err != nil {
		return nil, err
	}
	defer j.unlock(held)
	out := &Outcome{Kind: history.KindOnce, Started: j.now(), Durations: map[string]time.Duration{}}
	if opts.Nightly {
		out.Kind = history.KindNightly
	}
	if err := j.window(ctx, opts, out); err != nil {
		return nil, err
	}
	rec, err := j.begin(opts, out)
	if err != nil {
		return nil, err
	}
	defer rec.failOnPanic(ctx)
	folder, err := j.openRunFolder(ctx, opts, out.Started)
	if err != nil {
		rec.fail(ctx, err)
		return nil, err
	}
	defer folder.close(j.logger())
	if err := j.produce(ctx, opts, out, rec, folder); err != nil {
		rec.fail(ctx, err)
		return nil, err
	}
	if err := rec.commit(ctx, out); err != nil {
		return nil, fmt.Errorf("the workbook %s was written, but %w", out.Workbook, err)
	}
	j.mailReport(ctx, opts, out)
	rec.finish(ctx, out)
	return out, nil
}

// window sets the run's window: given for a run by hand, from the history
// for a nightly run.
func (j *Job) window(ctx context.Context, opts Options, out *Outcome) error {
	if !opts.Nightly {
		out.Since, out.Until = opts.Since.UTC(), opts.Until.UTC()
		return nil
	}
	out.Until = out.Started.UTC()
	def := j.Window
	if def <= 0 {
		def = 24 * time.Hour
	}
	if j.History == nil {
		out.Since = out.Until.Add(-def)
		return nil
	}
	since, err := j.History.WindowStart(ctx, out.Until, def)
	if err != nil {
		return fmt.Errorf("cannot find where tonight's window starts: %w", err)
	}
	out.Since = since.UTC()
	from, err := j.History.LookbackStart(ctx, out.Since, j.Late)
	if err != nil {
		return fmt.Errorf("cannot find how far back tonight looks for late failures: %w", err)
	}
	if from.Before(out.Since) {
		out.Lookback = from
	}
	return nil
}

// produce runs the stages up to the workbook: query, fetch and classify,
// mark, write, into the run's folder.
func (j *Job) produce(ctx context.Context, opts Options, out *Outcome, rec *record, folder *runFolder) error {
	filter := j.filter(opts, out)
	start := time.Now()
	failures, route, err := j.query(ctx, filter)
	if err == nil {
		failures, err = j.dropReported(ctx, failures, out)
	}
	out.Durations["query"] = time.Since(start)
	if err != nil {
		return err
	}
	out.Route = route
	start = time.Now()
	results := j.fetchAndClassify(ctx, failures, folder.keepDir)
	out.Durations["fetch"] = time.Since(start)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("run cancelled while reading logs: %w", err)
	}
	// The workbook's order, so it streams them in one pass and the output
	// is the same whatever order hosts answered in.
	slices.SortStableFunc(results, report.Compare)
	out.Results = results
	if err := rec.mark(ctx, out); err != nil {
		return err
	}
	j.trend(ctx, out, rec, filter)
	out.Finished = j.now()
	out.Workbook = folder.workbook
	start = time.Now()
	err = j.writeReport(ctx, out, filter)
	out.Durations["report"] = time.Since(start)
	folder.written = err == nil
	return err
}
