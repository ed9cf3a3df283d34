// Package config provides the job's configuration: one YAML file whose
// sections are the settings of the stages that use them (query.Config for
// database, fetch.Settings for logs, mail.Config for mail, ...). It reads
// the file strictly (an unknown key or a bad value is an error naming the
// key and its line), fills each stage's own defaults, and calls each
// stage's own checks, so that a rule is written once, where the setting is
// used. Parse does all that without looking at the machine; Resolve then
// reads secrets from the environment or files, makes paths absolute, and
// settles what depends on the machine (the log source, smbclient), so a
// bad setting fails at start and never in the middle of a night.
package config

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"

	"smsfail"
	"smsfail/fetch"
	"smsfail/history"
	"smsfail/jobs"
	"smsfail/logtext"
	"smsfail/mail"
	"smsfail/query"
	"smsfail/report"
	"smsfail/schedule"
	"smsfail/strictyaml"
)

// Config is the whole configuration.
type Config struct {
	Site     Site              `yaml:"site"`
	Database query.Config      `yaml:"database"`
	Failures Failures          `yaml:"failures"`
	Logs     Logs              `yaml:"logs"`
	Rules    Rules             `yaml:"rules"`
	Report   report.Settings   `yaml:"report"`
	Mail     Mail              `yaml:"mail"`
	Schedule schedule.Settings `yaml:"schedule"`
	State    State             `yaml:"state"`

	// File is the path the configuration was read from.
	File string `yaml:"-"`

	doc *strictyaml.Doc // where each key was written, the secrets named
}

// Site names the site and the time zone its admins read times in.
type Site struct {
	Code     string `yaml:"code"`
	Name     string `yaml:"name"`
	TimeZone string `yaml:"timezone"`

	Location *time.Location `yaml:"-"`
}

// Failures says which failures the job reports, and how the nights cover
// them.
type Failures struct {
	query.Filter `yaml:",inline"`
	jobs.Nights  `yaml:",inline"`
}

// Logs says where each failing client's log is read from, how, and how its
// text is decoded.
type Logs struct {
	fetch.Settings `yaml:",inline"`
	Codepage       string `yaml:"codepage"` // the clients' ANSI code page (logtext)
}

// Rules points at the admin's own classification rules.
type Rules struct {
	File string `yaml:"file"`
}

// Mail says whether and how the workbook is sent.
type Mail struct {
	Enabled     bool `yaml:"enabled"`
	mail.Config `yaml:",inline"`
}

// State is where the job keeps its history and its lock.
type State struct {
	Dir string `yaml:"dir"`
	// KeepNights is how many nights keep their failures in the history;
	// 0 keeps all.
	KeepNights int `yaml:"keep_nights"`
}

// Default is the configuration an empty file gives: each stage's defaults.
func Default() *Config {
	return &Config{
		Site:     Site{TimeZone: "Local"},
		Database: query.DefaultConfig(),
		Failures: Failures{Filter: query.DefaultFilter(), Nights: jobs.DefaultNights()},
		Logs:     Logs{Settings: fetch.DefaultSettings(), Codepage: logtext.DefaultCodepage},
		Report:   report.DefaultSettings(),
		Mail:     Mail{Config: mail.DefaultConfig()},
		Schedule: schedule.DefaultSettings(),
		State:    State{Dir: "state", KeepNights: history.DefaultKeepNights},
	}
}

var reader = strictyaml.Reader{
	NotMapping: "the configuration must be a mapping of sections (site:, database:, ...)",
	Whole:      "the whole configuration",
}

// Machine is what Resolve reads of the machine the job runs on; tests
// give their own.
type Machine struct {
	Getenv   func(string) string               // secrets given as {env: NAME}
	ReadFile func(path string) ([]byte, error) // secrets given as {file: PATH}
	LookPath func(file string) (string, error) // smbclient
	GOOS     string                            // the unc log source works on windows only
}

// ThisMachine is the machine the job runs on, with getenv for its
// environment.
func ThisMachine(getenv func(string) string) Machine {
	return Machine{Getenv: getenv, ReadFile: readSecretFile, LookPath: exec.LookPath, GOOS: runtime.GOOS}
}

// Load reads the configuration in path and resolves it on this machine;
// getenv resolves secrets given as {env: NAME}.
func Load(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read configuration: %w", err)
	}
	return Read(path, data, ThisMachine(getenv))
}

// Read parses the configuration in data, read from file, and resolves it
// on m. The error lists every problem found, in line order.
func Read(file string, data []byte, m Machine) (*Config, error) {
	c, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	c.resolve(m)
	if err := c.doc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse reads and checks the configuration in data, read from file,
// without looking at the machine: the syntax, the keys, the types, each
// stage's checks. Secrets are named but not read (a secret's setting holds
// where it comes from, {env: NAME}, until Resolve reads it), paths are as
// written, and auto settings are left for Resolve.
func Parse(file string, data []byte) (*Config, error) {
	c, err := parse(file, data)
	if err != nil {
		return nil, err
	}
	if err := c.doc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func parse(file string, data []byte) (*Config, error) {
	c := Default()
	c.File = file
	doc, err := reader.Decode(file, data, c)
	if err != nil {
		return nil, err
	}
	c.doc = doc
	// A secret the file names counts as given for the checks; Resolve
	// reads its value.
	for _, s := range doc.Secrets() {
		s.Set(s.Source())
	}
	c.check()
	return c, nil
}

// Secrets are the secrets the file names, where and how.
func (c *Config) Secrets() []*strictyaml.Secret {
	if c.doc == nil {
		return nil
	}
	return c.doc.Secrets()
}

// String names the file only: a configuration holds resolved secrets,
// which must never be printed.
func (c Config) String() string { return "configuration " + c.File }

// GoString hides the secrets from %#v as String does from %v.
func (c Config) GoString() string { return "config.Config{File: " + fmt.Sprintf("%q", c.File) + "}" }

// stage places the errors of a stage's check, whose keys are relative to
// section.
func (c *Config) stage(section string, err error) {
	var es smsfail.SettingErrors
	if !errors.As(err, &es) {
		if err != nil {
			c.doc.Add(section, "%v", err)
		}
		return
	}
	for _, e := range es {
		c.doc.Add(section+"."+e.Key, "%s", e.Msg)
	}
}
