package history

import (
	"smsfail"

	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// schemaV2 keeps what the trend needs of every run once its failures are
// pruned: the failures per cause, and each night's deployment progress.
// Existing runs get their causes from their findings.
const schemaV2 = `
CREATE TABLE run_causes (
	run_id   INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	cause    TEXT NOT NULL,
	failures INTEGER NOT NULL,
	PRIMARY KEY (run_id, cause)
);
INSERT INTO run_causes (run_id, cause, failures) SELECT run_id, cause, COUNT(*) FROM findings GROUP BY run_id, cause;
CREATE TABLE progress (
	run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	advertisement   TEXT NOT NULL,
	name            TEXT NOT NULL,
	collection      TEXT NOT NULL,
	collection_name TEXT NOT NULL,
	targeted        INTEGER NOT NULL,
	succeeded       INTEGER NOT NULL,
	failed          INTEGER NOT NULL,
	PRIMARY KEY (run_id, advertisement)
);
CREATE INDEX runs_until ON runs (kind, until);
`

// Progress is how far one advertisement had got in a night, as the
// history keeps it.
type Progress = smsfail.Progress

// SetProgress gives the deployment progress the site database showed
// this run; Commit records it with the run.
func (r *Run) SetProgress(p []Progress) { r.progress = slices.Clone(p) }

// ProgressOf reads the deployment progress run id recorded, by
// advertisement; none when the run recorded none or it was pruned.
func (h *DB) ProgressOf(ctx context.Context, id int64) ([]Progress, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT advertisement, name, collection, collection_name, targeted, succeeded, failed
		FROM progress WHERE run_id = ? ORDER BY advertisement`, id)
	if err != nil {
		return nil, fmt.Errorf("cannot read the deployment progress of run %d: %w", id, err)
	}
	defer rows.Close()
	var out []Progress
	for rows.Next() {
		var p Progress
		if err := rows.Scan(&p.AdvertisementID, &p.AdvertisementName, &p.CollectionID, &p.CollectionName, &p.Targeted, &p.Succeeded, &p.Failed); err != nil {
			return nil, fmt.Errorf("cannot read the deployment progress of run %d: %w", id, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the deployment progress of run %d: %w", id, err)
	}
	return out, nil
}

// insertTrend records the run's failures per cause and its deployment
// progress.
func (r *Run) insertTrend(ctx context.Context, tx *sql.Tx) error {
	for cause, n := range r.causeCounts() {
		if _, err := tx.ExecContext(ctx, `INSERT INTO run_causes (run_id, cause, failures) VALUES (?, ?, ?)`, r.id, cause, n); err != nil {
			return fmt.Errorf("cannot record the run's causes: %w", err)
		}
	}
	for _, p := range r.progress {
		if _, err := tx.ExecContext(ctx, `INSERT INTO progress (run_id, advertisement, name, collection, collection_name, targeted, succeeded, failed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.id, p.AdvertisementID, p.AdvertisementName, p.CollectionID, p.CollectionName, p.Targeted, p.Succeeded, p.Failed); err != nil {
			return fmt.Errorf("cannot record the progress of %s: %w", p.AdvertisementID, err)
		}
	}
	return nil
}

func (r *Run) causeCounts() map[string]int {
	by := map[string]int{}
	for _, row := range r.rows {
		by[row.cause]++
	}
	return by
}

// prune drops the failures, fixes and progress of the runs before the
// last KeepNights nights. The runs themselves and their causes stay: a
// year of them is a few hundred kilobytes, and the trend and the nights
// count of a failure open for long read them.
func (r *Run) prune(ctx context.Context, tx *sql.Tx) error {
	if r.spec.KeepNights <= 0 {
		return nil
	}
	var oldest int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM runs WHERE kind = ? AND outcome != ? ORDER BY id DESC LIMIT 1 OFFSET ?`,
		KindNightly, OutcomeFailed, r.spec.KeepNights-1).Scan(&oldest)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot find the oldest night to keep: %w", err)
	}
	for _, table := range []string{"findings", "fixed", "progress"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE run_id < ?`, oldest); err != nil {
			return fmt.Errorf("cannot drop the %s of runs before run %d: %w", table, oldest, err)
		}
	}
	return nil
}

// TrendNight is one day of the trend, in the site's time zone: the night
// whose window ended that day.
type TrendNight struct {
	Date time.Time // midnight at the start of the day, in the site's time zone
	// Run is the last night that wrote its report that day; nil when
	// none did. Runs counts them: more than one when a night was run
	// again by hand as a nightly run.
	Run  *RunRecord
	Runs int
	// Failed is the last night that failed that day, when none wrote
	// its report; nil when no night ran at all.
	Failed *RunRecord
	// Causes counts Run's failures per cause.
	Causes map[string]int
	// Current marks the night being written, not recorded yet.
	Current bool
}

// State says what became of the day's night: "ran", "failed" or
// "did not run".
func (n TrendNight) State() string {
	switch {
	case n.Run != nil:
		return "ran"
	case n.Failed != nil:
		return "failed"
	}
	return "did not run"
}

