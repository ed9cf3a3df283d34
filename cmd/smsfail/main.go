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
	"os"
	"os/signal"
	"sort"
	"syscall"
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
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// exitError carries a non-default exit code out of a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError marks a wrong command line: exit code 2.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

func commands() []command {
	cmds := []command{
		checkCommand(),
		classifyCommand(),
		demoCommand(),
		rulesCommand(),
		runCommand(),
		serveCommand(),
		serviceCommand(),
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal cancels, which may take serve a grace period;
		// a second one ends the process at once. The workbook and the
		// history are safe against that, as against any kill.
		<-signals
		cancel()
		<-signals
		fmt.Fprintln(os.Stderr, "smsfail: interrupted again: stopping at once")
		os.Exit(exitInterrupted)
	}()
	a := &app{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(dispatch(ctx, a, os.Args[1:]))
}

// dispatch runs the subcommand named by args[0] and returns the exit code.
func dispatch(ctx context.Context, a *app, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printHelp(a.stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return exitCode(ctx, a, c.run(ctx, a, args[1:]))
		}
	}
	fmt.Fprintf(a.stderr, "smsfail: unknown command %q; run 'smsfail help'\n", args[0])
	return exitUsage
}

func exitCode(ctx context.Context, a *app, err error) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) && ee.err == nil {
		return ee.code
	}
	fmt.Fprintf(a.stderr, "smsfail: %v\n", err)
	switch {
	case errors.As(err, &ee):
		return ee.code
	case ctx.Err() != nil:
		return exitInterrupted
	default:
		return exitFailure
	}
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, "smsfail reads why advertised programs failed on SMS / ConfigMgr clients.\n\nUsage: smsfail <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, exitCodesHelp)
}

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
