package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"smsfail"
	"smsfail/config"
	"smsfail/fetch"
	"smsfail/history"
	"smsfail/jobs"
	"smsfail/lock"
	"smsfail/mail"
	"smsfail/query"
)

// checker runs the items of `smsfail check` in turn; a later item uses
// what an earlier one built.
type checker struct {
	a      *app
	o      checkOptions
	logger *slog.Logger
	cfg    *config.Config
	job    *jobs.Job // nil when the rules or the log source could not be built
}

// hostsTried is how many failing hosts check tries at most when no --host
// is given: enough to get past a few switched-off machines.
const hostsTried = 5

func (c *checker) run(ctx context.Context) []item {
	cfg, err := config.Load(c.o.config, c.a.getenv)
	if err != nil {
		return []item{{name: "configuration", state: failed, detail: err.Error(),
			fix: "correct the keys named above; config.example.yaml describes every key"}}
	}
	c.cfg = cfg
	items := []item{c.configuration(), c.rules(), c.state(ctx), c.reports()}
	if c.job != nil {
		defer closeSource(c.job.Source)
	}
	db, dbItem := c.database(ctx)
	if db != nil {
		defer db.Close()
	}
	return append(items, dbItem, c.share(ctx, db), c.mail(ctx))
}

func (c *checker) configuration() item {
	var secrets []string
	for key, s := range map[string]config.Secret{"database.password": c.cfg.Database.Password, "logs.smb.password": c.cfg.Logs.SMB.Password,
		"logs.smb.nt_hash": c.cfg.Logs.SMB.NTHash, "mail.password": c.cfg.Mail.Password} {
		switch {
		case s.Env != "":
			secrets = append(secrets, key+" from $"+s.Env)
		case s.File != "":
			secrets = append(secrets, key+" from "+s.File)
		}
	}
	sort.Strings(secrets)
	detail := fmt.Sprintf("%s: site %s", c.cfg.File, orDefault(siteName(c.cfg.Site), "(no site code)"))
	if len(secrets) > 0 {
		detail += "; secrets read: " + strings.Join(secrets, ", ")
	}
	return item{name: "configuration", state: passed, detail: detail}
}

func (c *checker) rules() item {
	job, err := newJob(c.cfg, c.logger)
	if err != nil {
		return item{name: "rules", state: failed, detail: err.Error(),
			fix: "correct rules.file (see 'smsfail rules') or logs.programs, or the log source settings under logs"}
	}
	c.job = job
	what := "built-in rules"
	if c.cfg.Rules.File != "" {
		what = "built-in rules and " + c.cfg.Rules.File
	}
	return item{name: "rules", state: passed, detail: fmt.Sprintf("%s: %d rules, %d causes", what, len(job.Rules.List()), len(job.Rules.Causes()))}
}

func (c *checker) state(ctx context.Context) item {
	dir := c.cfg.State.Dir
	fix := "state.dir must be a folder this account can create and write: it holds history.db and smsfail.lock"
	h, err := history.Open(ctx, dir)
	if err != nil {
		return item{name: "state folder", state: failed, detail: err.Error(), fix: fix}
	}
	defer h.Close()
	runs, err := h.Runs(ctx, 1)
	if err != nil {
		return item{name: "state folder", state: failed, detail: err.Error(), fix: fix}
	}
	detail := dir + ": " + history.FileName + ", no run yet"
	if len(runs) > 0 {
		r := runs[0]
		detail = fmt.Sprintf("%s: %s, last run #%d (%s, %s) started %s", dir, history.FileName, r.ID, r.Kind, r.Outcome,
			r.Started.In(c.cfg.Site.Location).Format("2006-01-02 15:04"))
	}
	l, err := lock.Acquire(ctx, dir, lock.Options{})
	var held *lock.HeldError
	switch {
	case errors.As(err, &held):
		return item{name: "state folder", state: warning, detail: detail + "\n" + held.Error(),
			fix: "a run is going now; a run by hand would refuse (or wait with --wait)"}
	case err != nil:
		return item{name: "state folder", state: failed, detail: err.Error(), fix: fix}
	}
	defer l.Release()
	if l.Stale != nil {
		return item{name: "state folder", state: warning, detail: detail,
			fix: "the last run did not end (" + l.Stale.String() + "): see its log for why; check took over its lock, so the next run starts clean"}
	}
	return item{name: "state folder", state: passed, detail: detail + "; lock free"}
}

func (c *checker) reports() item {
	dir := c.cfg.Report.Dir
	fix := "report.dir must be a folder this account can create and write"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return item{name: "report folder", state: failed, detail: fmt.Sprintf("cannot create %s: %v", dir, err), fix: fix}
	}
	f, err := os.CreateTemp(dir, ".smsfail-check-*")
	if err != nil {
		return item{name: "report folder", state: failed, detail: fmt.Sprintf("cannot write in %s: %v", dir, err), fix: fix}
	}
	f.Close()
	os.Remove(f.Name())
	return item{name: "report folder", state: passed, detail: dir + " is writable"}
}

