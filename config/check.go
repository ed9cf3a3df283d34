package config

import (
	"time"

	"smsfail/history"
	"smsfail/logtext"
	"smsfail/query"
	"smsfail/report"
)

// check runs every section's checks, each stage's own, placing their
// errors at the keys they name.
func (c *Config) check() {
	d := c.doc
	if msg := query.CheckSiteCode(c.Site.Code); msg != "" {
		d.Add("site.code", "%s", msg)
	}
	c.Site.Location = c.loadLocation("site.timezone", c.Site.TimeZone)
	c.stage("database", c.Database.Check())
	c.stage("failures", c.Failures.Filter.Check())
	c.stage("failures", c.Failures.Nights.Check())
	c.stage("logs", c.Logs.Settings.Check())
	if err := logtext.ValidCodepage(c.Logs.Codepage); err != nil {
		d.Add("logs.codepage", "%v", err)
	}
	c.stage("report", c.Report.Check())
	if base, err := report.PublishedAt(c.Report.LinkBase); c.Report.LinkBase != "" && err == nil {
		c.Report.LinkBase = base // without its trailing separator
	}
	if c.Mail.Enabled {
		c.stage("mail", c.Mail.Config.Check())
	}
	if c.Schedule.TimeZone == "" {
		c.Schedule.TimeZone, c.Schedule.Location = c.Site.TimeZone, c.Site.Location
	} else {
		c.Schedule.Location = c.loadLocation("schedule.timezone", c.Schedule.TimeZone)
	}
	c.stage("schedule", c.Schedule.Check())
	if c.State.Dir == "" {
		d.Add("state.dir", "must not be empty")
	}
	if msg := history.CheckKeepNights(c.State.KeepNights); msg != "" {
		d.Add("state.keep_nights", "%s", msg)
	}
}

func (c *Config) loadLocation(key, name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		c.doc.Add(key, "unknown time zone %q (use an IANA name such as Europe/London, or Local or UTC)", name)
		return time.UTC
	}
	return loc
}
