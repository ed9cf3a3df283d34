// Package jobs runs the whole job once: query the site database for
// failures, fetch each failing client's log, read the cause out of it and
// write the workbook. The nightly schedule and the one-off commands call the
// same Run.
package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"smsfail"
	"smsfail/classify"
	"smsfail/fetch"
	"smsfail/logtext"
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
	ReportDir           string

	Logger   *slog.Logger
	Progress func(stage string, done, total int) // nil: no progress shown
	Now      func() time.Time
}

// Options are what changes from one run to the next.
type Options struct {
	Since, Until   time.Time
	Advertisements []string // narrows the configured filter
	Out            string   // workbook path; default under ReportDir
}

// Outcome is what a run produced.
type Outcome struct {
	Results  []smsfail.Result // sorted by collection, advertisement, machine
	Route    query.Route
	Workbook string
	Since    time.Time
	Until    time.Time
	Started  time.Time
	Finished time.Time
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

// Run runs the job once.
func (j *Job) Run(ctx context.Context, opts Options) (*Outcome, error) {
	out := &Outcome{Started: j.now(), Since: opts.Since.UTC(), Until: opts.Until.UTC()}
	filter := j.filter(opts)
	failures, route, err := j.query(ctx, filter)
	if err != nil {
		return nil, err
	}
	out.Route = route
	workbook, runDir := j.paths(opts, out.Started)
	results := j.fetchAndClassify(ctx, failures, filepath.Join(runDir, "logs"))
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("run cancelled while reading logs: %w", err)
	}
	sortResults(results)
	out.Results = results
	out.Finished = j.now()
	out.Workbook = workbook
	if err := j.writeReport(ctx, out, filter); err != nil {
		return nil, err
	}
	return out, nil
}

func (j *Job) now() time.Time {
	if j.Now != nil {
		return j.Now()
	}
	return time.Now()
}

