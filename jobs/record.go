package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"smsfail"
	"smsfail/history"
	"smsfail/lock"
	"smsfail/report"
)

// lock takes the state folder's lock, waiting for another run when wait
// is set, and logs a lock left by a run that never ended.
func (j *Job) lock(ctx context.Context, wait bool) (*lock.Lock, error) {
	if j.StateDir == "" {
		return nil, nil
	}
	l, err := lock.Acquire(ctx, j.StateDir, lock.Options{
		Wait: wait,
		Now:  j.Now,
		Waiting: func(held *lock.HeldError) {
			j.logger().Info("another run is going; waiting for it to end", "holder", held.Error())
		},
	})
	if err != nil {
		return nil, err
	}
	switch {
	case l.Stale != nil:
		j.logger().Warn("took over the lock of a run that did not end (killed, or its machine stopped)",
			"stale_holder", l.Stale.String(), "lock", l.Path())
	case l.StaleGarbled:
		j.logger().Warn("took over a lock whose record was cut short: a run was killed as it started", "lock", l.Path())
	}
	return l, nil
}

func (j *Job) unlock(l *lock.Lock) {
	if err := l.Release(); err != nil {
		j.logger().Error("cannot release the lock", "err", err)
	}
}

// record is a run being recorded in the history; without history every
// method does nothing.
type record struct {
	j   *Job
	run *history.Run
}

func (j *Job) begin(opts Options, out *Outcome) (*record, error) {
	rec := &record{j: j}
	if j.History == nil {
		return rec, nil
	}
	run, err := j.History.Begin(history.RunSpec{Kind: out.Kind, Advertisements: opts.Advertisements,
		Since: out.Since, Until: out.Until, Started: out.Started, KeepNights: j.KeepNights})
	if err != nil {
		return nil, fmt.Errorf("cannot start recording the run: %w", err)
	}
	rec.run = run
	return rec, nil
}

// mark marks the results against the nights before.
func (r *record) mark(ctx context.Context, out *Outcome) error {
	if r.run == nil {
		return nil
	}
	m, err := r.run.Mark(ctx, out.Results, r.j.Successes)
	if err != nil {
		return fmt.Errorf("cannot mark the failures against the last nights: %w", err)
	}
	out.Marks = m
	ch := m.Change
	r.j.logger().Info("failures marked against the nights before", "new", ch.New, "recurring", ch.Recurring,
		"fixed", ch.Fixed, "still_open", ch.StillOpen)
	return nil
}

// commit records the run once its workbook is written. A cancel that
// comes now no longer stops it: the workbook has reported the failures,
// and a night left out of the history would report them as new again.
func (r *record) commit(ctx context.Context, out *Outcome) error {
	if r.run == nil {
		return nil
	}
	id, err := r.run.Commit(context.WithoutCancel(ctx), history.CommitInfo{Outcome: reportOutcome(out), Report: out.Workbook, Durations: out.Durations})
	if err != nil {
		return err
	}
	out.RunID = id
	return nil
}

func reportOutcome(out *Outcome) history.Outcome {
	if out.Unread() > 0 {
		return history.OutcomeIncomplete
	}
	return history.OutcomeOK
}

// finish records how the run ended once the mail went out, or did not.
func (r *record) finish(ctx context.Context, out *Outcome) {
	if r.run == nil {
		return
	}
	outcome, detail := reportOutcome(out), ""
	if out.MailError != nil {
		outcome, detail = history.OutcomeMailFailed, out.MailError.Error()
	}
	if err := r.run.Finish(context.WithoutCancel(ctx), outcome, detail); err != nil {
		r.j.logger().Error("cannot record the end of the run", "run", out.RunID, "err", err)
	}
}

// fail records a run that wrote no workbook, so the history shows the
// night that failed; its failures are not recorded and the next night
// covers its window again. It records even a cancelled run.
func (r *record) fail(ctx context.Context, cause error) {
	if r.run == nil || r.run.ID() != 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := r.run.Commit(ctx, history.CommitInfo{Outcome: history.OutcomeFailed, Error: cause.Error()}); err != nil {
		r.j.logger().Error("cannot record the failed run", "err", errors.Join(err, cause))
	}
}

// failOnPanic records a run that panicked as failed, and panics on, so
// the caller (the schedule) logs it with its stack.
func (r *record) failOnPanic(ctx context.Context) {
	if v := recover(); v != nil {
		r.fail(ctx, fmt.Errorf("the run panicked: %v", v))
		panic(v)
	}
}

// addHistory puts the marks, the fixed failures and, for a night, the
// last night's counts in the workbook.
func addHistory(run *report.Run, out *Outcome) {
	m := out.Marks
	if m == nil {
		return
	}
	run.Marks = func(r smsfail.Result) (string, int) {
		mk := m.ByKey[r.Failure.Key()]
		return string(mk.Status), mk.Nights
	}
	run.Fixed = fixedFailures(m.Fixed, out.Results)
	if prev := m.Change.Previous; prev != nil && out.Kind == history.KindNightly {
		c := prev.Counts
		c.ByBucket = map[string]int{}
		run.Previous = &c
		for _, cc := range m.Change.Causes {
			if cc.Before > 0 {
				run.Previous.ByBucket[cc.Cause] = cc.Before
			}
		}
	}
}

// fixedFailures lists the fixed failures for the workbook, with the names
// of advertisements and collections this run met.
func fixedFailures(fixed []history.Fixed, results []smsfail.Result) []report.FixedFailure {
	if len(fixed) == 0 {
		return nil
	}
	ads, colls := map[string]string{}, map[string]string{}
	for _, r := range results {
		ads[r.Failure.AdvertisementID] = r.Failure.AdvertisementName
		colls[r.Failure.CollectionID] = r.Failure.CollectionName
	}
	out := make([]report.FixedFailure, len(fixed))
	for i, f := range fixed {
		out[i] = report.FixedFailure{Machine: f.Machine, AdvertisementID: f.AdvertisementID, AdvertisementName: ads[f.AdvertisementID],
			CollectionID: f.CollectionID, CollectionName: colls[f.CollectionID], Cause: f.Cause,
			LastFailed: f.LastFailed, Fixed: f.Succeeded, Nights: f.Nights}
	}
	return out
}
