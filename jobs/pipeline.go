package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"smsfail"
	"smsfail/classify"
	"smsfail/fetch"
	"smsfail/logtext"
	"smsfail/query"
	"smsfail/report"
)

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

func (j *Job) filter(opts Options, out *Outcome) query.Filter {
	f := j.Filter
	f.Since, f.Until = out.Since, out.Until
	if !out.Lookback.IsZero() {
		f.Since = out.Lookback
	}
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
	failures = j.mergeDuplicates(failures)
	j.logger().Info("failures found", "count", len(failures), "route", route,
		"since", f.Since.Format(time.RFC3339), "until", f.Until.Format(time.RFC3339))
	return failures, route, nil
}

// mergeDuplicates keeps one failure per machine and advertisement,
// compared as the site database compares them (case-insensitively,
// trailing spaces ignored), whatever the site gave: the latest, with the
// counts added. The query merges already; this keeps a site that does not
// from costing the night when the history marks the failures.
func (j *Job) mergeDuplicates(failures []smsfail.Failure) []smsfail.Failure {
	index := make(map[string]int, len(failures))
	out := failures[:0]
	for _, f := range failures {
		k := strings.ToUpper(strings.TrimSpace(f.Machine)) + "\x00" + strings.ToUpper(strings.TrimSpace(f.AdvertisementID))
		i, dup := index[k]
		if !dup {
			index[k] = len(out)
			out = append(out, f)
			continue
		}
		j.logger().Warn("the site database gave a machine and advertisement twice: merged", "machine", f.Machine,
			"advertisement", f.AdvertisementID)
		n := out[i].Count + f.Count
		if f.Time.After(out[i].Time) {
			out[i] = f
		}
		out[i].Count = n
	}
	return out
}

// dropReported leaves out the failures that a nightly run read from before
// its window and that the nights already reported: the query gives the
// latest failure per machine and advertisement, so one the nights reported
// at that very time has not failed since. What is left from before the
// window arrived late.
func (j *Job) dropReported(ctx context.Context, failures []smsfail.Failure, out *Outcome) ([]smsfail.Failure, error) {
	if out.Lookback.IsZero() {
		return failures, nil
	}
	kept, dropped, err := j.History.Unreported(ctx, failures, out.Lookback)
	if err != nil {
		return nil, fmt.Errorf("cannot leave out the failures the nights already reported: %w", err)
	}
	out.AlreadyReported = dropped
	late := 0
	for _, f := range kept {
		if f.Time.Before(out.Since) {
			late++
		}
	}
	j.logger().Info("looked back for failures that arrived late", "from", out.Lookback.Format(time.RFC3339),
		"late", late, "already_reported", dropped)
	return kept, nil
}

func (j *Job) location() *time.Location {
	if j.Location != nil {
		return j.Location
	}
	return time.UTC
}

// fetchAndClassify is the second and third stage: each failing client's log
// is read over its share and classified as it streams in. Machine names that
// cannot be a host never reach a UNC path: fetch reports them as bad data.
// keepDir "" keeps no copies.
func (j *Job) fetchAndClassify(ctx context.Context, failures []smsfail.Failure, keepDir string) []smsfail.Result {
	targets := make([]fetch.Target, len(failures))
	for i, f := range failures {
		targets[i] = fetch.Target{Host: f.Machine, Paths: j.Locator.Paths(f)}
	}
	findings := make([]*smsfail.Finding, len(targets))
	opts := j.Fetch
	opts.KeepDir = keepDir
	opts.Logger = j.logger()
	// Hosts settle on many goroutines: counting and reporting under one
	// lock keeps the count shown from going back.
	var mu sync.Mutex
	settled := 0
	opts.Done = func(n int) {
		mu.Lock()
		defer mu.Unlock()
		settled += n
		j.progress("fetch", settled, len(targets))
	}
	j.progress("fetch", 0, len(targets))
	fetched := fetch.Run(ctx, j.Source, opts, targets, func(ctx context.Context, i int, body io.Reader) error {
		f, err := j.classify(body)
		findings[i] = f
		return err
	})
	results := make([]smsfail.Result, len(failures))
	for i, res := range fetched {
		results[i] = smsfail.Result{Failure: failures[i], Fetch: res}
		if res.Outcome.Read() {
			results[i].Finding = findings[i]
		}
	}
	return results
}

// classify reads the cause out of one log. A bug in the engine or a rule
// must cost one row, not the night: a panic becomes an unclassified finding
// that says so, and the log is still kept for the admin to read.
func (j *Job) classify(body io.Reader) (finding *smsfail.Finding, err error) {
	defer func() {
		if v := recover(); v != nil {
			j.logger().Error("the classifier failed on a log", "panic", v, "stack", string(debug.Stack()))
			finding, err = classifierFailed(v), nil
		}
	}()
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

func classifierFailed(v any) *smsfail.Finding {
	return &smsfail.Finding{
		Kind:        smsfail.KindUnknown,
		Cause:       smsfail.CauseUnclassified,
		Title:       "smsfail could not classify this log",
		Remediation: "Read the kept copy of the log; send it to the smsfail maintainers with the error logged for it.",
		Codes:       []smsfail.Code{},
		Evidence:    []smsfail.Evidence{{Text: fmt.Sprintf("the classifier failed: %v", v)}},
	}
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
		Lookback:            out.Lookback,
		Filter:              describeFilter(f),
		Route:               string(out.Route),
		Started:             out.Started,
		Finished:            out.Finished,
		Location:            j.location(),
		PerCollectionSheets: j.PerCollectionSheets,
		ChartCauses:         j.ChartCauses,
		LinkBase:            j.published(filepath.Dir(out.Workbook)),
		Causes:              causeInfo(j.Rules),
	}
	addHistory(&run, out)
	addTrend(&run, out)
	if err := report.Write(ctx, out.Workbook, run, slices.Values(out.Results)); err != nil {
		return err // it names the workbook and what failed
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
		m[c.ID] = report.CauseInfo{Title: c.Title, Remediation: c.Remediation, Group: c.Group, Colour: c.Colour}
	}
	return m
}
