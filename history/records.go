package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"smsfail"
	"strings"
	"time"
)

// RunRecord is one recorded run.
type RunRecord struct {
	ID             int64
	Kind           Kind
	Advertisements []string // the advertisements a run by hand covered; none for all
	Since, Until   time.Time
	Started        time.Time
	Committed      time.Time
	Finished       time.Time // zero while the mail step has not reported
	Outcome        Outcome
	Error          string // what went wrong: the run's error, or the mail server's answer
	Report         string // the workbook's path
	Counts         smsfail.Counts
	New            int
	Recurring      int
	Fixed          int
	Durations      map[string]time.Duration // by stage
}

const selectRuns = `SELECT id, kind, advertisement, since, until, started, committed, finished,
	outcome, error, report, failures, classified, no_detail, unclassified, unread, unreachable,
	new, recurring, fixed, durations FROM runs`

func scanRuns(rows *sql.Rows) ([]RunRecord, error) {
	defer rows.Close()
	var runs []RunRecord
	for rows.Next() {
		var r RunRecord
		var ads, since, until, started, committed, durations string
		var finished sql.NullString
		c := &r.Counts
		if err := rows.Scan(&r.ID, &r.Kind, &ads, &since, &until, &started, &committed, &finished,
			&r.Outcome, &r.Error, &r.Report, &c.Failures, &c.Classified, &c.NoDetail, &c.Unclassified, &c.NotRead, &c.Unreachable,
			&r.New, &r.Recurring, &r.Fixed, &durations); err != nil {
			return nil, err
		}
		if ads != "" {
			r.Advertisements = strings.Split(ads, ",")
		}
		var err error
		for _, t := range []struct {
			dst *time.Time
			s   string
		}{{&r.Since, since}, {&r.Until, until}, {&r.Started, started}, {&r.Committed, committed}} {
			if *t.dst, err = parseTime(t.s); err != nil {
				return nil, fmt.Errorf("run %d: %w", r.ID, err)
			}
		}
		if r.Finished, err = nullTime(finished); err != nil {
			return nil, fmt.Errorf("run %d: %w", r.ID, err)
		}
		if r.Durations, err = decodeDurations(durations); err != nil {
			return nil, fmt.Errorf("run %d: %w", r.ID, err)
		}
		runs = append(runs, r)
	}
	return runs, rows.Err()
}

// Durations are stored as seconds by stage.
func encodeDurations(d map[string]time.Duration) string {
	secs := make(map[string]float64, len(d))
	for k, v := range d {
		secs[k] = v.Seconds()
	}
	b, _ := json.Marshal(secs) // a map of floats always encodes
	return string(b)
}

func decodeDurations(s string) (map[string]time.Duration, error) {
	var secs map[string]float64
	if err := json.Unmarshal([]byte(s), &secs); err != nil {
		return nil, fmt.Errorf("cannot decode durations %q: %w", s, err)
	}
	d := make(map[string]time.Duration, len(secs))
	for k, v := range secs {
		d[k] = time.Duration(v * float64(time.Second))
	}
	return d, nil
}

// Runs lists the last n runs, newest first.
func (h *DB) Runs(ctx context.Context, n int) ([]RunRecord, error) {
	rows, err := h.db.QueryContext(ctx, selectRuns+` ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("cannot list runs in %s: %w", h.path, err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, fmt.Errorf("cannot list runs in %s: %w", h.path, err)
	}
	return runs, nil
}

// FindingRecord is one failure a run reported.
type FindingRecord struct {
	Machine       string
	Advertisement string
	Collection    string
	Cause         string
	ExitCode      *int64 // nil when the site database gave none
	FailureTime   time.Time
	Status        smsfail.MarkStatus
	Nights        int
}

// Findings lists the failures run id reported, by machine and advertisement.
func (h *DB) Findings(ctx context.Context, id int64) ([]FindingRecord, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT machine, advertisement, collection, cause, exit_code, failure_time, status, nights
		FROM findings WHERE run_id = ? ORDER BY machine, advertisement`, id)
	if err != nil {
		return nil, fmt.Errorf("cannot read the findings of run %d: %w", id, err)
	}
	defer rows.Close()
	var out []FindingRecord
	for rows.Next() {
		var f FindingRecord
		var exit sql.NullInt64
		var at string
		if err := rows.Scan(&f.Machine, &f.Advertisement, &f.Collection, &f.Cause, &exit, &at, &f.Status, &f.Nights); err != nil {
			return nil, fmt.Errorf("cannot read the findings of run %d: %w", id, err)
		}
		if exit.Valid {
			f.ExitCode = &exit.Int64
		}
		if f.FailureTime, err = parseTime(at); err != nil {
			return nil, fmt.Errorf("cannot read the findings of run %d: %w", id, err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the findings of run %d: %w", id, err)
	}
	return out, nil
}

// FixedIn lists the failures run id found fixed, by machine and advertisement.
func (h *DB) FixedIn(ctx context.Context, id int64) ([]Fixed, error) {
	rows, err := h.db.QueryContext(ctx, `SELECT machine, advertisement, collection, cause, exit_code, first_failed, last_failed, succeeded, nights
		FROM fixed WHERE run_id = ? ORDER BY machine, advertisement`, id)
	if err != nil {
		return nil, fmt.Errorf("cannot read the fixed failures of run %d: %w", id, err)
	}
	defer rows.Close()
	var out []Fixed
	for rows.Next() {
		var f Fixed
		var exit sql.NullInt64
		var first, last, ok string
		if err := rows.Scan(&f.Machine, &f.AdvertisementID, &f.CollectionID, &f.Cause, &exit, &first, &last, &ok, &f.Nights); err != nil {
			return nil, fmt.Errorf("cannot read the fixed failures of run %d: %w", id, err)
		}
		if exit.Valid {
			f.ExitCode = &exit.Int64
		}
		for _, t := range []struct {
			dst *time.Time
			s   string
		}{{&f.FirstFailed, first}, {&f.LastFailed, last}, {&f.Succeeded, ok}} {
			if *t.dst, err = parseTime(t.s); err != nil {
				return nil, fmt.Errorf("cannot read the fixed failures of run %d: %w", id, err)
			}
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the fixed failures of run %d: %w", id, err)
	}
	return out, nil
}
