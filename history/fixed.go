package history

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// findFixed asks the site database for successes of the open failures this
// run did not see, and returns those whose machine succeeded after its
// last failure, sorted by machine and advertisement.
func (r *Run) findFixed(ctx context.Context, open map[fkey]openRow, seen map[fkey]bool, nights []int64, successes Successes) ([]Fixed, error) {
	if successes == nil {
		return nil, nil
	}
	var since time.Time
	ads := map[string]bool{}
	for k, o := range open {
		if seen[k] {
			continue
		}
		ads[k.ad] = true
		if since.IsZero() || o.lastFailed.Before(since) {
			since = o.lastFailed
		}
	}
	if len(ads) == 0 {
		return nil, nil
	}
	list := make([]string, 0, len(ads))
	for ad := range ads {
		list = append(list, ad)
	}
	sort.Strings(list)
	latest := map[fkey]time.Time{}
	err := successes.Successes(ctx, since, r.spec.Until, list, func(machine, ad string, at time.Time) error {
		k := keyOf(machine, ad)
		if o, ok := open[k]; ok && !seen[k] && at.After(o.lastFailed) && at.After(latest[k]) {
			latest[k] = at
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cannot read successes from the site database: %w", err)
	}
	fixed := make([]Fixed, 0, len(latest))
	for k, at := range latest {
		o := open[k]
		f := Fixed{Machine: o.machine, AdvertisementID: k.ad, CollectionID: o.collection, Cause: o.cause,
			FirstFailed: o.firstFailed, LastFailed: o.lastFailed, Succeeded: at.UTC(), Nights: nightsSince(nights, o.firstRun)}
		if o.exitCode.Valid {
			code := o.exitCode.Int64
			f.ExitCode = &code
		}
		fixed = append(fixed, f)
	}
	sort.Slice(fixed, func(i, j int) bool {
		if fixed[i].Machine != fixed[j].Machine {
			return fixed[i].Machine < fixed[j].Machine
		}
		return fixed[i].AdvertisementID < fixed[j].AdvertisementID
	})
	return fixed, nil
}

// causesOf counts the failures of run by cause; nil without a run.
func (h *DB) causesOf(ctx context.Context, run *RunRecord) (map[string]int, error) {
	if run == nil {
		return nil, nil
	}
	rows, err := h.db.QueryContext(ctx, `SELECT cause, COUNT(*) FROM findings WHERE run_id = ? GROUP BY cause`, run.ID)
	if err != nil {
		return nil, fmt.Errorf("cannot count the last night's causes: %w", err)
	}
	defer rows.Close()
	by := map[string]int{}
	for rows.Next() {
		var cause string
		var n int
		if err := rows.Scan(&cause, &n); err != nil {
			return nil, fmt.Errorf("cannot count the last night's causes: %w", err)
		}
		by[cause] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot count the last night's causes: %w", err)
	}
	return by, nil
}
