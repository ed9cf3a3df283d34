package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"smsfail/config"
	"smsfail/demosite"
)

func demoCommand() command {
	return command{name: "demo", summary: "build the demo site and run the real job on it", run: runDemo}
}

const demoUsage = `Usage: smsfail demo [flags]

Builds a demo SMS site in a folder (a SQLite site database with the real view
names and a folder of client logs), writes smsfail.yaml for it, and runs the
real job against it through the same code path as 'smsfail run'.
Run it again with: smsfail run --config <dir>/smsfail.yaml --since 7d
It exits 0 when the job ran, not 3: the demo site's unreachable hosts and
missing logs are there on purpose.

Flags:
`

// demoExitCodes are the exit codes of demo: its unreachable hosts are
// there on purpose, and it mails nothing.
var demoExitCodes = exitCodes(
	exitDoc{exitOK, "the demo site was built and the job ran on it"},
	exitDoc{exitFailure, "the demo site could not be built, or the job could not run"},
	exitDocUsage,
	exitDocInterrupted,
)

type demoOptions struct {
	dir     string
	clients int
	seed    int64
	days    int
	run     runOptions
}

func runDemo(ctx context.Context, a *app, args []string) error {
	var o demoOptions
	fs := newFlagSet(a, "demo", demoUsage, envHelp+demoExitCodes)
	fs.StringVar(&o.dir, "dir", "demo-site", "`folder` to build the demo site in (rebuilt if it holds one already)")
	fs.IntVar(&o.clients, "clients", 500, "number of `clients` on the site")
	fs.Int64Var(&o.seed, "seed", 1, "generator `seed`: the same seed builds the same site")
	fs.IntVar(&o.days, "days", 7, "`days` of status messages")
	fs.StringVar(&o.run.out, "out", "", "write the workbook to this `path` (default: under <dir>/reports)")
	o.run.logs.flags(fs)
	if err := parseFlagsOnly(fs, args); err != nil {
		return err
	}
	if o.clients < 10 || o.days < 1 {
		return usageError("--clients must be at least 10 and --days at least 1")
	}
	cfgPath, truth, err := buildDemo(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Demo site: %d clients in %s (configuration: %s)\n\n", o.clients, o.dir, cfgPath)
	cfg, err := config.Load(cfgPath, a.getenv)
	if err != nil {
		return err
	}
	o.run.since, o.run.until = truth.Since.Format(time.RFC3339Nano), truth.Now.Format(time.RFC3339Nano)
	err = runJob(ctx, a, cfg, o.run)
	var ee *exitError
	if errors.As(err, &ee) && ee.code == exitIncomplete && ee.err == nil {
		// The demo site has offline hosts and missing logs on purpose.
		return nil
	}
	return err
}

// buildDemo (re)builds the demo site in o.dir and writes its configuration.
func buildDemo(ctx context.Context, o demoOptions) (string, *demosite.Truth, error) {
	if err := clearDemo(o.dir); err != nil {
		return "", nil, err
	}
	truth, err := demosite.Generate(ctx, o.dir, demosite.Options{Seed: o.seed, Clients: o.clients, Days: o.days, Now: time.Now().UTC()})
	if err != nil {
		return "", nil, fmt.Errorf("cannot build the demo site in %s: %w", o.dir, err)
	}
	cfgPath := filepath.Join(o.dir, "smsfail.yaml")
	if err := os.WriteFile(cfgPath, []byte(demoConfig), 0o644); err != nil {
		return "", nil, fmt.Errorf("cannot write the demo configuration: %w", err)
	}
	return cfgPath, truth, nil
}

// clearDemo removes an earlier demo site from dir, and refuses a folder
// that holds anything else.
func clearDemo(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", dir, err)
	}
	demo := map[string]bool{"site.db": true, "clients": true, "truth.json": true, "smsfail.yaml": true, "reports": true, "state": true}
	isDemo := false
	for _, e := range entries {
		if !demo[e.Name()] && !isSQLiteSidecar(e.Name()) {
			return fmt.Errorf("%s holds %s, which is not part of a demo site: give another --dir", dir, e.Name())
		}
		isDemo = isDemo || e.Name() == "site.db" || e.Name() == "truth.json"
	}
	if !isDemo && len(entries) > 0 {
		return fmt.Errorf("%s is not empty and holds no demo site: give another --dir", dir)
	}
	// The history of an earlier site would mark this one's failures.
	for _, name := range []string{"site.db", "site.db-journal", "site.db-wal", "site.db-shm", "clients", "truth.json", "state"} {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("cannot clear the old demo site: %w", err)
		}
	}
	return nil
}

func isSQLiteSidecar(name string) bool {
	for _, s := range []string{"-journal", "-wal", "-shm"} {
		if name == "site.db"+s {
			return true
		}
	}
	return false
}

// demoConfig is the configuration of the demo site: the embedded SQLite
// site database and the local folder of client logs, paths relative to it.
const demoConfig = `# Configuration of the demo site, written by 'smsfail demo'.
# The same file format as production: see config.example.yaml.
site:
  code: KID
  name: Demo site
database:
  driver: sqlite
  path: site.db
  route: auto
logs:
  source: local
  root: clients
report:
  dir: reports
state:
  dir: state
`