// database connects and runs the failure query on the last hour.
func (c *checker) database(ctx context.Context) (*query.DB, item) {
	qc := databaseConfig(c.cfg.Database, c.logger)
	db, err := query.Open(ctx, qc)
	if err != nil {
		return nil, item{name: "site database", state: failed, detail: err.Error(), fix: databaseFix(qc, err)}
	}
	if c.job == nil {
		return db, item{name: "site database", state: passed, detail: db.Target() + ": connected (the query needs the rules above)"}
	}
	c.job.Site = db
	views := viewLines(db.Views(ctx))
	until := time.Now()
	failures, route, err := c.job.Failures(ctx, until.Add(-time.Hour), until)
	if err != nil {
		return db, item{name: "site database", state: failed, detail: err.Error() + views, fix: databaseFix(qc, err)}
	}
	return db, item{name: "site database", state: passed,
		detail: fmt.Sprintf("%s: route %s, %d failures in the last hour%s", db.Target(), route, len(failures), views)}
}

// viewLines names each view a route reads and whether the login can read it.
func viewLines(views []query.ViewState) string {
	var b strings.Builder
	for _, v := range views {
		state := "readable"
		var missing *query.MissingViewError
		switch {
		case errors.As(v.Err, &missing) && missing.Denied:
			state = "denied"
		case errors.As(v.Err, &missing):
			state = "missing"
		case v.Err != nil:
			state = "not checked: " + v.Err.Error()
		}
		routes := make([]string, len(v.Routes))
		for i, r := range v.Routes {
			routes[i] = string(r)
		}
		fmt.Fprintf(&b, "\n%s: %s (route %s)", v.View, state, strings.Join(routes, ", "))
	}
	return b.String()
}

// databaseFix says what to do about a site database that could not be
// connected to or queried.
func databaseFix(qc query.Config, err error) string {
	msg := err.Error()
	var missing *query.MissingViewError
	switch {
	case errors.As(err, &missing):
		if alt := query.Alternative(missing.Route, missing.View); alt != "" {
			return fmt.Sprintf("set database.route to %s, which does not read %s, or grant the login SELECT on it", alt, missing.View)
		}
		return "grant the login SELECT on " + missing.View + " (db_datareader, or the site's reporting role); every route reads it"
	case qc.Driver == query.DriverSQLite && sqliteFix(qc.Path, err) != "":
		return sqliteFix(qc.Path, err)
	case qc.Driver == query.DriverSQLite:
		return "database.path must name the site database file"
	case strings.Contains(msg, "Login failed"):
		return "the server refused the login: check database.auth, database.user and the password database.password names"
	case strings.Contains(msg, "certificate"):
		return "the server's certificate is not trusted: give its CA's file in database.ca_file, " +
			"or the name it carries in database.hostname_in_certificate"
	}
	return "check database.server, port or instance and name, that this machine reaches the server " +
		"(TCP 1433, or UDP 1434 for a named instance) and that the login may read the site database's views"
}

// share reads one host's log the way a run does.
func (c *checker) share(ctx context.Context, db *query.DB) item {
	const name = "client share"
	switch {
	case c.job == nil:
		return item{name: name, state: skipped, detail: "the log source could not be built (see rules)"}
	case db == nil && c.o.host == "":
		return item{name: name, state: skipped, detail: "no site database to find a failing host in", fix: "give one with --host NAME"}
	}
	candidates, err := c.candidates(ctx, db)
	if err != nil {
		return item{name: name, state: failed, detail: err.Error(), fix: "see the site database above, or give a host to try with --host NAME"}
	}
	if len(candidates) == 0 {
		return item{name: name, state: skipped, detail: fmt.Sprintf("no failing host in the last %s to try", c.cfg.Failures.Window.D()),
			fix: "give one with --host NAME"}
	}
	return shareItem(c.job.Source, c.job.Read(ctx, candidates))
}

