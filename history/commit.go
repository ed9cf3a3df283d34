package history

import (
	"context"
	"database/sql"
	"fmt"
	"smsfail"
	"strings"
	"time"
)

// CommitInfo is what the job knows once its report is written, or once it
// failed.
type CommitInfo struct {
	Outcome   Outcome // OutcomeOK, OutcomeIncomplete or OutcomeFailed; Finish records the mail
	Report    string  // the workbook's path
	Error     string  // why the run failed, for OutcomeFailed
	Durations map[string]time.Duration
}

// Commit writes the run, its findings, the failures it found fixed and the
// new state of open failures in one transaction, and returns the run's ID.
// A failed run is recorded without its failures: they were never reported,
// so the next night covers its window again and reports them as new.
func (r *Run) Commit(ctx context.Context, info CommitInfo) (int64, error) {
	if r.id != 0 {
		return 0, fmt.Errorf("cannot commit run %d: already committed", r.id)
	}
	switch info.Outcome {
	case OutcomeOK, OutcomeIncomplete, OutcomeFailed:
	default:
		return 0, fmt.Errorf("cannot commit a run with outcome %q", info.Outcome)
	}
	if info.Outcome != OutcomeFailed && r.marks == nil {
		return 0, fmt.Errorf("cannot commit run: %w", errNoMark)
	}
	tx, err := r.h.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("cannot commit run to %s: %w", r.h.path, r.h.advise(err))
	}
	defer tx.Rollback()
	if err := r.commitTx(ctx, tx, info); err != nil {
		r.id = 0
		return 0, fmt.Errorf("cannot commit run to %s: %w", r.h.path, r.h.advise(err))
	}
	if err := tx.Commit(); err != nil {
		r.id = 0
		return 0, fmt.Errorf("cannot commit run to %s: %w", r.h.path, r.h.advise(err))
	}
	r.outcome = info.Outcome
	return r.id, nil
}

func (r *Run) commitTx(ctx context.Context, tx *sql.Tx, info CommitInfo) error {
	reported := info.Outcome != OutcomeFailed
	if reported && r.spec.Kind == KindNightly {
		// Marks are only right against the night they were made against.
		last, err := r.h.lastNight(ctx, tx)
		if err != nil {
			return err
		}
		if last != nil && last.ID != r.base || last == nil && r.base != 0 {
			return fmt.Errorf("another night was recorded since this run was marked")
		}
	}
	if err := r.insertRun(ctx, tx, info); err != nil {
		return err
	}
	if !reported {
		return nil
	}
	if err := r.insertFindings(ctx, tx); err != nil {
		return err
	}
	if err := r.insertFixed(ctx, tx); err != nil {
		return err
	}
	if err := r.insertTrend(ctx, tx); err != nil {
		return err
	}
	if r.spec.Kind != KindNightly {
		return nil
	}
	if err := r.updateOpen(ctx, tx); err != nil {
		return err
	}
	return r.prune(ctx, tx)
}

