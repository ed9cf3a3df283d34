package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"smsfail"
	"smsfail/classify"
	"smsfail/config"
	"smsfail/fetch"
	"smsfail/history"
	"smsfail/jobs"
	"smsfail/mail"
	"smsfail/query"
)

// buildJob builds the clients a run needs from the configuration: the site
// database, the log source, the rules, the history. The returned func
// closes them.
func buildJob(ctx context.Context, cfg *config.Config, logger *slog.Logger) (*jobs.Job, func(), error) {
	job, err := newJob(cfg, logger)
	if err != nil {
		return nil, nil, err
	}
	hist, err := history.Open(ctx, cfg.State.Dir)
	if err != nil {
		closeSource(job.Source)
		return nil, nil, err
	}
	db, err := query.Open(ctx, databaseConfig(cfg, logger))
	if fix := sqliteFix(cfg.Database.Path, err); err != nil && fix != "" {
		err = fmt.Errorf("%w; %s", err, fix)
	}
	if err != nil {
		var bad *query.ConfigError
		if errors.As(err, &bad) {
			hist.Close()
			closeSource(job.Source)
			return nil, nil, err
		}
		// A site database that is missing, corrupt, locked or does not
		// answer fails the night at its first stage, so that the night
		// is recorded as failed like any other.
		job.Site, job.History = &unopenedSite{err: err}, hist
		return job, func() {
			hist.Close()
			closeSource(job.Source)
		}, nil
	}
	job.Site, job.Successes, job.History, job.ProgressSite = db, db, hist, db
	return job, func() {
		db.Close()
		hist.Close()
		closeSource(job.Source)
	}, nil
}

// unopenedSite is a site database that could not be opened with settings
// that may well be right: the night fails with its error, and serve tries
// again at the next one.
type unopenedSite struct{ err error }

func (u *unopenedSite) Failures(context.Context, query.Route, query.Filter, func(smsfail.Failure) error) (query.Route, error) {
	return "", u.err
}

// closeSource releases what a log source holds between hosts: a Kerberos
// client, smbclient's authentication file.
func closeSource(src fetch.Source) {
	if c, ok := src.(io.Closer); ok {
		c.Close()
	}
}

// newJob builds what needs no connection: the rules, where each log is,
// the log source. The site database and the history are left to the
// caller. Each stage takes its own settings as the configuration holds
// them.
func newJob(cfg *config.Config, logger *slog.Logger) (*jobs.Job, error) {
	rules, err := loadRules(cfg.Rules.File)
	if err != nil {
		return nil, err
	}
	locator, err := fetch.NewLocator(cfg.Logs.Programs)
	if err != nil {
		return nil, fmt.Errorf("%s: logs.programs: %w", cfg.File, err)
	}
	src, err := cfg.Logs.NewSource()
	if err != nil {
		return nil, err
	}
	return &jobs.Job{
		Route:    cfg.Database.Route,
		Filter:   cfg.Failures.Filter,
		Source:   src,
		Locator:  locator,
		Fetch:    cfg.Logs.Options,
		Codepage: cfg.Logs.Codepage,
		Rules:    rules,

		SiteName: siteName(cfg.Site),
		Location: cfg.Site.Location,
		Report:   cfg.Report,

		StateDir: cfg.State.Dir,
		Mail:     mailConfig(cfg.Mail, logger),
		Nights:   cfg.Failures.Nights,

		KeepNights: cfg.State.KeepNights,

		Logger: logger,
	}, nil
}

// mailConfig is the mail settings, nil when mail is turned off.
func mailConfig(m config.Mail, logger *slog.Logger) *mail.Config {
	if !m.Enabled {
		return nil
	}
	c := m.Config
	c.Logger = logger
	return &c
}

func siteName(s config.Site) string {
	if s.Code != "" {
		return s.Code
	}
	return s.Name
}

// databaseConfig is the site database's settings, logging to logger.
func databaseConfig(cfg *config.Config, logger *slog.Logger) query.Config {
	c := cfg.Database
	c.Logger = logger
	return c
}

// loadRules gives the built-in rules, with the admin's own file when named.
func loadRules(file string) (*classify.Rules, error) {
	if file == "" {
		return classify.Builtin(), nil
	}
	return classify.Load(file)
}
