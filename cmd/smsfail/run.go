package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"smsfail"
	"smsfail/config"
	"smsfail/history"
	"smsfail/jobs"
	"smsfail/lock"
	"smsfail/query"
)

func runCommand() command {
	return command{name: "run", summary: "run the job once: query, fetch logs, classify, write the workbook", run: runRun}
}

// runOptions are the flags of `smsfail run`, shared by `demo`.
type runOptions struct {
	config         string
	advertisements []string
	since, until   string
	out            string
	noMail         bool
	wait           bool
	dryRun         bool
	json           bool
	logs           logOptions
}

const runUsage = `Usage: smsfail run --config FILE [flags]

Runs the job once: queries the site database for failed advertised programs,
reads each failing client's log, classifies the cause, marks each failure new
or recurring against the nights before, writes the workbook and mails it
(mail.enabled).

Without --advertisement, --since and --until the run is a night, as from
cron: it covers the status messages since the end of the last night that
wrote its report (failures.window back on the first night) and moves the
history on. With any of them it is a run by hand: recorded and marked against
the nights, it moves neither the nightly window nor the open failures.

One run at a time per state folder (state.dir): a run that finds another one
going refuses, or waits for it with --wait.

--dry-run shows what the run would read: the window, the query (sent to the
site database, which is only read) and, for each failing host, the log
paths it would try, in order. No client is read, no lock taken, nothing
written: no run folder, no history.

Flags:
`

// envHelp lists the environment variables every command reads.
const envHelp = `
Environment:
  SMSFAIL_CONFIG   the configuration file, when --config is not given
  Secrets are never written in the configuration: a secret given as
  {env: NAME} (database.password, logs.smb.password, logs.smb.nt_hash,
  mail.password) is read from the variable NAME, for instance
  SMSFAIL_DB_PASSWORD, SMSFAIL_SMB_PASSWORD, SMSFAIL_SMTP_PASSWORD as in
  config.example.yaml. Secrets never appear in any output.
`

func (o *runOptions) flags(fs *pflag.FlagSet) {
	fs.StringVar(&o.config, "config", "", "configuration `file` (default $SMSFAIL_CONFIG)")
	fs.Func("advertisement", "only this advertisement `ID` (KID2000A); repeat or separate with commas; makes the run one by hand", func(s string) error {
		for _, id := range strings.Split(s, ",") {
			id = strings.TrimSpace(id)
			if !query.ValidAdvertisementID(id) {
				return fmt.Errorf("%q is not an advertisement ID (8 letters or digits, like KID2000A)", id)
			}
			o.advertisements = append(o.advertisements, strings.ToUpper(id))
		}
		return nil
	})
	fs.StringVar(&o.since, "since", "", "start of the window: a duration back from now (24h, 7d) or a `date` in site.timezone (2026-11-24, 2026-11-24 18:00, 2026-11-24T18:00:00Z); makes the run one by hand (default: where the last night ended)")
	fs.StringVar(&o.until, "until", "", "end of the window, a `date` or a duration back from now like --since; makes the run one by hand (default: now)")
	fs.StringVar(&o.out, "out", "", "write the workbook to this `path` (default: a dated folder under report.dir)")
	fs.BoolVar(&o.noMail, "no-mail", false, "do not mail the report, even with mail.enabled")
	fs.BoolVar(&o.wait, "wait", false, "when another run is going on the same state folder, wait for it to end instead of refusing")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the window, the query and each host's log paths the run would read, and stop: the query is sent, nothing else is read or written")
	fs.BoolVar(&o.json, "json", false, "print the summary (or the --dry-run plan) as one JSON document on stdout")
	o.logs.flags(fs)
}

// runExitCodes are the exit codes of run.
var runExitCodes = exitCodes(
	exitDoc{exitOK, "finished; every log the job needed was read"},
	exitDoc{exitFailure, "could not run: configuration, site database, workbook, or another run\nholds the state folder's lock (without --wait)"},
	exitDocUsage,
	exitDoc{exitIncomplete, "finished, but some logs could not be read (see the Unreachable sheet)"},
	exitDoc{exitMailFailed, "the workbook was written but the mail could not be delivered (before 3)"},
	exitDocInterrupted,
)

// nightly reports a run as from cron: no window and no advertisement given.
func (o *runOptions) nightly() bool {
	return len(o.advertisements) == 0 && o.since == "" && o.until == ""
}