func (r *Run) insertRun(ctx context.Context, tx *sql.Tx, info CommitInfo) error {
	var c smsfail.Counts
	var ch Change
	if r.marks != nil {
		c, ch = r.marks.Counts, r.marks.Change
	}
	if info.Outcome == OutcomeFailed {
		ch = Change{}
	}
	s := r.spec
	res, err := tx.ExecContext(ctx, `INSERT INTO runs (kind, advertisement, since, until, started, committed, outcome, error, report,
		failures, classified, no_detail, unclassified, unread, unreachable, new, recurring, fixed, durations)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.Kind, strings.Join(s.Advertisements, ","), fmtTime(s.Since), fmtTime(s.Until), fmtTime(s.Started), fmtTime(time.Now()), info.Outcome, info.Error, info.Report,
		c.Failures, c.Classified, c.NoDetail, c.Unclassified, c.NotRead, c.Unreachable, ch.New, ch.Recurring, ch.Fixed, encodeDurations(info.Durations))
	if err != nil {
		return fmt.Errorf("cannot record the run: %w", err)
	}
	if r.id, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("cannot record the run: %w", err)
	}
	return nil
}

func exitCode(known bool, code int64) sql.NullInt64 { return sql.NullInt64{Int64: code, Valid: known} }

func (r *Run) insertFindings(ctx context.Context, tx *sql.Tx) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO findings (run_id, machine, advertisement, collection, cause, exit_code, failure_time, status, nights)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("cannot record findings: %w", err)
	}
	defer stmt.Close()
	for _, row := range r.rows {
		f := row.f
		if _, err := stmt.ExecContext(ctx, r.id, f.Machine, f.AdvertisementID, f.CollectionID, row.cause,
			exitCode(f.ExitCodeKnown, f.ExitCode), fmtTime(f.Time), row.mark.Status, row.mark.Nights); err != nil {
			return fmt.Errorf("cannot record the failure of %s on %s: %w", f.AdvertisementID, f.Machine, err)
		}
	}
	return nil
}

func (r *Run) insertFixed(ctx context.Context, tx *sql.Tx) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO fixed (run_id, machine, advertisement, collection, cause, exit_code, first_failed, last_failed, succeeded, nights)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("cannot record fixed failures: %w", err)
	}
	defer stmt.Close()
	for _, f := range r.marks.Fixed {
		code := sql.NullInt64{}
		if f.ExitCode != nil {
			code = exitCode(true, *f.ExitCode)
		}
		if _, err := stmt.ExecContext(ctx, r.id, f.Machine, f.AdvertisementID, f.CollectionID, f.Cause, code,
			fmtTime(f.FirstFailed), fmtTime(f.LastFailed), fmtTime(f.Succeeded), f.Nights); err != nil {
			return fmt.Errorf("cannot record the fix of %s on %s: %w", f.AdvertisementID, f.Machine, err)
		}
	}
	return nil
}

// updateOpen opens this night's new failures, brings the recurring ones up
// to date and closes the fixed ones.
func (r *Run) updateOpen(ctx context.Context, tx *sql.Tx) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO open_failures (machine_key, advertisement, machine, collection, cause, exit_code,
		first_failed, last_failed, first_run, last_run, seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (machine_key, advertisement) DO UPDATE SET machine = excluded.machine, collection = excluded.collection,
		cause = excluded.cause, exit_code = excluded.exit_code, last_failed = excluded.last_failed,
		last_run = excluded.last_run, seen = excluded.seen`)
	if err != nil {
		return fmt.Errorf("cannot update open failures: %w", err)
	}
	defer stmt.Close()
	for _, row := range r.rows {
		f, first, firstRun := row.f, row.mark.FirstFailed, row.firstRun
		if row.mark.Status == StatusNew {
			firstRun = r.id
		}
		if _, err := stmt.ExecContext(ctx, row.key.machine, row.key.ad, f.Machine, f.CollectionID, row.cause,
			exitCode(f.ExitCodeKnown, f.ExitCode), fmtTime(first), fmtTime(row.lastFailure), firstRun, r.id, row.seenBefore+1); err != nil {
			return fmt.Errorf("cannot update the open failure of %s on %s: %w", f.AdvertisementID, f.Machine, err)
		}
	}
	for _, f := range r.marks.Fixed {
		k := keyOf(f.Machine, f.AdvertisementID)
		if _, err := tx.ExecContext(ctx, `DELETE FROM open_failures WHERE machine_key = ? AND advertisement = ?`, k.machine, k.ad); err != nil {
			return fmt.Errorf("cannot close the fixed failure of %s on %s: %w", f.AdvertisementID, f.Machine, err)
		}
	}
	return nil
}

// Finish records how the run ended once its mail went out or failed:
// outcome is OutcomeMailFailed with the server's answer in detail, or the
// outcome Commit recorded. A failed run stays failed.
func (r *Run) Finish(ctx context.Context, outcome Outcome, detail string) error {
	if r.id == 0 {
		return fmt.Errorf("cannot finish a run that was not committed")
	}
	if !outcome.valid() || (outcome == OutcomeFailed) != (r.outcome == OutcomeFailed) {
		return fmt.Errorf("cannot finish run %d committed as %q with outcome %q", r.id, r.outcome, outcome)
	}
	_, err := r.h.db.ExecContext(ctx, `UPDATE runs SET finished = ?, outcome = ?, error = CASE WHEN ? = '' THEN error ELSE ? END WHERE id = ?`,
		fmtTime(time.Now()), outcome, detail, detail, r.id)
	if err != nil {
		return fmt.Errorf("cannot record the end of run %d in %s: %w", r.id, r.h.path, r.h.advise(err))
	}
	return nil
}

// ID is the run's ID once committed, else 0.
func (r *Run) ID() int64 { return r.id }
