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
	db, err := query.Open(ctx, databaseConfig(cfg.Database, logger))
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
// the log source, the mail settings. The site database and the history
// are left to the caller.
func newJob(cfg *config.Config, logger *slog.Logger) (*jobs.Job, error) {
	rules, err := loadRules(cfg.Rules.File)
	if err != nil {
		return nil, err
	}
	locator, err := fetch.NewLocator(programRules(cfg.Logs.Programs))
	if err != nil {
		return nil, fmt.Errorf("%s: logs.programs: %w", cfg.File, err)
	}
	src, err := logSource(cfg.Logs)
	if err != nil {
		return nil, err
	}
	return &jobs.Job{
		Route:    query.Route(cfg.Database.Route),
		Filter:   failureFilter(cfg.Failures),
		Source:   src,
		Locator:  locator,
		Fetch:    fetchOptions(cfg.Logs),
		Codepage: cfg.Logs.Codepage,
		Rules:    rules,

		SiteName:            siteName(cfg.Site),
		Location:            cfg.Site.Location,
		PerCollectionSheets: *cfg.Report.PerCollectionSheets,
		ChartCauses:         *cfg.Report.ChartCauses,
		ReportDir:           cfg.Report.Dir,
		LinkBase:            cfg.Report.LinkBase,
		DiscardLogs:         !*cfg.Report.KeepLogs,

		StateDir: cfg.State.Dir,
		Mail:     mailConfig(cfg.Mail, logger),
		Window:   cfg.Failures.Window.D(),
		Late:     cfg.Failures.Late.D(),

		TrendNights:    cfg.Report.TrendNights,
		ProgressWindow: cfg.Report.ProgressWindow.D(),
		KeepNights:     cfg.State.KeepNights,

		Logger: logger,
	}, nil
}

// mailConfig is the mail settings, nil when mail is turned off.
func mailConfig(m config.Mail, logger *slog.Logger) *mail.Config {
	if !m.Enabled {
		return nil
	}
	limit := int64(m.MaxAttachBytes)
	if limit == 0 {
		limit = -1 // max_attach_bytes: 0 never attaches
	}
	return &mail.Config{
		Host: m.Host, Port: m.Port, TLS: m.TLS, CAFile: m.CAFile,
		Auth: m.Auth, User: m.User, Password: m.Password.Value(),
		From: m.From, To: m.To, Cc: m.Cc, Subject: m.Subject,
		MaxAttachBytes: limit, Retries: m.Retries, Backoff: m.Backoff.D(), Timeout: m.Timeout.D(), Helo: m.Helo,
		Logger: logger,
	}
}

func siteName(s config.Site) string {
	if s.Code != "" {
		return s.Code
	}
	return s.Name
}

func databaseConfig(d config.Database, logger *slog.Logger) query.Config {
	q := query.DefaultConfig()
	q.Driver, q.Path = d.Driver, d.Path
	q.Server, q.Port, q.Instance, q.Database = d.Server, d.Port, d.Instance, d.Name
	q.Auth, q.User, q.Password = d.Auth, d.User, d.Password.Value()
	q.Keytab, q.CredentialCache, q.Krb5Conf, q.Realm = d.Keytab, d.CredentialCache, d.Krb5Conf, d.Realm
	q.Encrypt, q.TrustServerCertificate = d.Encrypt, d.TrustServerCertificate
	q.CAFile, q.HostNameInCertificate, q.TLSMin, q.ServerSPN = d.CAFile, d.HostNameInCertificate, d.TLSMin, d.ServerSPN
	q.ReadOnlyIntent = *d.ReadOnlyIntent
	q.ConnectTimeout, q.QueryTimeout = d.ConnectTimeout.D(), d.QueryTimeout.D()
	q.Retries, q.RetryWait = d.Retries, d.RetryWait.D()
	q.Logger = logger
	return q
}

func failureFilter(f config.Failures) query.Filter {
	return query.Filter{
		ExitCodes:      f.ExitCodes,
		MessageIDs:     f.MessageIDs,
		Advertisements: f.Advertisements,
		Collections:    f.Collections,
		SiteCode:       f.SiteCode,
		ExitCodeIndex:  f.ExitCodeIndex,
	}
}

func programRules(progs []config.ProgramLogs) []fetch.ProgramRule {
	rules := make([]fetch.ProgramRule, len(progs))
	for i, p := range progs {
		rules[i] = fetch.ProgramRule{Package: p.Match.Package, Program: p.Match.Program, Advertisement: p.Match.Advertisement, Paths: p.Paths}
	}
	return rules
}

func fetchOptions(l config.Logs) fetch.Options {
	return fetch.Options{
		Concurrency:    l.Concurrency,
		ConnectTimeout: l.ConnectTimeout.D(),
		HostTimeout:    l.HostTimeout.D(),
		MaxBytes:       int64(l.MaxBytes),
		Retries:        *l.Retries,
	}
}

func logSource(l config.Logs) (fetch.Source, error) {
	switch l.Source {
	case "local":
		return fetch.NewLocal(l.Root)
	case "unc":
		return fetch.NewWindowsShares()
	}
	opts := smbOptions(l.SMB)
	if l.Source == "smbclient" {
		return fetch.NewSMBClient(l.SMB.SMBClient, opts)
	}
	smb, err := fetch.NewSMB(opts)
	if err != nil || l.SMB.SMB1 != "fallback" {
		return smb, err
	}
	smb1, err := fetch.NewSMBClient(l.SMB.SMBClient, opts)
	if err != nil {
		smb.Close()
		return nil, err
	}
	return fetch.NewSMB1Fallback(smb, smb1), nil
}

func smbOptions(s config.SMB) fetch.SMBOptions {
	return fetch.SMBOptions{
		User:     s.User,
		Domain:   s.Domain,
		Password: s.Password.Value(),
		NTHash:   s.NTHash.Value(),
		Kerberos: fetch.KerberosOptions{
			Keytab:          s.Kerberos.Keytab,
			CredentialCache: s.Kerberos.CredentialCache,
			Krb5Conf:        s.Kerberos.Krb5Conf,
			Realm:           s.Kerberos.Realm,
			SPN:             s.Kerberos.SPN,
		},
		Port:              s.Port,
		RequireSigning:    s.RequireSigning,
		RequireEncryption: s.RequireEncryption,
	}
}

// loadRules gives the built-in rules, with the admin's own file when named.
func loadRules(file string) (*classify.Rules, error) {
	if file == "" {
		return classify.Builtin(), nil
	}
	return classify.Load(file)
}
