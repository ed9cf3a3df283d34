package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"smsfail/classify"
)

func rulesCommand() command {
	return command{name: "rules", summary: "list the causes and classification rules in effect", run: runRules}
}

const rulesUsage = `Usage: smsfail rules [--rules FILE] [--json]

Lists the causes and the rules that classify logs: the built-in ones, and
those a rules file adds or overrides, with where each came from. A rules
file with a mistake is reported with its line, and exit code 1.

Flags:
`

const rulesTrailer = `
Environment:
  none: rules reads only the rules file it is given.

Exit codes:
  0    the rules are listed
  1    the rules file is wrong
  2    wrong command line
`

func runRules(ctx context.Context, a *app, args []string) error {
	var path string
	var asJSON bool
	fs := newFlagSet(a, "rules", rulesUsage, rulesTrailer)
	fs.StringVar(&path, "rules", "", "rules `FILE` to lay over the built-in rules")
	fs.BoolVar(&asJSON, "json", false, "print causes and rules as one JSON object")
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	rules, err := loadRules(path)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Causes []classify.Cause    `json:"causes"`
			Rules  []classify.RuleInfo `json:"rules"`
		}{rules.Causes(), rules.List()})
	}
	if err := printRules(a.stdout, rules); err != nil {
		return fmt.Errorf("cannot write output: %w", err)
	}
	return nil
}

func printRules(w io.Writer, rules *classify.Rules) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "CAUSE\tGROUP\tSOURCE\tTITLE")
	for _, c := range rules.Causes() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Group, c.Source, c.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tCAUSE\tKINDS\tSCOPE\tPRIORITY\tSOURCE\tMATCHES")
	for _, r := range rules.List() {
		kinds := make([]string, len(r.Kinds))
		for i, k := range r.Kinds {
			kinds[i] = string(k)
		}
		source := r.Source
		switch {
		case r.Disabled:
			source += " (disabled)"
		case r.Overridden:
			source += " (overrides built-in)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", r.ID, r.Cause, strings.Join(kinds, ","), r.Scope, r.Priority, source, r.Match)
	}
	return tw.Flush()
}
