package config

import (
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"smsfail/fetch"
	"smsfail/logtext"
	"smsfail/mail"
	"smsfail/query"
	"smsfail/report"
	"smsfail/schedule"
)

func (c *Config) validate(p *problems) {
	c.Site.validate(p)
	c.Database.validate(p, c.dir())
	c.Failures.validate(p)
	c.Logs.validate(p, c.dir())
	c.Rules.File = c.abs(c.Rules.File)
	c.Report.validate(p, c.dir())
	c.Mail.validate(p, c.dir())
	c.Schedule.validate(p, c.Site.TimeZone, c.Site.Location)
	if c.State.Dir == "" {
		p.add("state.dir", "must not be empty")
	}
	c.State.Dir = c.abs(c.State.Dir)
	c.validateTrend(p)
}

// dir is the folder relative paths are taken from: the configuration file's
// own, since a Windows service starts in System32.
func (c *Config) dir() string {
	if c.File == "" {
		return ""
	}
	return filepath.Dir(c.File)
}

func (c *Config) abs(p string) string { return absIn(c.dir(), p) }

func absIn(dir, p string) string {
	p = expandPath(p)
	if p == "" || filepath.IsAbs(p) || dir == "" {
		return p
	}
	return filepath.Join(dir, p)
}

func oneOf(p *problems, key, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		p.add(key, "%q is not one of %s", value, strings.Join(allowed, ", "))
	}
}

func positive(p *problems, key string, d Duration) {
	if d <= 0 {
		p.add(key, "must be longer than 0")
	}
}

func between(p *problems, key string, v, lo, hi int) {
	if v < lo || v > hi {
		p.add(key, "must be between %d and %d (got %d)", lo, hi, v)
	}
}

func loadLocation(p *problems, key, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		p.add(key, "unknown time zone %q (use an IANA name such as Europe/London, or Local or UTC)", name)
		return time.UTC
	}
	return loc
}

// siteCodePattern is the form of an SMS site code.
var siteCodePattern = regexp.MustCompile(`^[A-Za-z0-9]{3}$`)

func siteCode(p *problems, key, code string) {
	if code != "" && !siteCodePattern.MatchString(code) {
		p.add(key, "%q is not a site code (3 letters or digits, like KID)", code)
	}
}

func (s *Site) validate(p *problems) {
	siteCode(p, "site.code", s.Code)
	s.Location = loadLocation(p, "site.timezone", s.TimeZone)
}

func (d *Database) validate(p *problems, dir string) {
	oneOf(p, "database.driver", d.Driver, "sqlserver", "sqlite")
	oneOf(p, "database.route", d.Route, "auto", "messages", "client-status")
	positive(p, "database.connect_timeout", d.ConnectTimeout)
	positive(p, "database.query_timeout", d.QueryTimeout)
	between(p, "database.retries", d.Retries, 0, 10)
	if d.Driver == "sqlite" {
		if d.Path == "" {
			p.add("database.path", "the sqlite driver needs the database file's path")
		}
		d.Path = absIn(dir, d.Path)
		return
	}
	if d.Driver != "sqlserver" {
		return
	}
	if d.Server == "" {
		p.add("database.server", "name the site database server (host name or address)")
	}
	if d.Name == "" {
		p.add("database.name", "name the site database (SMS_<site code>)")
	}
	if d.Port != 0 {
		between(p, "database.port", d.Port, 1, 65535)
	}
	oneOf(p, "database.encrypt", d.Encrypt, "true", "strict", "false", "disable")
	if d.TLSMin != "" {
		oneOf(p, "database.tls_min", d.TLSMin, "1.0", "1.1", "1.2", "1.3")
	}
	positive(p, "database.retry_wait", d.RetryWait)
	d.validateAuth(p)
	d.CAFile, d.Keytab = absIn(dir, d.CAFile), absIn(dir, d.Keytab)
	d.CredentialCache, d.Krb5Conf = absIn(dir, d.CredentialCache), absIn(dir, d.Krb5Conf)
}

