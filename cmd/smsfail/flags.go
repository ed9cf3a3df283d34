package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
)

// newFlagSet makes a flag set whose usage (the text, the flags and the
// trailer: environment variables, exit codes) goes to stdout when --help was
// asked for and to stderr after a mistake.
func newFlagSet(a *app, name, usage, trailer string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(&flagOutput{a: a})
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), trailer)
	}
	return fs
}

// flagOutput sends the flag package's output to stdout for --help and to
// stderr otherwise.
type flagOutput struct {
	a    *app
	help bool
}

func (o *flagOutput) Write(p []byte) (int, error) {
	if o.help {
		return o.a.stdout.Write(p)
	}
	return o.a.stderr.Write(p)
}

// parseFlags parses args; --help is a success, a bad flag a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if o, ok := fs.Output().(*flagOutput); ok {
		o.help = slices.ContainsFunc(args, func(s string) bool {
			return s == "-h" || s == "--h" || s == "-help" || s == "--help"
		})
	}
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return &exitError{code: exitOK}
	}
	if err != nil {
		return &exitError{code: exitUsage}
	}
	return nil
}

// parseFlagsOnly parses args for a command that takes flags only: a word
// left over is a wrong command line, never dropped (`run --config F
// KID2000A` would otherwise run a whole night).
func parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("%s: unexpected argument %q; see 'smsfail %s --help'", fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}

// logOptions are the logging flags every long-running command takes.
type logOptions struct {
	level  string
	format string
}

func (o *logOptions) flags(fs *flag.FlagSet) { o.flagsWithLevel(fs, "info") }

func (o *logOptions) flagsWithLevel(fs *flag.FlagSet, level string) {
	fs.StringVar(&o.level, "log-level", level, "log `level`: debug, info, warn, error")
	fs.StringVar(&o.format, "log-format", "text", "log `format` on stderr: text or json")
}

func (o *logOptions) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(o.level)); err != nil {
		return nil, usageError("--log-level: %q is not one of debug, info, warn, error", o.level)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch strings.ToLower(o.format) {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError("--log-format: %q is not text or json", o.format)
}
