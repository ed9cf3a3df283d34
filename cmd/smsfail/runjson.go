package main

import (
	"time"

	"smsfail/jobs"
)

// runJSON is `run --json`: the summary for scripts, one JSON document on
// stdout.
type runJSON struct {
	Kind     string    `json:"kind"` // nightly or once
	RunID    int64     `json:"run_id,omitempty"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Route    string    `json:"route"`
	Failures int       `json:"failures"`
	Unread   int       `json:"unread"`
	// Causes and NotRead count the failures by cause and by why the log
	// was not read, most frequent first.
	Causes  []countJSON `json:"causes"`
	NotRead []countJSON `json:"not_read"`
	// Marks against the nights before; absent without history.
	Marks *marksJSON `json:"marks,omitempty"`
	// Late failures, when the night looked back for them.
	Late     *lateJSON `json:"late,omitempty"`
	Workbook string    `json:"workbook"`
	// Mail: sent, failed (MailError says why) or off.
	Mail      string             `json:"mail"`
	MailError string             `json:"mail_error,omitempty"`
	Seconds   map[string]float64 `json:"seconds"` // by stage: query, fetch, report
	ExitCode  int                `json:"exit_code"`
}

type countJSON struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type marksJSON struct {
	New       int `json:"new"`
	Recurring int `json:"recurring"`
	Fixed     int `json:"fixed"`
	StillOpen int `json:"still_open"`
}

type lateJSON struct {
	Count    int        `json:"count"`
	From     *time.Time `json:"from,omitempty"`
	Lookback time.Time  `json:"lookback"`
}

func newRunJSON(out *jobs.Outcome, code int) runJSON {
	r := runJSON{Kind: string(out.Kind), RunID: out.RunID, Since: out.Since, Until: out.Until, Route: string(out.Route),
		Failures: len(out.Results), Unread: out.Unread(), Causes: []countJSON{}, NotRead: []countJSON{},
		Workbook: out.Workbook, Mail: "off", Seconds: map[string]float64{}, ExitCode: code}
	causes, unread := tally(out)
	for _, c := range causes {
		r.Causes = append(r.Causes, countJSON{c.name, c.n})
	}
	for _, c := range unread {
		r.NotRead = append(r.NotRead, countJSON{c.name, c.n})
	}
	if m := out.Marks; m != nil {
		r.Marks = &marksJSON{New: m.Change.New, Recurring: m.Change.Recurring, Fixed: m.Change.Fixed, StillOpen: m.Change.StillOpen}
	}
	if !out.Lookback.IsZero() {
		n, from := out.Late()
		r.Late = &lateJSON{Count: n, Lookback: out.Lookback}
		if n > 0 {
			r.Late.From = &from
		}
	}
	switch {
	case out.MailError != nil:
		r.Mail, r.MailError = "failed", out.MailError.Error()
	case out.Mailed:
		r.Mail = "sent"
	}
	for stage, d := range out.Durations {
		r.Seconds[stage] = d.Seconds()
	}
	return r
}