// Trend lists the last nights days up to this run's day, oldest first,
// for the trend: every day a row, the days no night ran and the nights
// that failed included, but none before the first night recorded. A
// nightly run adds itself as the last night, with the counts and causes
// it marked; a run by hand shows the nights only.
func (r *Run) Trend(ctx context.Context, nights int, loc *time.Location) ([]TrendNight, error) {
	if nights <= 0 {
		return nil, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	end := r.spec.Started
	if r.spec.Kind == KindNightly {
		end = r.spec.Until
	}
	last := day(end, loc)
	first := time.Date(last.Year(), last.Month(), last.Day()-(nights-1), 0, 0, 0, 0, loc)
	runs, causes, err := r.h.trendRuns(ctx, first)
	if err != nil {
		return nil, err
	}
	if r.spec.Kind == KindNightly && r.marks != nil {
		cur := r.pending()
		runs = append(runs, cur)
		causes[cur.ID] = r.causeCounts()
	}
	return trendDays(first, last, loc, runs, causes), nil
}

// pending is this run as the trend shows it before it is committed.
func (r *Run) pending() RunRecord {
	rec := RunRecord{ID: -1, Kind: r.spec.Kind, Since: r.spec.Since, Until: r.spec.Until, Started: r.spec.Started,
		Outcome: OutcomeOK, Counts: r.counts, New: r.marks.Change.New, Recurring: r.marks.Change.Recurring, Fixed: r.marks.Change.Fixed}
	if rec.Counts.NotRead > 0 {
		rec.Outcome = OutcomeIncomplete
	}
	return rec
}

func day(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// trendRuns reads the nights whose window ended from first on, and their
// causes by run.
func (h *DB) trendRuns(ctx context.Context, first time.Time) ([]RunRecord, map[int64]map[string]int, error) {
	from := fmtTime(first.Add(-time.Hour))
	rows, err := h.db.QueryContext(ctx, selectRuns+` WHERE kind = ? AND until >= ? ORDER BY id`, KindNightly, from)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the nights of the trend from %s: %w", h.path, err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the nights of the trend from %s: %w", h.path, err)
	}
	causes := map[int64]map[string]int{}
	crows, err := h.db.QueryContext(ctx, `SELECT c.run_id, c.cause, c.failures FROM run_causes c JOIN runs r ON r.id = c.run_id
		WHERE r.kind = ? AND r.until >= ?`, KindNightly, from)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the causes of the trend from %s: %w", h.path, err)
	}
	defer crows.Close()
	for crows.Next() {
		var id int64
		var cause string
		var n int
		if err := crows.Scan(&id, &cause, &n); err != nil {
			return nil, nil, fmt.Errorf("cannot read the causes of the trend from %s: %w", h.path, err)
		}
		if causes[id] == nil {
			causes[id] = map[string]int{}
		}
		causes[id][cause] = n
	}
	if err := crows.Err(); err != nil {
		return nil, nil, fmt.Errorf("cannot read the causes of the trend from %s: %w", h.path, err)
	}
	return runs, causes, nil
}

// trendDays puts the runs, in the order they ran, on the days from first
// to last, and drops the days before the first one with a night.
func trendDays(first, last time.Time, loc *time.Location, runs []RunRecord, causes map[int64]map[string]int) []TrendNight {
	var days []TrendNight
	index := map[time.Time]int{}
	for d := first; !d.After(last); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
		index[d] = len(days)
		days = append(days, TrendNight{Date: d})
	}
	for i := range runs {
		rec := &runs[i]
		at, ok := index[day(rec.Until, loc)]
		if !ok {
			continue
		}
		n := &days[at]
		if rec.Outcome == OutcomeFailed {
			n.Failed = rec
			continue
		}
		n.Run, n.Causes, n.Current = rec, causes[rec.ID], rec.ID == -1
		n.Runs++
	}
	for i, n := range days {
		if n.Run != nil || n.Failed != nil {
			return days[i:]
		}
	}
	return nil
}

// CauseMove is how one cause's failures changed between two nights.
type CauseMove struct {
	Cause  string
	Before int
	Now    int
}

// Change is Now - Before.
func (m CauseMove) Change() int { return m.Now - m.Before }

// Movers compares the causes of the last night that ran with those of
// the night that ran before it (sinceLast) and with those of the first
// night of the trend that ran (overWindow), each sorted by the size of
// the change, largest first, at most n of each and no cause that did not
// change.
func Movers(nights []TrendNight, n int) (sinceLast, overWindow []CauseMove) {
	var ran []TrendNight
	for _, night := range nights {
		if night.Run != nil {
			ran = append(ran, night)
		}
	}
	if len(ran) < 2 {
		return nil, nil
	}
	last := ran[len(ran)-1].Causes
	return moves(ran[len(ran)-2].Causes, last, n), moves(ran[0].Causes, last, n)
}

func moves(before, now map[string]int, n int) []CauseMove {
	var out []CauseMove
	for cause := range keysOf(before, now) {
		if m := (CauseMove{Cause: cause, Before: before[cause], Now: now[cause]}); m.Change() != 0 {
			out = append(out, m)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := abs(out[i].Change()), abs(out[j].Change())
		if a != b {
			return a > b
		}
		if out[i].Change() != out[j].Change() {
			return out[i].Change() > out[j].Change()
		}
		return strings.Compare(out[i].Cause, out[j].Cause) < 0
	})
	return out[:min(len(out), n)]
}

func keysOf(maps ...map[string]int) map[string]bool {
	keys := map[string]bool{}
	for _, m := range maps {
		for k := range m {
			keys[k] = true
		}
	}
	return keys
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
