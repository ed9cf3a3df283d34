// Package config provides the job's configuration: one YAML file, read
// strictly (an unknown key or a bad value is an error naming the key and its
// line), with defaults filled, patterns compiled and secrets resolved from
// the environment or files at load, so a bad setting fails at start and
// never in the middle of a night.
package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole configuration.
type Config struct {
	Site     Site     `yaml:"site"`
	Database Database `yaml:"database"`
	Failures Failures `yaml:"failures"`
	Logs     Logs     `yaml:"logs"`
	Rules    Rules    `yaml:"rules"`
	Report   Report   `yaml:"report"`
	Mail     Mail     `yaml:"mail"`
	Schedule Schedule `yaml:"schedule"`
	State    State    `yaml:"state"`

	// File is the path the configuration was read from.
	File string `yaml:"-"`
}

// Site names the site and the time zone its admins read times in.
type Site struct {
	Code     string `yaml:"code"`
	Name     string `yaml:"name"`
	TimeZone string `yaml:"timezone"`

	Location *time.Location `yaml:"-"`
}

// Database is the connection to the site database.
type Database struct {
	Driver                 string   `yaml:"driver"` // sqlserver | sqlite
	Path                   string   `yaml:"path"`   // sqlite file
	Server                 string   `yaml:"server"`
	Port                   int      `yaml:"port"`
	Instance               string   `yaml:"instance"`
	Name                   string   `yaml:"name"`
	Auth                   string   `yaml:"auth"` // sql | windows | kerberos | ntlm
	User                   string   `yaml:"user"`
	Password               Secret   `yaml:"password"`
	Keytab                 string   `yaml:"keytab"`
	CredentialCache        string   `yaml:"credential_cache"`
	Krb5Conf               string   `yaml:"krb5_conf"`
	Realm                  string   `yaml:"realm"`
	Encrypt                string   `yaml:"encrypt"` // true | strict | false
	TrustServerCertificate bool     `yaml:"trust_server_certificate"`
	CAFile                 string   `yaml:"ca_file"`
	HostNameInCertificate  string   `yaml:"hostname_in_certificate"`
	TLSMin                 string   `yaml:"tls_min"`
	ServerSPN              string   `yaml:"server_spn"`
	ReadOnlyIntent         *bool    `yaml:"read_only_intent"`
	ConnectTimeout         Duration `yaml:"connect_timeout"`
	QueryTimeout           Duration `yaml:"query_timeout"`
	Retries                int      `yaml:"retries"`
	RetryWait              Duration `yaml:"retry_wait"`
	Route                  string   `yaml:"route"` // auto | messages | client-status
}

// Failures says which failures the job reports.
type Failures struct {
	ExitCodes      []int64  `yaml:"exit_codes"`
	MessageIDs     []int    `yaml:"message_ids"`
	Advertisements []string `yaml:"advertisements"`
	Collections    []string `yaml:"collections"`
	SiteCode       string   `yaml:"site_code"`
	ExitCodeIndex  int      `yaml:"exit_code_index"`
	Window         Duration `yaml:"window"` // when no earlier run says where to start
	Late           Duration `yaml:"late"`   // how far before its window a night looks for failures that arrived late; 0: not at all
}

// Logs says where each failing client's log is read from and how.
type Logs struct {
	Source         string        `yaml:"source"` // smb | smbclient | unc | local
	Root           string        `yaml:"root"`   // local: <root>/<HOST>/<share>/<path>
	SMB            SMB           `yaml:"smb"`
	Concurrency    int           `yaml:"concurrency"`
	ConnectTimeout Duration      `yaml:"connect_timeout"`
	HostTimeout    Duration      `yaml:"host_timeout"`
	MaxBytes       ByteSize      `yaml:"max_bytes"`
	Retries        *int          `yaml:"retries"`
	Codepage       string        `yaml:"codepage"`
	Programs       []ProgramLogs `yaml:"programs"`
}

// SMB holds the credentials and transport settings for admin shares.
type SMB struct {
	User              string   `yaml:"user"`
	Domain            string   `yaml:"domain"`
	Password          Secret   `yaml:"password"`
	NTHash            Secret   `yaml:"nt_hash"`
	Kerberos          Kerberos `yaml:"kerberos"`
	Port              int      `yaml:"port"`
	RequireSigning    bool     `yaml:"require_signing"`
	RequireEncryption bool     `yaml:"require_encryption"`
	// SMB1 is how the smb source reads hosts that speak SMB 1 only:
	// never | fallback (through smbclient) | always (every host through
	// smbclient) | auto, resolved at load to fallback when smbclient is
	// installed and can use the credentials, else never.
	SMB1 string `yaml:"smb1"`
	// SMBClient is smbclient's path; found on PATH when empty. Resolved
	// at load when smbclient is used.
	SMBClient string `yaml:"smbclient"`
}

// Kerberos authenticates to admin shares with a keytab or a credential cache.
type Kerberos struct {
	Keytab          string `yaml:"keytab"`
	CredentialCache string `yaml:"credential_cache"`
	Krb5Conf        string `yaml:"krb5_conf"`
	Realm           string `yaml:"realm"`
	SPN             string `yaml:"spn"`
}

// ProgramLogs maps programs to the log files they write.
type ProgramLogs struct {
	Match ProgramMatch `yaml:"match"`
	Paths []string     `yaml:"paths"`
}