func (d *Database) validateAuth(p *problems) {
	oneOf(p, "database.auth", d.Auth, "sql", "windows", "kerberos", "ntlm")
	switch d.Auth {
	case "sql":
		if d.User == "" {
			p.add("database.user", "SQL authentication needs a login name")
		}
		if !d.Password.Set() {
			p.add("database.password", "SQL authentication needs a password: {env: VARIABLE} or {file: PATH}")
		}
	case "ntlm":
		if !strings.Contains(d.User, `\`) {
			p.add("database.user", `NTLM needs the account as DOMAIN\user (got %q)`, d.User)
		}
		if !d.Password.Set() {
			p.add("database.password", "NTLM needs a password: {env: VARIABLE} or {file: PATH}")
		}
	case "kerberos":
		if d.Keytab == "" && d.CredentialCache == "" {
			p.add("database.auth", "Kerberos needs a keytab (with user and realm) or a credential_cache")
		}
		if d.Keytab != "" && (d.User == "" || d.Realm == "") {
			p.add("database.keytab", "a keytab needs database.user and database.realm")
		}
	}
}

func (f *Failures) validate(p *problems) {
	if len(f.ExitCodes) == 0 {
		p.add("failures.exit_codes", "give at least one exit code (1603 is the usual one)")
	}
	for i, id := range f.MessageIDs {
		if id != 10006 && id != 10007 {
			p.add(fmt.Sprintf("failures.message_ids[%d]", i), "%d is not a program-failure message (10006 exit code, 10007 status MIF)", id)
		}
	}
	if len(f.MessageIDs) == 0 {
		p.add("failures.message_ids", "give at least one message ID (10006)")
	}
	for i, id := range f.Advertisements {
		if !query.ValidAdvertisementID(id) {
			p.add(fmt.Sprintf("failures.advertisements[%d]", i), "%q is not an advertisement ID (8 letters or digits, like KID2000A)", id)
		}
	}
	for i, id := range f.Collections {
		if !query.ValidCollectionID(id) {
			p.add(fmt.Sprintf("failures.collections[%d]", i), "%q is not a collection ID (8 letters or digits, like KID00012)", id)
		}
	}
	siteCode(p, "failures.site_code", f.SiteCode)
	// The query reads index 0 as "the default", so 0 cannot be passed on.
	if f.ExitCodeIndex == 0 {
		p.add("failures.exit_code_index", "insertion string 0 holds the advertisement ID, never the exit code: give 1 to 20 (3, the default, is where clients put it)")
	} else {
		between(p, "failures.exit_code_index", f.ExitCodeIndex, 1, 20)
	}
	positive(p, "failures.window", f.Window)
	// Status messages are kept 30 days by default; reading further back
	// every night costs query time and finds nothing the site still has.
	if f.Late.D() > maxLate {
		p.add("failures.late", "must be at most %s: the site database keeps status messages 30 days by default (got %s; 0 turns the look back off)",
			days(maxLate), days(f.Late.D()))
	}
}

// maxLate is the longest look back for late failures: the longest a site
// is likely to keep status messages.
const maxLate = 90 * 24 * time.Hour

// days writes a duration in whole days when it is some, as the file does.
func days(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func (l *Logs) validate(p *problems, dir string) {
	oneOf(p, "logs.source", l.Source, "auto", "smb", "smbclient", "unc", "local")
	between(p, "logs.concurrency", l.Concurrency, 1, 1024)
	positive(p, "logs.connect_timeout", l.ConnectTimeout)
	positive(p, "logs.host_timeout", l.HostTimeout)
	if l.MaxBytes < 4096 {
		p.add("logs.max_bytes", "must be at least 4KB")
	}
	between(p, "logs.retries", *l.Retries, 0, 5)
	between(p, "logs.smb.port", l.SMB.Port, 1, 65535)
	if err := logtext.ValidCodepage(l.Codepage); err != nil {
		p.add("logs.codepage", "%v", err)
	}
	if l.Source == "auto" {
		l.Source = l.autoSource()
	}
	switch l.Source {
	case "local":
		if l.Root == "" {
			p.add("logs.root", "the local source needs the folder holding <HOST>/<share>/<path>")
		}
		l.Root = absIn(dir, l.Root)
	case "unc":
		if runtime.GOOS != "windows" {
			p.add("logs.source", "unc reads \\\\HOST\\admin$ natively and works on Windows only; on %s use smb with credentials", runtime.GOOS)
		}
	case "smb", "smbclient":
		l.SMB.validate(p, dir)
		l.validateSMBClient(p, dir)
	}
	for i, prog := range l.Programs {
		prog.validate(p, fmt.Sprintf("logs.programs[%d]", i))
	}
}

// autoSource picks the service account's own rights on Windows when no SMB
// credentials are given, and SMB otherwise.
func (l *Logs) autoSource() string {
	if runtime.GOOS == "windows" && l.SMB.User == "" && l.SMB.Kerberos == (Kerberos{}) {
		return "unc"
	}
	return "smb"
}

func (s *SMB) validate(p *problems, dir string) {
	k := &s.Kerberos
	k.Keytab, k.CredentialCache, k.Krb5Conf = absIn(dir, k.Keytab), absIn(dir, k.CredentialCache), absIn(dir, k.Krb5Conf)
	if k.SPN != "" && !strings.Contains(k.SPN, "{host}") {
		p.add("logs.smb.kerberos.spn", "%q must contain {host}, which stands for each client's name (cifs/{host})", k.SPN)
	}
	if k.Keytab != "" || k.CredentialCache != "" {
		if k.Keytab != "" && (s.User == "" || k.Realm == "") {
			p.add("logs.smb.kerberos.keytab", "a keytab needs logs.smb.user and logs.smb.kerberos.realm")
		}
		return
	}
	if s.User == "" {
		p.add("logs.smb.user", "reading admin shares over SMB needs an account with admin$ rights (user, domain, password) or Kerberos")
	}
	if !s.Password.Set() && !s.NTHash.Set() {
		p.add("logs.smb.password", "give the account's password (or nt_hash): {env: VARIABLE} or {file: PATH}")
	}
}

// validateSMBClient settles how hosts speaking SMB 1 only are read and,
// when smbclient reads any host, finds it, so that a missing program
// fails at start with the package to install.
func (l *Logs) validateSMBClient(p *problems, dir string) {
	s := &l.SMB
	oneOf(p, "logs.smb.smb1", s.SMB1, "auto", "never", "fallback", "always")
	asker := "logs.smb.smb1"
	switch {
	case l.Source == "smbclient":
		asker = "logs.source"
	case s.SMB1 == "always":
		l.Source = "smbclient"
	case s.SMB1 != "fallback" && s.SMB1 != "auto":
		return
	}
	if s.SMBClient != "" {
		asker = "logs.smb.smbclient"
	}
	program := s.SMBClient
	if strings.ContainsAny(program, `/\`) {
		program = absIn(dir, program)
	}
	found, err := fetch.FindSMBClient(program)
	krb := fetch.SMBClientKerberos(fetch.KerberosOptions{Keytab: s.Kerberos.Keytab, SPN: s.Kerberos.SPN})
	if l.Source == "smb" && s.SMB1 == "auto" {
		s.SMB1 = "never"
		if err == nil && krb == nil {
			s.SMB1, s.SMBClient = "fallback", found
		}
		return
	}
	switch {
	case krb != nil && s.Kerberos.Keytab != "":
		p.add("logs.smb.kerberos.keytab", "%v", krb)
	case krb != nil:
		p.add("logs.smb.kerberos.spn", "%v", krb)
	case err != nil:
		p.add(asker, "%v", err)
	}
	s.SMBClient = found
}

func (g ProgramLogs) validate(p *problems, key string) {
	for name, pat := range map[string]string{"package": g.Match.Package, "program": g.Match.Program, "advertisement": g.Match.Advertisement} {
		if _, err := path.Match(pat, ""); err != nil {
			p.add(key+".match."+name, "%q is not a valid pattern: %v", pat, err)
		}
	}
	if len(g.Paths) == 0 {
		p.add(key+".paths", "give at least one log path, like admin$\\svcpack.log")
	}
}

func (r *Report) validate(p *problems, dir string) {
	if r.Dir == "" {
		p.add("report.dir", "must not be empty")
	}
	r.Dir = absIn(dir, r.Dir)
	between(p, "report.per_collection_sheets", *r.PerCollectionSheets, 0, 250)
	between(p, "report.chart_causes", *r.ChartCauses, 1, report.MaxChartCauses)
	if r.LinkBase != "" {
		base, err := linkBase(r.LinkBase)
		if err != nil {
			p.add("report.link_base", "%v", err)
		}
		r.LinkBase = base
	}
}

// uncPath is \\server\share with an optional path under it.
var uncPath = regexp.MustCompile(`^\\\\[^\\/:*?"<>|]+\\[^\\/:*?"<>|]+(\\[^\\/:*?"<>|]+)*\\?$`)

// linkBase checks where the report folder is published, a UNC path or an
// http(s) URL, and returns it without a trailing separator.
func linkBase(s string) (string, error) {
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("%q holds a control character", s)
	}
	if strings.HasPrefix(s, `\\`) {
		if !uncPath.MatchString(s) {
			return "", fmt.Errorf(`"%s" is not a UNC path like \\SMSSRV\reports$`, s)
		}
		return strings.TrimRight(s, `\`), nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf(`"%s" is neither a UNC path like \\SMSSRV\reports$ nor an http(s) URL like https://smssrv/reports: give where the folder report.dir is published`, s)
	}
	return strings.TrimRight(s, "/"), nil
}

func (m *Mail) validate(p *problems, dir string) {
	m.CAFile = absIn(dir, m.CAFile)
	if m.Port == 0 {
		m.Port = mail.DefaultPort
		if m.TLS == mail.TLSImplicit {
			m.Port = mail.DefaultImplicitPort
		}
	}
	if !m.Enabled {
		return
	}
	if m.Host == "" {
		p.add("mail.host", "name the SMTP server (or set mail.enabled: false)")
	}
	between(p, "mail.port", m.Port, 1, 65535)
	oneOf(p, "mail.tls", m.TLS, "starttls", "opportunistic", "tls", "none")
	oneOf(p, "mail.auth", m.Auth, "none", "plain", "login")
	if m.Auth != "none" && (m.User == "" || !m.Password.Set()) {
		p.add("mail.auth", "%s authentication needs mail.user and mail.password", m.Auth)
	}
	if m.Auth != "none" && m.TLS == "none" && !mail.LocalRelay(m.Host) {
		p.add("mail.auth", "%s authentication with tls: none would send the password in clear to %s: use tls: starttls or tls", m.Auth, m.Host)
	}
	if m.Helo != "" && !mail.ValidHelo(m.Helo) {
		p.add("mail.helo", "%q is not a host name (smsfail.corp.example) or an address literal ([192.0.2.7])", m.Helo)
	}
	for _, ph := range mail.UnknownPlaceholders(m.Subject) {
		p.add("mail.subject", "%s is not a placeholder; use {site}, {date} and {failures}", ph)
	}
	// Read now, or a missing file would surface only when the first
	// night's report is mailed.
	if m.CAFile != "" {
		if _, err := mail.LoadCA(m.CAFile); err != nil {
			p.add("mail.ca_file", "%v", err)
		}
	}
	addresses(p, "mail.from", []string{m.From})
	if len(m.To) == 0 {
		p.add("mail.to", "give at least one recipient")
	}
	addresses(p, "mail.to", m.To)
	addresses(p, "mail.cc", m.Cc)
	between(p, "mail.retries", m.Retries, 0, 10)
	positive(p, "mail.backoff", m.Backoff)
	positive(p, "mail.timeout", m.Timeout)
}

func addresses(p *problems, key string, list []string) {
	for i, a := range list {
		if _, err := netmail.ParseAddress(a); err != nil {
			k := key
			if len(list) > 1 || strings.HasSuffix(key, "to") || strings.HasSuffix(key, "cc") {
				k = fmt.Sprintf("%s[%d]", key, i)
			}
			p.add(k, "%q is not a mail address", a)
		}
	}
}

func (s *Schedule) validate(p *problems, siteZone string, siteLoc *time.Location) {
	if s.TimeZone == "" {
		s.TimeZone, s.Location = siteZone, siteLoc
	} else {
		s.Location = loadLocation(p, "schedule.timezone", s.TimeZone)
	}
	if s.Cron != "" {
		if err := schedule.Parse(s.Cron, s.Location); err != nil {
			p.add("schedule.cron", "%q is not a cron schedule (5 fields like \"30 6 * * *\", @daily, @every 12h, optionally after CRON_TZ=Europe/London): %v", s.Cron, errors.Unwrap(err))
		}
	}
	positive(p, "schedule.grace", s.Grace)
}

func (c *Config) resolveSecrets(p *problems, getenv func(string) string) {
	secrets := map[string]*Secret{
		"database.password": &c.Database.Password,
		"logs.smb.password": &c.Logs.SMB.Password,
		"logs.smb.nt_hash":  &c.Logs.SMB.NTHash,
		"mail.password":     &c.Mail.Password,
	}
	if !c.Mail.Enabled {
		delete(secrets, "mail.password")
	}
	for key, s := range secrets {
		if s.File != "" {
			s.File = c.abs(s.File)
		}
		if err := s.resolve(getenv); err != nil {
			p.add(key, "%v", err)
		}
	}
}