func runRun(ctx context.Context, a *app, args []string) error {
	var o runOptions
	fs := newFlagSet(a, "run", runUsage, envHelp+runExitCodes)
	o.flags(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(a, "run", o.config)
	if err != nil {
		return err
	}
	return runJob(ctx, a, cfg, o)
}

// runJob is the production path, shared by run and demo.
func runJob(ctx context.Context, a *app, cfg *config.Config, o runOptions) error {
	logger, err := o.logs.logger(a.stderr)
	if err != nil {
		return err
	}
	opts := jobs.Options{Nightly: o.nightly(), Advertisements: o.advertisements, Out: o.out, NoMail: o.noMail, Wait: o.wait}
	if !opts.Nightly {
		if opts.Since, opts.Until, err = window(o.since, o.until, time.Now(), cfg.Failures.Window.D(), cfg.Site.Location); err != nil {
			return err
		}
	}
	if o.dryRun {
		return dryRun(ctx, a, cfg, o, opts, logger)
	}
	job, closeJob, err := buildJob(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeJob()
	if !strings.EqualFold(o.logs.format, "json") {
		// Under JSON logs every line on stderr is JSON: no progress bar.
		job.Progress = newProgress(a.stderr)
	}
	out, err := job.Run(ctx, opts)
	var held *lock.HeldError
	if errors.As(err, &held) && !o.wait {
		return fmt.Errorf("%w; give --wait to wait for it to end", err)
	}
	if err != nil {
		return err
	}
	code := exitOK
	switch {
	case out.MailError != nil:
		code = exitMailFailed
	case out.Unread() > 0:
		code = exitIncomplete
	}
	if o.json {
		err = writeJSON(a.stdout, newRunJSON(out, code))
	} else {
		printSummary(a.stdout, out, cfg.Site.Location)
	}
	if err != nil || code == exitOK {
		return err
	}
	return &exitError{code: code}
}

// loadConfig loads the configuration named by --config or SMSFAIL_CONFIG.
func loadConfig(a *app, cmd, file string) (*config.Config, error) {
	if file == "" {
		file = a.getenv("SMSFAIL_CONFIG")
	}
	if file == "" {
		return nil, usageError("%s needs --config FILE (or SMSFAIL_CONFIG)", cmd)
	}
	return config.Load(file, a.getenv)
}

// window turns --since and --until into a UTC window ending now by
// default. Dates are the site's (loc), as the workbook shows them.
func window(since, until string, now time.Time, def time.Duration, loc *time.Location) (time.Time, time.Time, error) {
	end := now
	if until != "" {
		t, err := parseWhen(until, now, loc)
		if err != nil {
			return time.Time{}, time.Time{}, usageError("--until: %v", err)
		}
		end = t
	}
	start := end.Add(-def)
	if since != "" {
		t, err := parseWhen(since, now, loc)
		if err != nil {
			return time.Time{}, time.Time{}, usageError("--since: %v", err)
		}
		start = t
	}
	if !start.Before(end) {
		return time.Time{}, time.Time{}, usageError("--since %s is not before --until %s", start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	return start.UTC(), end.UTC(), nil
}

// parseWhen reads a duration back from now (24h, 7d) or a date or time,
// in loc unless it names its own offset.
func parseWhen(s string, now time.Time, loc *time.Location) (time.Time, error) {
	if d, err := config.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a duration (24h, 7d) nor a date (2026-11-24 or 2026-11-24T18:00:00Z)", s)
}

// printSummary tells the admin what the run found, most frequent causes
// first, with times in the site's time zone loc.
func printSummary(w io.Writer, out *jobs.Outcome, loc *time.Location) {
	kind := "Run by hand"
	if out.Kind == history.KindNightly {
		kind = "Nightly run"
	}
	fmt.Fprintf(w, "%s: %d failures from %s to %s (route: %s)\n", kind, len(out.Results),
		out.Since.In(loc).Format("2006-01-02 15:04"), out.Until.In(loc).Format("2006-01-02 15:04"), out.Route)
	if m := out.Marks; m != nil {
		ch := m.Change
		against := "Since the last night"
		if out.Kind != history.KindNightly {
			against = "Against the nights"
		}
		fmt.Fprintf(w, "%s: %d new, %d recurring, %d fixed", against, ch.New, ch.Recurring, ch.Fixed)
		if ch.StillOpen > 0 {
			fmt.Fprintf(w, ", %d still open from earlier nights", ch.StillOpen)
		}
		fmt.Fprintln(w)
	}
	if !out.Lookback.IsZero() {
		n, from := out.Late()
		fmt.Fprintf(w, "Late messages: %d failures from before this window", n)
		if n > 0 {
			fmt.Fprintf(w, ", back to %s", from.In(loc).Format("2006-01-02 15:04"))
		}
		fmt.Fprintf(w, " (looked back to %s)\n", out.Lookback.In(loc).Format("2006-01-02 15:04"))
	}
	causes, unread := tally(out)
	if len(causes) > 0 {
		fmt.Fprintln(w, "\nCauses:")
		for _, c := range causes {
			fmt.Fprintf(w, "  %6d  %s\n", c.n, c.name)
		}
	}
	if len(unread) > 0 {
		fmt.Fprintln(w, "\nLogs not read:")
		for _, c := range unread {
			fmt.Fprintf(w, "  %6d  %s\n", c.n, c.name)
		}
	}
	fmt.Fprintf(w, "\nWorkbook: %s\n", out.Workbook)
	switch {
	case out.MailError != nil:
		fmt.Fprintf(w, "Mail: NOT delivered, the workbook stays on disk: %v\n", out.MailError)
	case out.Mailed:
		fmt.Fprintln(w, "Mail: sent")
	}
}

type count struct {
	name string
	n    int
}

// tally splits the run's counts by bucket into the causes read out of logs
// and the reasons logs were not read, each most frequent first.
func tally(out *jobs.Outcome) (causes, unread []count) {
	for b, n := range smsfail.Count(slices.Values(out.Results)).ByBucket {
		if reason, ok := strings.CutPrefix(b, smsfail.NotReadPrefix); ok {
			unread = append(unread, count{reason, n})
		} else {
			causes = append(causes, count{b, n})
		}
	}
	byCount := func(a, b count) int { return cmp.Or(b.n-a.n, strings.Compare(a.name, b.name)) }
	slices.SortFunc(causes, byCount)
	slices.SortFunc(unread, byCount)
	return causes, unread
}
