// Command smsfail reads why advertised programs failed on SMS / ConfigMgr
// clients: it queries the site database for failures, fetches each failing
// client's log over the admin share, reads the cause out of it and writes an
// Excel workbook. main only wires: every subcommand lives in a file of its
// own and returns an error that main turns into an exit code.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/spf13/pflag"
)

// Exit codes, documented in the help and the README.
const (
	exitOK          = 0 // the job finished and every log it needed was read
	exitFailure     = 1 // the job could not run: configuration, site database, workbook, lock held
	exitUsage       = 2 // wrong command line
	exitIncomplete  = 3 // finished, but some logs could not be read (hosts unreachable, denied, missing)
	exitMailFailed  = 4 // the workbook was written but the mail could not be delivered
	exitInterrupted = 130
)

// app is what every subcommand gets: where to write and how to read the
// environment, so tests can run a command in-process.
type app struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// jsonErrors says the command line asked for JSON logs: the error
	// that ends the command is then a JSON line too.
	jsonErrors bool
	// describe, when set, receives the command's flag set in place of
	// parsing: the command stops there (shell completion lists flags so).
	describe func(fs *pflag.FlagSet)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
	hidden  bool // left out of the help: the shell completion's helper
}

// exitError carries a non-default exit code out of a subcommand.
type exitError struct {
	code int
	err  error
	hint string // a second line: where to read more
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks a wrong command line: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// commandUsageError is a wrong command line for cmd: the error, then
// where its help is.
func commandUsageError(cmd, format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...), hint: fmt.Sprintf("see 'smsfail %s --help'", cmd)}
}

func commands() []command {
	cmds := []command{
		checkCommand(),
		classifyCommand(),
		completionCommand(),
		completeCommand(),
		demoCommand(),
		rulesCommand(),
		runCommand(),
		serveCommand(),
		serviceCommand(),
		versionCommand(),
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, jsonErrors: jsonLogs(os.Args[1:])}
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal cancels, which may take serve a grace period;
		// a second one ends the process at once. The workbook and the
		// history are safe against that, as against any kill.
		<-signals
		cancel()
		<-signals
		a.printError(errors.New("interrupted again: stopping at once"), "", exitInterrupted)
		os.Exit(exitInterrupted)
	}()
	os.Exit(dispatch(ctx, a, os.Args[1:]))
}

// dispatch runs the subcommand named by args[0] and returns the exit code.
func dispatch(ctx context.Context, a *app, args []string) int {
	a.jsonErrors = a.jsonErrors || jsonLogs(args)
	if len(args) == 0 {
		printHelp(a.stdout)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help":
		printHelp(a.stdout)
		return exitOK
	case "help":
		if len(args) == 1 {
			printHelp(a.stdout)
			return exitOK
		}
		return dispatch(ctx, a, []string{args[1], "--help"})
	case "--version", "-version":
		return dispatch(ctx, a, append([]string{"version"}, args[1:]...))
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(ctx, a, c.run(ctx, a, args[1:]))
		}
	}
	return exitCode(ctx, a, &exitError{code: exitUsage, err: fmt.Errorf("unknown command %q", args[0]), hint: "see 'smsfail help'"})
}

func exitCode(ctx context.Context, a *app, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return ee.code
	}
	code := exitFailure
	switch {
	case closedPipe(err):
		// The reader went away (`smsfail rules | head -1`): nothing
		// more to say to anyone.
		return exitOK
	case errors.As(err, &ee):
		code = ee.code
	case ctx.Err() != nil:
		code = exitInterrupted
	}
	hint := ""
	if ee != nil {
		hint = ee.hint
	}
	a.printError(err, hint, code)
	return code
}

// printError writes the error that ends the command, and the hint after
// it: two lines of text, or one JSON line under --log-format json.
func (a *app) printError(err error, hint string, code int) {
	if a.jsonErrors {
		attrs := []any{"exit", code}
		if hint != "" {
			attrs = append(attrs, "hint", hint)
		}
		slog.New(slog.NewJSONHandler(a.stderr, nil)).Error(err.Error(), attrs...)
		return
	}
	fmt.Fprintf(a.stderr, "smsfail: %v\n", err)
	if hint != "" {
		fmt.Fprintln(a.stderr, hint)
	}
}

// jsonLogs reports whether the command line asks for JSON logs, before
// any flag is parsed: a command line that does not parse is answered in
// the format it asked for.
func jsonLogs(args []string) bool {
	for i, arg := range args {
		if arg == "--" {
			return false
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if name != "log-format" || !strings.HasPrefix(arg, "-") {
			continue
		}
		if !hasValue && i+1 < len(args) {
			value = args[i+1]
		}
		return strings.EqualFold(value, "json")
	}
	return false
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, "smsfail reads why advertised programs failed on SMS / ConfigMgr clients.\n\n"+
		"Usage: smsfail <command> [flags]\n       smsfail help <command>\n       smsfail --version\n\nCommands:\n")
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
		}
	}
	fmt.Fprint(w, "\nEvery command takes --help.\n"+exitCodesHelp)
}

// exitCodesHelp lists every exit code, for the main help; each command's
// help lists those it can return (exitCodes).
const exitCodesHelp = `
Exit codes:
  0    finished; every log the job needed was read
  1    could not run: configuration, site database, workbook, or another run
       holds the state folder's lock (without --wait); check: an item failed
  2    wrong command line
  3    finished, but some logs could not be read (see the Unreachable sheet)
  4    the workbook was written but the mail could not be delivered (before 3)
  130  interrupted
`

// exitDoc is one exit code as a command's help explains it.
type exitDoc struct {
	code int
	text string
}

// The exit codes whose meaning is the same for every command.
var (
	exitDocUsage       = exitDoc{exitUsage, "wrong command line"}
	exitDocInterrupted = exitDoc{exitInterrupted, "interrupted (Ctrl-C, SIGTERM)"}
)

// exitCodes is the "Exit codes" part of a command's help: only the codes
// it can return.
func exitCodes(docs ...exitDoc) string {
	var b strings.Builder
	b.WriteString("\nExit codes:\n")
	for _, d := range docs {
		fmt.Fprintf(&b, "  %-4d %s\n", d.code, strings.ReplaceAll(d.text, "\n", "\n       "))
	}
	return b.String()
}
