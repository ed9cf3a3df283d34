package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"smsfail"
	"smsfail/classify"
	"smsfail/logtext"
)

func classifyCommand() command {
	return command{name: "classify", summary: "read the cause out of local log files", run: runClassify}
}

const classifyUsage = `Usage: smsfail classify [--json] [--explain] [--rules FILE] [--codepage NAME] [-v] FILE...

Reads each log (svcpack.log, KB*.log, an MSI verbose log, MsiInstaller
event text, or what a deployment tool printed) and prints the cause of the
failure it shows and how directly the evidence decided it (confidence): a
table, or with --json one JSON object per file per line. --explain adds
which rules matched, why the deciding one won and which error lines were
set aside. Flags may come before or after the files; after --, every word
is a file. On Windows a FILE may hold wildcards (C:\logs\*.log), which
smsfail expands itself: cmd.exe and PowerShell do not.

Flags:
`

const classifyTrailer = `
Environment:
  none: classify reads only the files and the rules file it is given.

Exit codes:
  0    every file was read (whatever the causes)
  1    the rules file is wrong
  2    wrong command line
  3    some files could not be read
  130  interrupted (Ctrl-C, SIGTERM)
`

// classifyOptions are the flags of smsfail classify.
type classifyOptions struct {
	json     bool
	explain  bool
	verbose  bool
	rules    string
	codepage string
}

func runClassify(ctx context.Context, a *app, args []string) error {
	var opts classifyOptions
	fs := newFlagSet(a, "classify", classifyUsage, classifyTrailer)
	fs.BoolVar(&opts.json, "json", false, "print one JSON object per file per line")
	fs.BoolVarP(&opts.verbose, "verbose", "v", false, "print the remediation and evidence lines under the table")
	fs.BoolVar(&opts.explain, "explain", false, "say which rules matched and why the deciding one won")
	fs.StringVar(&opts.rules, "rules", "", "rules `FILE` to lay over the built-in rules")
	fs.StringVar(&opts.codepage, "codepage", logtext.DefaultCodepage, "preferred ANSI code `page` of logs that are neither UTF-16 nor UTF-8; each log is guessed (windows-1251, cp1251, 1251, ...)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("classify: name at least one log file")
	}
	if err := logtext.ValidCodepage(opts.codepage); err != nil {
		return usageError("classify: %v", err)
	}
	rules, err := loadRules(opts.rules)
	if err != nil {
		return err
	}
	files, unmatched := expandWildcards(fs.Args())
	for _, err := range unmatched {
		fmt.Fprintf(a.stderr, "smsfail: %v\n", err)
	}
	if err := classifyFiles(ctx, a, rules, opts, files); err != nil || len(unmatched) == 0 {
		return err
	}
	return &exitError{code: exitIncomplete, err: fmt.Errorf("%d of %d arguments matched no file", len(unmatched), fs.NArg())}
}

// fileFinding is one line of --json output.
type fileFinding struct {
	File        string                `json:"file"`
	Kind        smsfail.LogKind       `json:"kind"`
	Cause       string                `json:"cause"`
	Title       string                `json:"title"`
	Remediation string                `json:"remediation"`
	Codes       []smsfail.Code        `json:"codes"`
	Action      string                `json:"action"`
	Evidence    []smsfail.Evidence    `json:"evidence"`
	Rule        string                `json:"rule"`
	Confidence  string                `json:"confidence"`
	Explanation *classify.Explanation `json:"explanation,omitempty"` // with --explain
}

func classifyFiles(ctx context.Context, a *app, rules *classify.Rules, opts classifyOptions, files []string) error {
	var found []fileFinding
	failed := 0
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, x, err := classifyFile(rules, name, opts.codepage)
		if err != nil {
			fmt.Fprintf(a.stderr, "smsfail: %v\n", err)
			failed++
			continue
		}
		ff := fileFinding{File: name, Kind: f.Kind, Cause: f.Cause, Title: f.Title, Remediation: f.Remediation,
			Codes: f.Codes, Action: f.Action, Evidence: f.Evidence, Rule: f.Rule, Confidence: f.Confidence}
		if opts.explain {
			ff.Explanation = &x
		}
		if opts.json {
			if err := enc.Encode(ff); err != nil {
				return fmt.Errorf("cannot write output: %w", err)
			}
			continue
		}
		found = append(found, ff)
	}
	if !opts.json {
		if err := printFindings(a.stdout, found, opts.verbose || opts.explain); err != nil {
			return fmt.Errorf("cannot write output: %w", err)
		}
	}
	if failed > 0 {
		return &exitError{code: exitIncomplete, err: fmt.Errorf("%d of %d files could not be read", failed, len(files))}
	}
	return nil
}

func classifyFile(rules *classify.Rules, name, codepage string) (smsfail.Finding, classify.Explanation, error) {
	var x classify.Explanation
	f, err := os.Open(name)
	if err != nil {
		return smsfail.Finding{}, x, fmt.Errorf("cannot read %s: %w", name, err)
	}
	defer f.Close()
	rd, err := logtext.NewReader(f, codepage)
	if err != nil {
		return smsfail.Finding{}, x, err
	}
	finding, x, err := rules.Explain(rd)
	if err != nil {
		return smsfail.Finding{}, x, fmt.Errorf("cannot classify %s: %w", name, err)
	}
	return finding, x, nil
}

func printFindings(w io.Writer, found []fileFinding, verbose bool) error {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tKIND\tCAUSE\tCONFIDENCE\tACTION\tCODES\tTITLE")
	for _, f := range found {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.File, f.Kind, f.Cause, f.Confidence, dash(f.Action), dash(codeList(f.Codes)), f.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if !verbose {
		return nil
	}
	for _, f := range found {
		fmt.Fprintf(w, "\n%s: %s (rule %s)\n  %s\n", f.File, f.Title, dash(f.Rule), f.Remediation)
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "  %6d  %s\n", e.Line, e.Text)
		}
		if f.Explanation != nil {
			printExplanation(w, f.Explanation)
		}
	}
	return nil
}

func printExplanation(w io.Writer, x *classify.Explanation) {
	fmt.Fprintf(w, "  why: %s\n", x.Decision)
	for _, c := range x.Considered {
		how := ""
		if c.ByText {
			how = ", by the words of its message"
		}
		fmt.Fprintf(w, "  matched: %s -> %s (priority %d, line %d%s)\n", c.Rule, c.Cause, c.Priority, c.Nearest, how)
	}
	for _, e := range x.SetAside {
		fmt.Fprintf(w, "  set aside: %6d  %s (%s)\n", e.Line, e.Text, e.Reason)
	}
}

func codeList(codes []smsfail.Code) string {
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = c.Kind + " " + c.Value
	}
	return strings.Join(parts, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
