// Package history keeps the state database of the nightly job: every run
// (its window, counts, outcome and durations), every failure it reported,
// and the failures still open, so each night can mark a failure new or
// recurring, list the ones fixed since, and start its window where the last
// good night ended. Each run is written in one transaction: a run killed at
// any point leaves the history as it was before it or fully updated.
package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// FileName is the state database's name in the state folder.
const FileName = "history.db"

// DB is the state database.
type DB struct {
	db   *sql.DB
	path string
}

// Kind says which series a run belongs to. Only nightly runs move the
// window and change which failures are open; a run by hand is recorded and
// marked against the nights, and changes neither.
type Kind string

// Kinds of run.
const (
	KindNightly Kind = "nightly"
	KindOnce    Kind = "once"
)

// Outcome is how a run ended.
type Outcome string

// Outcomes. Every outcome but OutcomeFailed means the report was written
// and the run's failures count as reported.
const (
	OutcomeOK         Outcome = "ok"          // every log the job needed was read
	OutcomeIncomplete Outcome = "incomplete"  // some logs could not be read
	OutcomeMailFailed Outcome = "mail-failed" // report written, mail not delivered
	OutcomeFailed     Outcome = "failed"      // no report: the run's failures are not recorded
)

func (o Outcome) valid() bool {
	switch o {
	case OutcomeOK, OutcomeIncomplete, OutcomeMailFailed, OutcomeFailed:
		return true
	}
	return false
}

// Open opens the state database in dir, creating the folder and the
// database as needed and bringing its schema up to date.
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create state folder %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(wal)")
	q.Add("_pragma", "synchronous(full)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(path)+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("cannot open state database %s: %w", path, err)
	}
	// One connection: the job is the only writer (the lock package sees to
	// that across processes) and SQLite serializes writers anyway.
	db.SetMaxOpenConns(1)
	h := &DB{db: db, path: path}
	if err := h.migrate(ctx); err != nil {
		db.Close()
		return nil, h.advise(err)
	}
	return h, nil
}

// uriPath escapes what a "file:" URI would read as an escape, the query or
// a fragment: left as they are, a folder named "site #2" would put the
// history in a file named "site " beside it.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Path is the database file's path.
func (h *DB) Path() string { return h.path }

// Close closes the database.
func (h *DB) Close() error { return h.db.Close() }

// migrations bring the schema from version i to i+1. Append only.
func migrations() []string {
	return []string{schemaV1, schemaV2}
}

const schemaV1 = `
CREATE TABLE runs (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	kind          TEXT NOT NULL,
	advertisement TEXT NOT NULL DEFAULT '',
	since         TEXT NOT NULL,
	until         TEXT NOT NULL,
	started       TEXT NOT NULL,
	committed     TEXT NOT NULL,
	finished      TEXT,
	outcome       TEXT NOT NULL,
	error         TEXT NOT NULL DEFAULT '',
	report        TEXT NOT NULL DEFAULT '',
	failures      INTEGER NOT NULL,
	classified    INTEGER NOT NULL,
	no_detail     INTEGER NOT NULL,
	unclassified  INTEGER NOT NULL,
	unread        INTEGER NOT NULL,
	unreachable   INTEGER NOT NULL,
	new           INTEGER NOT NULL,
	recurring     INTEGER NOT NULL,
	fixed         INTEGER NOT NULL,
	durations     TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX runs_kind ON runs (kind, outcome, id);
CREATE TABLE findings (
	run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	machine       TEXT NOT NULL,
	advertisement TEXT NOT NULL,
	collection    TEXT NOT NULL,
	cause         TEXT NOT NULL,
	exit_code     INTEGER,
	failure_time  TEXT NOT NULL,
	status        TEXT NOT NULL,
	nights        INTEGER NOT NULL,
	PRIMARY KEY (run_id, machine, advertisement)
);
CREATE TABLE fixed (
	run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	machine       TEXT NOT NULL,
	advertisement TEXT NOT NULL,
	collection    TEXT NOT NULL,
	cause         TEXT NOT NULL,
	exit_code     INTEGER,
	first_failed  TEXT NOT NULL,
	last_failed   TEXT NOT NULL,
	succeeded     TEXT NOT NULL,
	nights        INTEGER NOT NULL,
	PRIMARY KEY (run_id, machine, advertisement)
);
CREATE TABLE open_failures (
	machine_key   TEXT NOT NULL,
	advertisement TEXT NOT NULL,
	machine       TEXT NOT NULL,
	collection    TEXT NOT NULL,
	cause         TEXT NOT NULL,
	exit_code     INTEGER,
	first_failed  TEXT NOT NULL,
	last_failed   TEXT NOT NULL,
	first_run     INTEGER NOT NULL,
	last_run      INTEGER NOT NULL,
	seen          INTEGER NOT NULL,
	PRIMARY KEY (machine_key, advertisement)
);
`

func (h *DB) migrate(ctx context.Context) error {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot open state database %s: %w", h.path, err)
	}
	defer tx.Rollback()
	var version int
	steps := migrations()
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("cannot read the schema version of %s: %w", h.path, err)
	}
	if version > len(steps) {
		return fmt.Errorf("state database %s has schema version %d, newer than this smsfail knows (%d): use a newer smsfail", h.path, version, len(steps))
	}
	if version == len(steps) {
		return nil
	}
	for _, m := range steps[version:] {
		if _, err := tx.ExecContext(ctx, m); err != nil {
			return fmt.Errorf("cannot update the schema of %s: %w", h.path, err)
		}
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(steps))); err != nil {
		return fmt.Errorf("cannot update the schema of %s: %w", h.path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot update the schema of %s: %w", h.path, err)
	}
	return nil
}

// WindowStart is where the next nightly run's window starts: the end of the
// last nightly run that wrote its report, else now-def. It refuses a last
// window that ends after now, which means the clock went back.
func (h *DB) WindowStart(ctx context.Context, now time.Time, def time.Duration) (time.Time, error) {
	last, err := h.lastNight(ctx, h.db)
	if err != nil {
		return time.Time{}, err
	}
	if last == nil {
		return now.Add(-def).UTC(), nil
	}
	if last.Until.After(now) {
		return time.Time{}, fmt.Errorf("the last night's window (run %d) ends at %s, after now (%s): is the clock right?", last.ID, last.Until.Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return last.Until, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// lastNight is the last nightly run that wrote its report, nil if none.
func (h *DB) lastNight(ctx context.Context, q querier) (*RunRecord, error) {
	rows, err := q.QueryContext(ctx, selectRuns+` WHERE kind = ? AND outcome != ? ORDER BY id DESC LIMIT 1`, KindNightly, OutcomeFailed)
	if err != nil {
		return nil, fmt.Errorf("cannot read the last night from %s: %w", h.path, err)
	}
	runs, err := scanRuns(rows)
	if err != nil {
		return nil, fmt.Errorf("cannot read the last night from %s: %w", h.path, err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	return &runs[0], nil
}

// Times are stored as fixed-width UTC text, so they sort as text and read
// well in the sqlite3 shell.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeLayout, s) }

func nullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}

var errNoMark = errors.New("Mark was not called before Commit")