// candidates are the failures whose logs check tries to read: the given
// host's, or the first failing hosts'. A given host is tried even when the
// query failed (the site database item says why), at the default log
// paths when its own failure is not known.
func (c *checker) candidates(ctx context.Context, db *query.DB) ([]smsfail.Failure, error) {
	var failures []smsfail.Failure
	var err error
	if db != nil {
		until := time.Now()
		failures, _, err = c.job.Failures(ctx, until.Add(-c.cfg.Failures.Window.D()), until)
	}
	if c.o.host != "" {
		for _, f := range failures {
			if strings.EqualFold(f.Machine, c.o.host) {
				return []smsfail.Failure{f}, nil
			}
		}
		return []smsfail.Failure{{Machine: c.o.host}}, nil
	}
	if err != nil {
		return nil, err
	}
	sort.SliceStable(failures, func(i, j int) bool {
		return strings.ToUpper(failures[i].Machine) < strings.ToUpper(failures[j].Machine)
	})
	var out []smsfail.Failure
	seen := map[string]bool{}
	for _, f := range failures {
		if host := strings.ToUpper(f.Machine); fetch.ValidHost(f.Machine) && !seen[host] && len(out) < hostsTried {
			seen[host] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// shareItem judges the reads: a log read passes; a share read without the
// log passes with a warning; anything else fails, with what to do.
func shareItem(src fetch.Source, results []smsfail.Result) item {
	const name = "client share"
	var missing *smsfail.Result
	var lines []string
	for i, r := range results {
		f := r.Fetch
		if f.Outcome.Read() {
			return item{name: name, state: passed, detail: fmt.Sprintf("%s via %s: %s read (%s), cause %s",
				r.Failure.Machine, via(src, f), f.UNC, sizeText(f.Size), r.Bucket())}
		}
		if f.Outcome == smsfail.OutcomeLogMissing && missing == nil {
			missing = &results[i]
		}
		lines = append(lines, fmt.Sprintf("%s: %s: %s", r.Failure.Machine, f.Outcome, f.Error))
	}
	if missing != nil {
		return item{name: name, state: warning, detail: fmt.Sprintf("%s via %s: the share was read, but no log there: %s",
			missing.Failure.Machine, via(src, missing.Fetch), missing.Fetch.Error),
			fix: "if the program logs elsewhere, name the path in logs.programs"}
	}
	return item{name: name, state: failed, detail: fmt.Sprintf("no log read via %s:\n%s", src, strings.Join(lines, "\n")),
		fix: shareFix(results[0].Fetch)}
}

// via names the reader of a log: the source, or the one it handed the
// host to.
func via(src fetch.Source, f smsfail.Fetch) string {
	if f.Via != "" {
		return f.Via
	}
	return fmt.Sprint(src)
}

func shareFix(f smsfail.Fetch) string {
	switch o := f.Outcome; {
	case o == smsfail.OutcomeUnreachable && strings.Contains(f.Error, fetch.ErrSMB1Only.Error()):
		return "the host speaks SMB 1 only: install smbclient (apt-get install smbclient) and set logs.smb.smb1: fallback, " +
			"or read it with logs.source: unc from a Windows server"
	case o == smsfail.OutcomeUnreachable:
		return "the host did not answer on TCP 445: is it on, and is the firewall open from this machine? Try another with --host NAME"
	case o == smsfail.OutcomeAccessDenied:
		return "the account (logs.smb.user, or the service account with logs.source: unc) must be an administrator of the clients to read admin$"
	case o == smsfail.OutcomeShareMissing:
		return "the admin share is turned off on the host (AutoShareWks = 0), or a share named in logs.programs does not exist"
	}
	return "see the error above; try another host with --host NAME"
}

func (c *checker) mail(ctx context.Context) item {
	const name = "mail"
	cfg := mailConfig(c.cfg.Mail, c.logger)
	if cfg == nil {
		return item{name: name, state: skipped, detail: "mail.enabled is false: reports are not mailed"}
	}
	res, err := mail.Probe(ctx, *cfg)
	if err != nil {
		return item{name: name, state: failed, detail: err.Error(), fix: mailFix(err)}
	}
	detail := res.Server + ": "
	if res.TLS {
		detail += "encrypted (" + res.TLSVersion + ")"
	} else {
		detail += "not encrypted"
	}
	if res.Auth {
		detail += ", logged on as " + cfg.User
	}
	detail += fmt.Sprintf(", %d recipients accepted", len(res.Recipients))
	size, warn := relaySize(res.SizeLimit, c.cfg.Report.Dir)
	detail += ", " + size
	state := passed
	if warn != "" {
		state = warning
	}
	if !c.o.sendTest {
		return item{name: name, state: state, detail: detail + "; nothing sent (--send-test sends a test message)", fix: warn}
	}
	if err := mail.SendTest(ctx, *cfg, siteName(c.cfg.Site)); err != nil {
		return item{name: name, state: failed, detail: detail + "\n" + err.Error(), fix: mailFix(err)}
	}
	return item{name: name, state: state, detail: detail + "; test message sent to " + strings.Join(append(append([]string{}, cfg.To...), cfg.Cc...), ", "), fix: warn}
}

func mailFix(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "STARTTLS"):
		return "the relay offers no STARTTLS: have it offered, or set mail.tls: opportunistic (or none for a relay on this machine)"
	case strings.Contains(msg, "certificate"):
		return "the relay's certificate is not trusted: give its CA's PEM file in mail.ca_file"
	case strings.Contains(msg, " 535") || strings.Contains(msg, "authentication"):
		return "the relay refused the credentials: check mail.user and the password mail.password names"
	case strings.Contains(msg, "refuses"):
		return "the relay does not accept mail from this machine for these recipients: allow it to relay (see the README, Mail)"
	}
	return "check mail.host and mail.port, and that this machine may reach the relay (firewall)"
}

func sizeText(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
