package history

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"smsfail"
)

// Status marks a failure against the failures still open from earlier nights.
type Status string

// Statuses.
const (
	StatusNew       Status = "new"       // not open before this run
	StatusRecurring Status = "recurring" // reported by an earlier night and not fixed since
)

// Mark is how one failure of this run stands against history.
type Mark struct {
	Status Status
	// Nights counts the nights it has been failing, this run included: 1
	// when new; for a recurring failure, the nightly runs since the one
	// that first reported it, plus this one.
	Nights int
	// FirstFailed is when it was first reported failing since it was last
	// fixed; this run's failure time when new.
	FirstFailed time.Time
}

// Fixed is a failure open from an earlier night that this run did not see
// failing again, whose machine has since reported success for the
// advertisement.
type Fixed struct {
	Machine         string
	AdvertisementID string
	CollectionID    string
	Cause           string // the cause last reported
	ExitCode        *int64
	FirstFailed     time.Time
	LastFailed      time.Time
	Succeeded       time.Time // the latest success after LastFailed
	Nights          int       // nights it had been failing
}

// Successes is where Mark learns which machines have since succeeded: the
// site database (*query.DB has this method). Successes calls fn for every
// machine and advertisement among adverts that reported success (status
// messages 10008, 10009, 10022) in [since, until), with the time of its
// latest success. Machine names compare case-insensitively.
type Successes interface {
	Successes(ctx context.Context, since, until time.Time, adverts []string,
		fn func(machine, advertisementID string, t time.Time) error) error
}

// CauseChange is one cause's count this run and in the night before.
type CauseChange struct {
	Cause  string // a cause identifier, or a fetch outcome for logs not read
	Now    int
	Before int
}

// Change is what changed since the last night.
type Change struct {
	Previous  *RunRecord // the night compared against; nil on the first night
	New       int
	Recurring int
	Fixed     int
	StillOpen int // open failures neither seen again nor fixed this run
	// Causes has every cause seen now or before, most frequent now first.
	Causes []CauseChange
}

// Marks is the outcome of marking a run's failures.
type Marks struct {
	ByKey  map[string]Mark // by smsfail.Failure.Key()
	Fixed  []Fixed         // by machine, then advertisement
	Change Change
	Counts smsfail.Counts
}

// RunSpec describes a run about to be marked and committed.
type RunSpec struct {
	Kind           Kind
	Advertisements []string  // the advertisements a run by hand covers, none for all
	Since, Until   time.Time // the status-message window, [Since, Until)
	Started        time.Time
	// KeepNights is how many nights keep their failures, fixes and
	// deployment progress: a night's commit drops those of older runs,
	// keeping every run's counts and causes for the trend. 0 keeps all.
	KeepNights int
}

// Run is a run being recorded. Nothing is written before Commit.
type Run struct {
	h        *DB
	spec     RunSpec
	marks    *Marks
	base     int64 // the night marked against, 0 if none
	rows     []findingRow
	id       int64
	outcome  Outcome
	progress []Progress
}

// fkey identifies a failure in history as the site database compares
// names and IDs: case-insensitively (the query hands advertisement IDs
// on in upper case already).
type fkey struct{ machine, ad string }

func keyOf(machine, ad string) fkey { return fkey{strings.ToUpper(machine), strings.ToUpper(ad)} }

type findingRow struct {
	key         fkey
	f           smsfail.Failure
	cause       string
	mark        Mark
	firstRun    int64
	seenBefore  int
	lastFailure time.Time
}

type openRow struct {
	machine, collection, cause string
	exitCode                   sql.NullInt64
	firstFailed, lastFailed    time.Time
	firstRun                   int64
	seen                       int
}

// Begin starts recording a run. It writes nothing: a run that never
// commits leaves no trace.
func (h *DB) Begin(spec RunSpec) (*Run, error) {
	if spec.Kind != KindNightly && spec.Kind != KindOnce {
		return nil, fmt.Errorf("cannot begin a run of kind %q", spec.Kind)
	}
	if !spec.Since.Before(spec.Until) {
		return nil, fmt.Errorf("cannot begin a run: its window %s to %s is empty", spec.Since.UTC().Format(time.RFC3339), spec.Until.UTC().Format(time.RFC3339))
	}
	if spec.Kind == KindNightly && len(spec.Advertisements) > 0 {
		return nil, fmt.Errorf("cannot begin a nightly run of some advertisements (%s): nights cover all", strings.Join(spec.Advertisements, ", "))
	}
	spec.Advertisements = slices.Clone(spec.Advertisements)
	if spec.Started.IsZero() {
		spec.Started = time.Now()
	}
	return &Run{h: h, spec: spec}, nil
}