func (j *Job) logger() *slog.Logger {
	if j.Logger != nil {
		return j.Logger
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func (j *Job) progress(stage string, done, total int) {
	if j.Progress != nil {
		j.Progress(stage, done, total)
	}
}

func (j *Job) filter(opts Options) query.Filter {
	f := j.Filter
	f.Since, f.Until = opts.Since.UTC(), opts.Until.UTC()
	if len(opts.Advertisements) > 0 {
		f.Advertisements = slices.Clone(opts.Advertisements)
	}
	return f
}

// query is the first stage: every failure in the window, one per machine
// and advertisement.
func (j *Job) query(ctx context.Context, f query.Filter) ([]smsfail.Failure, query.Route, error) {
	j.progress("query", 0, 0)
	var failures []smsfail.Failure
	route, err := j.Site.Failures(ctx, j.Route, f, func(fl smsfail.Failure) error {
		failures = append(failures, fl)
		return nil
	})
	if err != nil {
		return nil, route, fmt.Errorf("cannot query the site database for failures: %w", err)
	}
	j.logger().Info("failures found", "count", len(failures), "route", route,
		"since", f.Since.Format(time.RFC3339), "until", f.Until.Format(time.RFC3339))
	return failures, route, nil
}

// paths picks the workbook's path and the run folder that holds it and the
// kept logs, so the workbook's links survive moving the folder.
func (j *Job) paths(opts Options, started time.Time) (workbook, runDir string) {
	if opts.Out != "" {
		return opts.Out, filepath.Dir(opts.Out)
	}
	site := j.SiteName
	if site == "" {
		site = "site"
	}
	local := started.In(j.location())
	runDir = filepath.Join(j.ReportDir, fmt.Sprintf("%s-%s", site, local.Format("2006-01-02-150405")))
	return filepath.Join(runDir, fmt.Sprintf("smsfail-%s-%s.xlsx", site, local.Format("2006-01-02"))), runDir
}

func (j *Job) location() *time.Location {
	if j.Location != nil {
		return j.Location
	}
	return time.UTC
}

// fetchAndClassify is the second and third stage: each failing client's log
// is read over its share and classified as it streams in.
func (j *Job) fetchAndClassify(ctx context.Context, failures []smsfail.Failure, keepDir string) []smsfail.Result {
	results := make([]smsfail.Result, len(failures))
	var targets []fetch.Target
	var index []int // targets[k] is results[index[k]]
	for i, f := range failures {
		results[i].Failure = f
		if !fetch.ValidHost(f.Machine) {
			results[i].Fetch = smsfail.Fetch{Outcome: smsfail.OutcomeBadHost, Tried: j.now(),
				Error: fmt.Sprintf("%q is not a valid NetBIOS or DNS host name; not fetched", f.Machine)}
			continue
		}
		targets = append(targets, fetch.Target{Host: f.Machine, Paths: j.Locator.Paths(f)})
		index = append(index, i)
	}
	findings := make([]*smsfail.Finding, len(targets))
	opts := j.Fetch
	opts.KeepDir = keepDir
	j.progress("fetch", 0, len(targets))
	fetched := fetch.Run(ctx, j.Source, opts, targets, func(ctx context.Context, k int, body io.Reader) error {
		f, err := j.classify(body)
		findings[k] = f
		return err
	})
	for k, res := range fetched {
		r := &results[index[k]]
		r.Fetch = res
		if res.Outcome.Read() {
			r.Finding = findings[k]
		}
	}
	return results
}

func (j *Job) classify(body io.Reader) (*smsfail.Finding, error) {
	text, err := logtext.NewReader(body, j.Codepage)
	if err != nil {
		return nil, err
	}
	f, err := j.Rules.Classify(text)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// sortResults orders results the way the workbook lists them, so output is
// the same for the same site whatever order hosts answered in.
func sortResults(rs []smsfail.Result) {
	slices.SortFunc(rs, func(a, b smsfail.Result) int {
		fa, fb := a.Failure, b.Failure
		return cmpStrings(fa.CollectionID, fb.CollectionID, fa.AdvertisementID, fb.AdvertisementID,
			strings.ToUpper(fa.Machine), strings.ToUpper(fb.Machine))
	})
}

func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// writeReport is the last stage: the workbook, written atomically.
func (j *Job) writeReport(ctx context.Context, out *Outcome, f query.Filter) error {
	j.progress("report", 0, 0)
	if err := os.MkdirAll(filepath.Dir(out.Workbook), 0o755); err != nil {
		return fmt.Errorf("cannot create the report folder: %w", err)
	}
	run := report.Run{
		Site:                j.SiteName,
		Since:               out.Since,
		Until:               out.Until,
		Filter:              describeFilter(f),
		Route:               string(out.Route),
		Started:             out.Started,
		Finished:            out.Finished,
		Location:            j.location(),
		PerCollectionSheets: j.PerCollectionSheets,
		Causes:              causeInfo(j.Rules),
	}
	if err := report.Write(ctx, out.Workbook, run, slices.Values(out.Results)); err != nil {
		return fmt.Errorf("cannot write the workbook %s: %w", out.Workbook, err)
	}
	j.logger().Info("workbook written", "path", out.Workbook, "failures", len(out.Results))
	return nil
}

func describeFilter(f query.Filter) string {
	parts := []string{"exit codes " + joinInts(f.ExitCodes)}
	if len(f.Advertisements) > 0 {
		parts = append(parts, "advertisements "+strings.Join(f.Advertisements, ", "))
	}
	if len(f.Collections) > 0 {
		parts = append(parts, "collections "+strings.Join(f.Collections, ", "))
	}
	if f.SiteCode != "" {
		parts = append(parts, "site "+f.SiteCode)
	}
	return strings.Join(parts, "; ")
}

func joinInts(v []int64) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

func causeInfo(r *classify.Rules) map[string]report.CauseInfo {
	m := map[string]report.CauseInfo{}
	for _, c := range r.Causes() {
		m[c.ID] = report.CauseInfo{Title: c.Title, Remediation: c.Remediation, Group: c.Group}
	}
	return m
}
