package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"smsfail/config"
	"smsfail/history"
	"smsfail/jobs"
	"smsfail/query"
)

// dryRun prints what `run` would do with these options: the window and
// the query, then each host and the log paths it would try. It sends the
// query (reading only) and nothing else: no client is read, no lock taken,
// no run folder made, no history changed or created.
func dryRun(ctx context.Context, a *app, cfg *config.Config, o runOptions, opts jobs.Options, logger *slog.Logger) error {
	job, err := newJob(cfg, logger)
	if err != nil {
		return err
	}
	defer closeSource(job.Source)
	// A first night has no history yet, and a dry run must not make one.
	if _, err := os.Stat(filepath.Join(cfg.State.Dir, history.FileName)); err == nil {
		hist, err := history.Open(ctx, cfg.State.Dir)
		if err != nil {
			return err
		}
		defer hist.Close()
		job.History = hist
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot read the state folder %s: %w", cfg.State.Dir, err)
	}
	db, err := query.Open(ctx, databaseConfig(cfg.Database, logger))
	if err != nil {
		return err
	}
	defer db.Close()
	job.Site = db
	plan, err := job.Plan(ctx, opts)
	if err != nil {
		return err
	}
	if o.json {
		return writeJSON(a.stdout, newPlanJSON(plan))
	}
	return printPlan(a.stdout, plan, cfg.Site.Location)
}

// printPlan shows the plan hosts first, each with its failures and the
// paths tried for each, in the order a run tries them.
func printPlan(w io.Writer, p *jobs.Plan, loc *time.Location) error {
	kind := "a run by hand"
	if p.Kind == history.KindNightly {
		kind = "a night"
	}
	fmt.Fprintf(w, "Dry run of %s: no log is read, nothing is written.\n", kind)
	fmt.Fprintf(w, "Query: failures from %s to %s", p.Since.In(loc).Format("2006-01-02 15:04"), p.Until.In(loc).Format("2006-01-02 15:04"))
	if !p.Lookback.IsZero() {
		fmt.Fprintf(w, " and late ones back to %s", p.Lookback.In(loc).Format("2006-01-02 15:04"))
	}
	fmt.Fprintf(w, "; %s; route %s\n", p.Filter, p.Route)
	if p.AlreadyReported > 0 {
		fmt.Fprintf(w, "Left out: %d failures from before the window that the nights already reported\n", p.AlreadyReported)
	}
	fmt.Fprintf(w, "Would read: %d failures on %d hosts\n", len(p.Reads), p.Hosts())
	last := ""
	for _, r := range p.Reads {
		f := r.Failure
		if host := strings.ToUpper(f.Machine); host != last {
			fmt.Fprintf(w, "\n%s\n", f.Machine)
			last = host
		}
		fmt.Fprintf(w, "  %s  %s / %s\n", f.AdvertisementID, orDefault(f.PackageName, f.PackageID), f.ProgramName)
		switch {
		case !r.ValidHost:
			fmt.Fprintln(w, "      not read: not a valid host name")
		case len(r.Paths) == 0:
			fmt.Fprintln(w, "      not read: no log path is known for this program (logs.programs)")
		}
		for _, path := range r.Paths {
			fmt.Fprintf(w, "      %s\n", path)
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// planJSON is `run --dry-run --json`.
type planJSON struct {
	DryRun          bool          `json:"dry_run"`
	Kind            string        `json:"kind"`
	Since           time.Time     `json:"since"`
	Until           time.Time     `json:"until"`
	Lookback        *time.Time    `json:"lookback,omitempty"`
	Filter          string        `json:"filter"`
	Route           string        `json:"route"`
	AlreadyReported int           `json:"already_reported"`
	Hosts           int           `json:"hosts"`
	Reads           []plannedRead `json:"reads"`
}

type plannedRead struct {
	Host          string    `json:"host"`
	Advertisement string    `json:"advertisement"`
	Package       string    `json:"package"`
	Program       string    `json:"program"`
	Collection    string    `json:"collection"`
	Time          time.Time `json:"time"`
	ValidHost     bool      `json:"valid_host"`
	Paths         []string  `json:"paths"`
}

func newPlanJSON(p *jobs.Plan) planJSON {
	out := planJSON{DryRun: true, Kind: string(p.Kind), Since: p.Since, Until: p.Until, Filter: p.Filter,
		Route: string(p.Route), AlreadyReported: p.AlreadyReported, Hosts: p.Hosts(), Reads: []plannedRead{}}
	if !p.Lookback.IsZero() {
		out.Lookback = &p.Lookback
	}
	for _, r := range p.Reads {
		f := r.Failure
		out.Reads = append(out.Reads, plannedRead{Host: f.Machine, Advertisement: f.AdvertisementID, Package: f.PackageID,
			Program: f.ProgramName, Collection: f.CollectionID, Time: f.Time, ValidHost: r.ValidHost, Paths: append([]string{}, r.Paths...)})
	}
	return out
}

// writeJSON writes v as one indented JSON document.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("cannot write output: %w", err)
	}
	return nil
}
