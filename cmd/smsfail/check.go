package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"smsfail/version"
)

func checkCommand() command {
	return command{name: "check", summary: "prove the configuration and its connections before the first night", run: runCheck}
}

const checkUsage = `Usage: smsfail check --config FILE [--host NAME] [--send-test] [flags]

Proves the configuration and every connection a night needs, and prints a
checklist with what to fix for every item that failed:

  configuration   the file loads: keys, values, secrets
  rules           the built-in rules and rules.file load
  state folder    state.dir holds the history and the lock; whether a run is going
  report folder   report.dir can be written
  site database   connects and runs the failure query on the last hour
  client share    reads one failing client's log: --host NAME, else the first
                  hosts failing in the last failures.window, until one answers
  mail            connects to the relay (EHLO, STARTTLS, AUTH) and asks it to
                  take mail for every recipient (MAIL FROM, RCPT TO); sends
                  nothing unless --send-test

Nothing is written to the site or the clients. Exit code 0 when every item
passed, 1 when one failed.

Flags:
`

// checkExitCodes are the exit codes of check.
var checkExitCodes = exitCodes(
	exitDoc{exitOK, "every item passed (warnings included)"},
	exitDoc{exitFailure, "an item failed"},
	exitDocUsage,
	exitDocInterrupted,
)

// checkOptions are the flags of `smsfail check`.
type checkOptions struct {
	config   string
	host     string
	sendTest bool
	json     bool
	logs     logOptions
}

// Item states.
const (
	passed  = "✓"
	warning = "!" // passed, with something to know
	failed  = "✗"
	skipped = "–"
)

// item is one line of the checklist.
type item struct {
	name   string
	state  string
	detail string
	fix    string // what to do, for a failed item or a warning
}

func runCheck(ctx context.Context, a *app, args []string) error {
	var o checkOptions
	fs := newFlagSet(a, "check", checkUsage, envHelp+checkExitCodes)
	fs.StringVar(&o.config, "config", "", "configuration `file` (default $SMSFAIL_CONFIG)")
	fs.StringVar(&o.host, "host", "", "read this `host`'s log share (default: the first hosts failing in the last failures.window)")
	fs.BoolVar(&o.sendTest, "send-test", false, "send a test message to the configured recipients")
	fs.BoolVar(&o.json, "json", false, "print the checklist as one JSON document on stdout")
	o.logs.flagsWithLevel(fs, "warn")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if o.config == "" {
		o.config = a.getenv("SMSFAIL_CONFIG")
	}
	if o.config == "" {
		return usageError("check needs --config FILE (or SMSFAIL_CONFIG)")
	}
	logger, err := o.logs.logger(a.stderr)
	if err != nil {
		return err
	}
	c := &checker{a: a, o: o, logger: logger}
	items := c.run(ctx)
	var ok bool
	if o.json {
		ok, err = writeChecklistJSON(a.stdout, o.config, items)
	} else {
		ok = printChecklist(a.stdout, o.config, items)
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		// The items cut short failed for that alone.
		return fmt.Errorf("check interrupted: %w", err)
	}
	if !ok {
		return &exitError{code: exitFailure}
	}
	return nil
}

// printChecklist prints the items and reports whether none failed.
func printChecklist(w io.Writer, file string, items []item) bool {
	fmt.Fprintf(w, "smsfail %s: check --config %s\n\n", version.String(), file)
	counts := map[string]int{}
	for _, it := range items {
		counts[it.state]++
		fmt.Fprintf(w, "  %s %-14s %s\n", it.state, it.name, indentRest(it.detail, 19))
		if it.fix != "" {
			fmt.Fprintf(w, "  %s %-14s fix: %s\n", " ", "", indentRest(it.fix, 24))
		}
	}
	ok := counts[passed] + counts[warning]
	fmt.Fprintf(w, "\n%d of %d passed", ok, len(items))
	if counts[failed] > 0 {
		fmt.Fprintf(w, ", %d failed", counts[failed])
	}
	if counts[skipped] > 0 {
		fmt.Fprintf(w, ", %d skipped", counts[skipped])
	}
	fmt.Fprintln(w, ".")
	return counts[failed] == 0
}

// checkJSON is `check --json`.
type checkJSON struct {
	Config  string          `json:"config"`
	Version string          `json:"version"`
	OK      bool            `json:"ok"`
	Passed  int             `json:"passed"`
	Failed  int             `json:"failed"`
	Skipped int             `json:"skipped"`
	Items   []checkItemJSON `json:"items"`
}

type checkItemJSON struct {
	Name   string `json:"name"`
	State  string `json:"state"` // passed, warning, failed, skipped
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// writeChecklistJSON writes the items as one JSON document and reports
// whether none failed.
func writeChecklistJSON(w io.Writer, file string, items []item) (bool, error) {
	states := map[string]string{passed: "passed", warning: "warning", failed: "failed", skipped: "skipped"}
	out := checkJSON{Config: file, Version: version.String(), Items: []checkItemJSON{}}
	for _, it := range items {
		out.Items = append(out.Items, checkItemJSON{Name: it.name, State: states[it.state], Detail: it.detail, Fix: it.fix})
		switch it.state {
		case passed, warning:
			out.Passed++
		case failed:
			out.Failed++
		case skipped:
			out.Skipped++
		}
	}
	out.OK = out.Failed == 0
	return out.OK, writeJSON(w, out)
}

// indentRest indents the lines after the first to line up under it.
func indentRest(s string, n int) string {
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+strings.Repeat(" ", n))
}
