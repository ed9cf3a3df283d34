package jobs

import (
	"context"
	"strings"
	"time"

	"smsfail"
	"smsfail/fetch"
	"smsfail/history"
	"smsfail/query"
)

// Plan is what a run would do, worked out without doing it: the window and
// the query it would send, and the logs it would read on each host.
type Plan struct {
	Kind     history.Kind
	Since    time.Time
	Until    time.Time
	Lookback time.Time   // as Outcome.Lookback
	Filter   string      // the query's filter, as the workbook describes it
	Route    query.Route // the route that answered
	// AlreadyReported counts the failures from before Since that the
	// nights had reported, which the run would leave out.
	AlreadyReported int
	Reads           []PlannedRead // in the query's order
}

// PlannedRead is one failure and where its log would be looked for.
type PlannedRead struct {
	Failure smsfail.Failure
	// ValidHost is false for a machine name that cannot be a host: the
	// run would report it without trying.
	ValidHost bool
	// Paths are the UNC paths tried in turn, the first log found read;
	// empty when no path is known for the program.
	Paths []string
}

// Plan works out a run without doing it: it finds the window (from the
// history for a nightly run), sends the query to the site database (it
// only reads) and lists each failing host's log paths. It takes no lock,
// reads no client, writes no file and changes no history, so it may run
// beside a run.
func (j *Job) Plan(ctx context.Context, opts Options) (*Plan, error) {
	out := &Outcome{Kind: history.KindOnce, Started: j.now()}
	if opts.Nightly {
		out.Kind = history.KindNightly
	}
	if err := j.window(ctx, opts, out); err != nil {
		return nil, err
	}
	filter := j.filter(opts, out)
	failures, route, err := j.query(ctx, filter)
	if err == nil {
		failures, err = j.dropReported(ctx, failures, out)
	}
	if err != nil {
		return nil, err
	}
	p := &Plan{Kind: out.Kind, Since: out.Since, Until: out.Until, Lookback: out.Lookback,
		Filter: describeFilter(filter), Route: route, AlreadyReported: out.AlreadyReported}
	for _, f := range failures {
		r := PlannedRead{Failure: f, ValidHost: fetch.ValidHost(f.Machine)}
		if r.ValidHost {
			for _, lp := range j.Locator.Paths(f) {
				r.Paths = append(r.Paths, fetch.UNC(f.Machine, lp))
			}
		}
		p.Reads = append(p.Reads, r)
	}
	return p, nil
}

// Hosts counts the distinct hosts the run would read.
func (p *Plan) Hosts() int {
	seen := map[string]bool{}
	for _, r := range p.Reads {
		seen[strings.ToUpper(r.Failure.Machine)] = true
	}
	return len(seen)
}
