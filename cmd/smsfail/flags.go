package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/pflag"
)

// newFlagSet makes a command's flag set. Flags may come anywhere on the
// line (`classify FILE --json`); --help prints the usage, the flags and the
// trailer (environment variables, exit codes) on stdout.
func newFlagSet(a *app, name, usage, trailer string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SortFlags = false // in the order the usage text explains them
	// pflag writes nothing itself with ContinueOnError; parseFlags
	// answers mistakes in two lines and --help in full.
	fs.SetOutput(&flagHelp{a: a, usage: usage, trailer: trailer})
	fs.Usage = func() {}
	return fs
}

// flagHelp carries what parseFlags needs besides the flags: the app, and
// the text around the flags in the help.
type flagHelp struct {
	a              *app
	usage, trailer string
}

func (h *flagHelp) Write(p []byte) (int, error) { return h.a.stderr.Write(p) }

// printHelp writes a command's help: the usage, its flags, the trailer.
func (h *flagHelp) print(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprint(w, h.usage)
	fmt.Fprint(w, fs.FlagUsagesWrapped(100))
	fmt.Fprint(w, h.trailer)
}

// errDescribed ends a command that was only asked for its flags.
var errDescribed = errors.New("flags described")

// parseFlags parses args; --help is a success, a bad flag a usage error
// that names the command's help.
func parseFlags(fs *pflag.FlagSet, args []string) error {
	h := fs.Output().(*flagHelp)
	if h.a.describe != nil {
		h.a.describe(fs)
		return errDescribed
	}
	err := fs.Parse(longFlags(fs, args))
	if errors.Is(err, pflag.ErrHelp) {
		h.print(h.a.stdout, fs)
		return &exitError{code: exitOK}
	}
	if err != nil {
		return commandUsageError(fs.Name(), "%s: %v", fs.Name(), err)
	}
	return nil
}

// parseFlagsOnly parses args for a command that takes flags only: a word
// left over is a wrong command line, never dropped (`run --config F
// KID2000A` would otherwise run a whole night).
func parseFlagsOnly(fs *pflag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return commandUsageError(fs.Name(), "%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// longFlags turns -name into --name for the command's long flags, as the
// Go flag package smsfail used before took them: a cron line written
// then (`run -config F`) still works.
func longFlags(fs *pflag.FlagSet, args []string) []string {
	out := make([]string, len(args))
	for i, arg := range args {
		out[i] = arg
		if arg == "--" {
			copy(out[i:], args[i:])
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(arg, "-"), "=")
		if len(name) > 1 && strings.HasPrefix(arg, "-") && !strings.HasPrefix(arg, "--") && fs.Lookup(name) != nil {
			out[i] = "-" + arg
		}
	}
	return out
}

// logOptions are the logging flags every long-running command takes.
type logOptions struct {
	level  string
	format string
}

func (o *logOptions) flags(fs *pflag.FlagSet) { o.flagsWithLevel(fs, "info") }

func (o *logOptions) flagsWithLevel(fs *pflag.FlagSet, level string) {
	fs.StringVar(&o.level, "log-level", level, "log `level`: debug, info, warn, error")
	fs.StringVar(&o.format, "log-format", "text", "log `format` on stderr: text or json")
	_ = fs.SetAnnotation("log-level", completionValues, []string{"debug", "info", "warn", "error"})
	_ = fs.SetAnnotation("log-format", completionValues, []string{"text", "json"})
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