// ProgramMatch selects programs by glob patterns; an empty field matches all.
type ProgramMatch struct {
	Package       string `yaml:"package"`
	Program       string `yaml:"program"`
	Advertisement string `yaml:"advertisement"`
}

// Rules points at the admin's own classification rules.
type Rules struct {
	File string `yaml:"file"`
}

// Report says where the workbook goes and how it is laid out.
type Report struct {
	Dir                 string `yaml:"dir"`
	PerCollectionSheets *int   `yaml:"per_collection_sheets"`
	KeepLogs            *bool  `yaml:"keep_logs"`
	// ChartCauses is how many causes the Summary's chart shows apart.
	ChartCauses *int `yaml:"chart_causes"`
	// LinkBase is where the report folder (Dir) is published, a UNC path
	// or an http(s) URL: the workbook's links and the mail point there.
	LinkBase string `yaml:"link_base"`
	// TrendNights is how many nights the Trend sheet and the mail show;
	// 0 shows none. ProgressWindow is how far back a machine's last
	// outcome counts for the deployments' progress.
	TrendNights    int      `yaml:"trend_nights"`
	ProgressWindow Duration `yaml:"progress_window"`
}

// Mail says how the workbook is sent.
type Mail struct {
	Enabled        bool     `yaml:"enabled"`
	Host           string   `yaml:"host"`
	Port           int      `yaml:"port"` // 25, or 465 with tls: tls, when not given
	TLS            string   `yaml:"tls"`  // starttls | opportunistic | tls | none
	CAFile         string   `yaml:"ca_file"`
	Auth           string   `yaml:"auth"` // none | plain | login
	User           string   `yaml:"user"`
	Password       Secret   `yaml:"password"`
	From           string   `yaml:"from"`
	To             []string `yaml:"to"`
	Cc             []string `yaml:"cc"`
	Subject        string   `yaml:"subject"`
	MaxAttachBytes ByteSize `yaml:"max_attach_bytes"` // 0: never attach, give the path
	Helo           string   `yaml:"helo"`             // the EHLO name; this machine's fully qualified name when empty
	Retries        int      `yaml:"retries"`
	Backoff        Duration `yaml:"backoff"` // before the first retry, doubling after
	Timeout        Duration `yaml:"timeout"`
}

// Schedule is when `smsfail serve` runs the job.
type Schedule struct {
	Cron     string   `yaml:"cron"`
	TimeZone string   `yaml:"timezone"`
	Grace    Duration `yaml:"grace"`

	Location *time.Location `yaml:"-"`
}

// State is where the job keeps its history and its lock.
type State struct {
	Dir string `yaml:"dir"`
	// KeepNights is how many nights keep their failures in the history;
	// 0 keeps all.
	KeepNights int `yaml:"keep_nights"`
}

// Load reads, checks and completes the configuration in path. getenv
// resolves secrets given as {env: NAME}.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read configuration: %w", err)
	}
	return Parse(path, data, getenv)
}

// Parse checks and completes the configuration in data, read from file.
func Parse(file string, data []byte, getenv func(string) string) (*Config, error) {
	p := &problems{file: file, lines: map[string]int{}}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil && err != io.EOF {
		return nil, syntaxError(file, err)
	}
	if err := oneDocument(file, dec); err != nil {
		return nil, err
	}
	c := Default()
	c.File = file
	if len(root.Content) > 0 {
		doc := root.Content[0]
		if doc.Kind != yaml.MappingNode {
			return nil, &Error{File: file, Line: doc.Line, Msg: "the configuration must be a mapping of sections (site:, database:, ...)"}
		}
		p.walk(doc, reflect.TypeFor[Config](), "")
		if err := p.err(); err != nil {
			return nil, err
		}
		if err := doc.Decode(c); err != nil {
			p.decodeErrors(err, "", nil)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	c.restoreNulls()
	c.validate(p)
	c.resolveSecrets(p, getenv)
	if err := p.err(); err != nil {
		return nil, err
	}
	return c, nil
}

func syntaxError(file string, err error) error {
	line, msg := splitLine(strings.TrimPrefix(err.Error(), "yaml: "))
	return &Error{File: file, Line: line, Msg: "not valid YAML: " + msg}
}

// oneDocument refuses settings in a document after the first, which the
// decoder would leave unread; an empty one (a trailing ---) is harmless.
func oneDocument(file string, dec *yaml.Decoder) error {
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		switch {
		case err == io.EOF:
			return nil
		case err != nil:
			return syntaxError(file, err)
		}
		if len(doc.Content) > 0 && doc.Content[0].Tag != "!!null" {
			return &Error{File: file, Line: doc.Line, Msg: "a second YAML document (after ---) would not be read: keep the whole configuration in one"}
		}
	}
}

// restoreNulls puts back the defaults of settings written as null ("key:"
// with nothing after it), which the decoder leaves nil.
func (c *Config) restoreNulls() {
	d := Default()
	for _, p := range []struct{ got, def **bool }{
		{&c.Database.ReadOnlyIntent, &d.Database.ReadOnlyIntent},
		{&c.Report.KeepLogs, &d.Report.KeepLogs},
	} {
		if *p.got == nil {
			*p.got = *p.def
		}
	}
	for _, p := range []struct{ got, def **int }{
		{&c.Logs.Retries, &d.Logs.Retries},
		{&c.Report.PerCollectionSheets, &d.Report.PerCollectionSheets},
		{&c.Report.ChartCauses, &d.Report.ChartCauses},
	} {
		if *p.got == nil {
			*p.got = *p.def
		}
	}
}
