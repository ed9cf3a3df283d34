package main

import (
	"context"
	"fmt"
	"log/slog"

	"smsfail/config"
	"smsfail/jobs"
	"smsfail/schedule"
)

func serveCommand() command {
	return command{name: "serve", summary: "run the nightly job on the configured schedule until stopped (also as the Windows service)", run: runServeCommand}
}

const serveUsage = `Usage: smsfail serve --config FILE [flags]

Stays up and runs the nightly job on schedule.cron: 5 fields (minute hour
day-of-month month day-of-week, like "30 6 * * *") or a descriptor (@daily,
@every 12h), in schedule.timezone (default site.timezone) unless the spec
starts with CRON_TZ=Zone. It logs the time of the next run at start and after
every run. Each run is a night exactly as 'smsfail run' from cron: its window
starts where the last night that wrote its report ended, its failures are
marked new, recurring and fixed, the run is recorded and the report mailed.

- Runs never overlap: a run due while the last one is still going is skipped
  and logged. A night due while a run by hand holds the state folder's lock
  waits for it.
- A run that fails or panics is logged (with its stack), recorded as failed,
  and the next run happens as scheduled.
- Rules, log paths or a log source that cannot work stop serve at start; a
  site database that cannot be reached then is tried again at the run. Each
  night opens its connections afresh and closes them after.
- On SIGINT or SIGTERM (Ctrl-C, systemctl stop, the service manager's stop)
  serve takes no new run, lets a running one finish within schedule.grace,
  then cancels it, waits for it to wind down and exits 0. A second signal
  stops it at once (exit code 130).

With --service (the command line 'smsfail service install' registers) serve
runs as the Windows service: it logs to the Application event log and tells
the service manager it is running once its configuration is loaded and its
state folder open.

Flags:
`

// serveExitCodes are the exit codes of serve: a night's own outcome is
// logged, never an exit code.
var serveExitCodes = exitCodes(
	exitDoc{exitOK, "stopped by SIGINT or SIGTERM (or the service manager) after the grace period"},
	exitDoc{exitFailure, "could not start: configuration, rules, log source, state folder, schedule"},
	exitDocUsage,
	exitDoc{exitInterrupted, "stopped at once by a second signal"},
)

// serveOptions are the flags of `smsfail serve`.
type serveOptions struct {
	config string
	logs   logOptions
	// service runs serve under the Windows service manager.
	service bool
	// ready, when set, is called once the configuration is loaded and
	// the state folder open, before the first night is waited for.
	ready func()
	// seconds makes the schedule's spec start with a seconds field, for
	// tests that cannot wait a minute; no flag sets it.
	seconds bool
}

func runServeCommand(ctx context.Context, a *app, args []string) error {
	var o serveOptions
	fs := newFlagSet(a, "serve", serveUsage, envHelp+serveExitCodes)
	fs.StringVar(&o.config, "config", "", "configuration `file` (default $SMSFAIL_CONFIG)")
	fs.BoolVar(&o.service, "service", false, "run as the Windows service (the command line 'smsfail service install' registers)")
	o.logs.flags(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if o.service {
		return runAsService(a, func(ctx context.Context, a *app, ready func()) error {
			o.ready = ready
			return runServe(ctx, a, o)
		})
	}
	return runServe(ctx, a, o)
}

// runServe loads the configuration and serves until ctx ends.
func runServe(ctx context.Context, a *app, o serveOptions) error {
	cfg, err := loadConfig(a, "serve", o.config)
	if err != nil {
		return err
	}
	return serve(ctx, a, cfg, o)
}

func serve(ctx context.Context, a *app, cfg *config.Config, o serveOptions) error {
	logger, err := o.logs.logger(a.stderr)
	if err != nil {
		return err
	}
	if cfg.Schedule.Cron == "" {
		return fmt.Errorf("%s: schedule.cron is empty: serve needs a schedule, like \"30 6 * * *\" (every day at 6:30)", cfg.File)
	}
	// Rules, log paths, the log source and the state folder stay wrong until
	// the configuration changes: refuse to start rather than fail every
	// night. A site database that does not answer now may answer tonight.
	n := &nights{cfg: cfg, logger: logger}
	job, closeJob, err := buildJob(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if u, ok := job.Site.(*unopenedSite); ok {
		logger.Error("cannot connect now; trying again at the next run", "err", u.err)
	} else {
		logger.Info("site database reached", "route", job.Route)
	}
	closeJob()
	if o.ready != nil {
		o.ready()
	}
	return schedule.Run(ctx, cfg.Schedule.Cron, cfg.Schedule.Location, n.run, schedule.Options{
		Grace:   cfg.Schedule.Grace.D(),
		Logger:  logger,
		Seconds: o.seconds,
	})
}

// nights runs the nightly job for serve. Each night builds its clients
// afresh and closes them after: a connection dropped by day, a Kerberos
// credential cache renewed by day, are picked up at night.
type nights struct {
	cfg    *config.Config
	logger *slog.Logger
}

// run is one scheduled night.
func (n *nights) run(ctx context.Context) error {
	job, closeJob, err := buildJob(ctx, n.cfg, n.logger)
	if err != nil {
		return err
	}
	defer closeJob()
	out, err := job.Run(ctx, jobs.Options{Nightly: true, Wait: true})
	if err != nil {
		return err
	}
	attrs := []any{"failures", len(out.Results), "unread", out.Unread(), "workbook", out.Workbook, "mailed", out.Mailed}
	if m := out.Marks; m != nil {
		attrs = append(attrs, "new", m.Change.New, "recurring", m.Change.Recurring, "fixed", m.Change.Fixed)
	}
	if late, _ := out.Late(); late > 0 {
		attrs = append(attrs, "late", late)
	}
	n.logger.Info("night done", attrs...)
	return nil
}