// Mark marks each result new or recurring, finds the open failures fixed
// since (asking successes once, for the open failures this run did not
// see; nil skips that), and counts the change since the last night.
// Commit then writes what Mark found.
func (r *Run) Mark(ctx context.Context, results []smsfail.Result, successes Successes) (*Marks, error) {
	if r.marks != nil {
		return nil, fmt.Errorf("cannot mark run: already marked")
	}
	base, err := r.h.lastNight(ctx, r.h.db)
	if err != nil {
		return nil, err
	}
	if base != nil && r.spec.Kind == KindNightly && !base.Until.Equal(r.spec.Since) {
		return nil, fmt.Errorf("cannot mark run: a nightly window must start where the last night (run %d) ended, %s, not at %s",
			base.ID, base.Until.Format(time.RFC3339Nano), r.spec.Since.UTC().Format(time.RFC3339Nano))
	}
	open, err := r.h.loadOpen(ctx, r.spec.Advertisements)
	if err != nil {
		return nil, err
	}
	nights, err := r.h.nightIDs(ctx)
	if err != nil {
		return nil, err
	}
	m := &Marks{ByKey: make(map[string]Mark, len(results)), Counts: smsfail.Count(slices.Values(results))}
	rows, err := markResults(results, open, nights, m)
	if err != nil {
		return nil, err
	}
	seen := make(map[fkey]bool, len(rows))
	for _, row := range rows {
		seen[row.key] = true
	}
	if m.Fixed, err = r.findFixed(ctx, open, seen, nights, successes); err != nil {
		return nil, err
	}
	m.Change.Fixed = len(m.Fixed)
	m.Change.StillOpen = countOpen(open, seen) - len(m.Fixed)
	m.Change.Previous = base
	if m.Change.Causes, err = r.h.causeChange(ctx, base, results); err != nil {
		return nil, err
	}
	r.marks, r.rows = m, rows
	if base != nil {
		r.base = base.ID
	}
	return m, nil
}

func countOpen(open map[fkey]openRow, seen map[fkey]bool) int {
	n := 0
	for k := range open {
		if !seen[k] {
			n++
		}
	}
	return n
}

func markResults(results []smsfail.Result, open map[fkey]openRow, nights []int64, m *Marks) ([]findingRow, error) {
	rows := make([]findingRow, 0, len(results))
	dup := make(map[fkey]bool, len(results))
	for _, res := range results {
		f := res.Failure
		k := keyOf(f.Machine, f.AdvertisementID)
		if dup[k] {
			return nil, fmt.Errorf("cannot mark run: %s failed %s twice in the results; the query reports the latest failure per machine and advertisement", f.Machine, f.AdvertisementID)
		}
		dup[k] = true
		row := findingRow{key: k, f: f, cause: res.Bucket(), lastFailure: f.Time}
		if o, ok := open[k]; ok {
			row.mark = Mark{Status: StatusRecurring, Nights: nightsSince(nights, o.firstRun) + 1, FirstFailed: o.firstFailed}
			row.firstRun, row.seenBefore = o.firstRun, o.seen
			if o.lastFailed.After(row.lastFailure) {
				row.lastFailure = o.lastFailed
			}
			m.Change.Recurring++
		} else {
			row.mark = Mark{Status: StatusNew, Nights: 1, FirstFailed: f.Time.UTC()}
			m.Change.New++
		}
		m.ByKey[f.Key()] = row.mark
		rows = append(rows, row)
	}
	return rows, nil
}

// nightsSince counts the nights from run first on; nights is sorted.
func nightsSince(nights []int64, first int64) int {
	i := sort.Search(len(nights), func(i int) bool { return nights[i] >= first })
	return len(nights) - i
}

func (h *DB) nightIDs(ctx context.Context) ([]int64, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT id FROM runs WHERE kind = ? AND outcome != ? ORDER BY id`, KindNightly, OutcomeFailed)
	if err != nil {
		return nil, fmt.Errorf("cannot list nights in %s: %w", h.path, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("cannot list nights in %s: %w", h.path, err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// loadOpen reads the open failures, of some advertisements when ads are
// given.
func (h *DB) loadOpen(ctx context.Context, ads []string) (map[fkey]openRow, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT machine_key, advertisement, machine, collection, cause, exit_code,
		first_failed, last_failed, first_run, seen FROM open_failures`)
	if err != nil {
		return nil, fmt.Errorf("cannot read open failures from %s: %w", h.path, err)
	}
	defer rows.Close()
	open := make(map[fkey]openRow)
	for rows.Next() {
		var k fkey
		var o openRow
		var first, last string
		if err := rows.Scan(&k.machine, &k.ad, &o.machine, &o.collection, &o.cause, &o.exitCode, &first, &last, &o.firstRun, &o.seen); err != nil {
			return nil, fmt.Errorf("cannot read open failures from %s: %w", h.path, err)
		}
		if len(ads) > 0 && !slices.Contains(ads, k.ad) {
			continue
		}
		if o.firstFailed, err = parseTime(first); err != nil {
			return nil, fmt.Errorf("cannot read open failures from %s: %w", h.path, err)
		}
		if o.lastFailed, err = parseTime(last); err != nil {
			return nil, fmt.Errorf("cannot read open failures from %s: %w", h.path, err)
		}
		open[k] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read open failures from %s: %w", h.path, err)
	}
	return open, nil
}
