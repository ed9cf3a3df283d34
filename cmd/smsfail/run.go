package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"smsfail/config"
	"smsfail/jobs"
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
	logs           logOptions
}

const runUsage = `Usage: smsfail run --config FILE [flags]

Runs the job once: queries the site database for failed advertised programs,
reads each failing client's log, classifies the cause and writes the workbook.

Flags:
`

const runEnvHelp = `
Environment:
  SMSFAIL_CONFIG   the configuration file, when --config is not given
  Secrets named in the configuration as {env: NAME} are read from NAME.
`

func (o *runOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.config, "config", "", "configuration `file` (default $SMSFAIL_CONFIG)")
	fs.Func("advertisement", "only this advertisement `ID` (KID2000A); repeat or separate with commas", func(s string) error {
		for _, id := range strings.Split(s, ",") {
			id = strings.TrimSpace(id)
			if !query.ValidAdvertisementID(id) {
				return fmt.Errorf("%q is not an advertisement ID (8 letters or digits, like KID2000A)", id)
			}
			o.advertisements = append(o.advertisements, strings.ToUpper(id))
		}
		return nil
	})
	fs.StringVar(&o.since, "since", "", "start of the window: a duration back from now (24h, 7d) or a `date` (2026-11-24, 2026-11-24T18:00:00Z); default: the configured window")
	fs.StringVar(&o.until, "until", "", "end of the window, same forms as --since (default: now)")
	fs.StringVar(&o.out, "out", "", "write the workbook to this `path` (default: a dated folder under report.dir)")
	fs.BoolVar(&o.noMail, "no-mail", false, "do not send the workbook by mail")
	o.logs.flags(fs)
}

func runRun(ctx context.Context, a *app, args []string) error {
	var o runOptions
	fs := newFlagSet(a, "run", runUsage, runEnvHelp+exitCodesHelp)
	o.flags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.config == "" {
		o.config = a.getenv("SMSFAIL_CONFIG")
	}
	if o.config == "" {
		return usageError("run needs --config FILE (or SMSFAIL_CONFIG)")
	}
	cfg, err := config.Load(o.config, a.getenv)
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
	now := time.Now()
	since, until, err := window(o.since, o.until, now, cfg.Failures.Window.D())
	if err != nil {
		return err
	}
	job, closeJob, err := buildJob(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer closeJob()
	job.Progress = newProgress(a.stderr)
	out, err := job.Run(ctx, jobs.Options{Since: since, Until: until, Advertisements: o.advertisements, Out: o.out})
	if err != nil {
		return err
	}
	printSummary(a.stdout, out)
	if out.Unread() > 0 {
		return &exitError{code: exitIncomplete}
	}
	return nil
}

// window turns --since and --until into a UTC window ending now by default.
func window(since, until string, now time.Time, def time.Duration) (time.Time, time.Time, error) {
	end := now
	if until != "" {
		t, err := parseWhen(until, now)
		if err != nil {
			return time.Time{}, time.Time{}, usageError("--until: %v", err)
		}
		end = t
	}
	start := end.Add(-def)
	if since != "" {
		t, err := parseWhen(since, now)
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

// parseWhen reads a duration back from now (24h, 7d) or a date or time.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if d, err := config.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither a duration (24h, 7d) nor a date (2026-11-24 or 2026-11-24T18:00:00Z)", s)
}

// printSummary tells the admin what the run found, most frequent causes first.
func printSummary(w io.Writer, out *jobs.Outcome) {
	fmt.Fprintf(w, "%d failures from %s to %s (route: %s)\n", len(out.Results),
		out.Since.Local().Format("2006-01-02 15:04"), out.Until.Local().Format("2006-01-02 15:04"), out.Route)
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
}
