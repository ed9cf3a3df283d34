package history

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"smsfail"
)

// A status message carries the time its client wrote it. A client off the
// network sends its messages when it comes back, so a failure can reach the
// site database after the night its time belongs to has run. A nightly run
// therefore also reads a while before its window, and leaves out what the
// nights already reported: a failure is the same one when a night reported
// the same machine failing the same advertisement at the same time.

// LookbackStart is where a nightly run whose window starts at since looks
// back to for failures that reached the site database late: late before
// since, but not before the first night's window, since what failed
// before it was never the nights' to report. It is since when late is not
// positive or no night has written its report yet.
func (h *DB) LookbackStart(ctx context.Context, since time.Time, late time.Duration) (time.Time, error) {
	since = since.UTC()
	if late <= 0 {
		return since, nil
	}
	var first sql.NullString
	err := h.db.QueryRowContext(ctx, `SELECT MIN(since) FROM runs WHERE kind = ? AND outcome != ?`, KindNightly, OutcomeFailed).Scan(&first)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read the first night from %s: %w", h.path, err)
	}
	if !first.Valid {
		return since, nil
	}
	start, err := parseTime(first.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read the first night from %s: %w", h.path, err)
	}
	from := since.Add(-late)
	if from.Before(start) {
		from = start
	}
	if from.After(since) {
		return since, nil
	}
	return from, nil
}

// reportedKey is a failure as a night reported it: times compare as
// stored, to the nanosecond.
type reportedKey struct {
	fkey
	at string
}

// Unreported returns the failures that no night has reported yet, in their
// order, and how many it left out. A failure is left out when a nightly
// run that wrote its report listed the same machine (in any case) failing
// the same advertisement at the same time; a failure at a newer time is
// kept. Only failures from from on are looked up: a night's failures are
// all before its window's end. Runs by hand do not count: they move
// neither the window nor the open failures, so a failure only they
// reported is still the nights' to report.
func (h *DB) Unreported(ctx context.Context, failures []smsfail.Failure, from time.Time) ([]smsfail.Failure, int, error) {
	reported, err := h.reportedSince(ctx, from)
	if err != nil {
		return nil, 0, err
	}
	if len(reported) == 0 {
		return failures, 0, nil
	}
	kept := make([]smsfail.Failure, 0, len(failures))
	for _, f := range failures {
		if !reported[reportedKey{keyOf(f.Machine, f.AdvertisementID), fmtTime(f.Time)}] {
			kept = append(kept, f)
		}
	}
	return kept, len(failures) - len(kept), nil
}

// reportedSince reads the failures from from on that the nights reported.
// The nights are picked first, so the findings are read by the primary
// key's leading column.
func (h *DB) reportedSince(ctx context.Context, from time.Time) (map[reportedKey]bool, error) {
	at := fmtTime(from)
	rows, err := h.db.QueryContext(ctx, `SELECT machine, advertisement, failure_time FROM findings
		WHERE run_id IN (SELECT id FROM runs WHERE kind = ? AND outcome != ? AND until > ?) AND failure_time >= ?`,
		KindNightly, OutcomeFailed, at, at)
	if err != nil {
		return nil, fmt.Errorf("cannot read the failures the nights reported from %s: %w", h.path, err)
	}
	defer rows.Close()
	reported := map[reportedKey]bool{}
	for rows.Next() {
		var machine, ad, t string
		if err := rows.Scan(&machine, &ad, &t); err != nil {
			return nil, fmt.Errorf("cannot read the failures the nights reported from %s: %w", h.path, err)
		}
		reported[reportedKey{keyOf(machine, ad), t}] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the failures the nights reported from %s: %w", h.path, err)
	}
	return reported, nil
}
