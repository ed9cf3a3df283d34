package query

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"smsfail"
)

// Failures hands fn the failures that match the filter, one record per
// machine and advertisement compared as the site database compares them
// (case-insensitively, trailing spaces ignored): the latest failure in
// the window, with the count of distinct failures in it, under the name
// v_R_System has. They come ordered by machine and advertisement once the
// route's queries have read every row, so a transient error anywhere is
// retried. A row that cannot be read is a report row (no machine name, an
// unknown exit code, a deleted advertisement) or a counted, logged skip
// (no time, no advertisement), never an error. It returns the route it
// took, which for RouteAuto depends on the site.
//
// fn's error stops the delivery and is returned as it is.
func (db *DB) Failures(ctx context.Context, route Route, f Filter, fn func(smsfail.Failure) error) (Route, error) {
	f, err := f.normalize(time.Now())
	if err != nil {
		return "", fmt.Errorf("cannot read failures: %w", err)
	}
	route, err = db.Resolve(ctx, route)
	if err != nil {
		return "", err
	}
	if route == RouteClientStatus {
		return route, db.statusFailures(ctx, f, fn)
	}
	return route, db.messageFailures(ctx, f, fn)
}

// callbackError marks the caller's own error: never retried, returned
// unwrapped.
type callbackError struct{ err error }

func (e *callbackError) Error() string { return e.err.Error() }
func (e *callbackError) Unwrap() error { return e.err }

// consumer takes the rows of one attempt at a query.
type consumer interface {
	row(*sqlx.Rows) error
	flush() error
	sent() bool // a record reached the caller: the query cannot be tried again
}

// stream runs a query and hands its rows to a consumer made afresh for
// every attempt, retrying transient errors until a record was delivered.
func (db *DB) stream(ctx context.Context, what, q string, args []any, newConsumer func() consumer) error {
	err := db.retry(ctx, what, func(ctx context.Context) (bool, error) {
		ctx, cancel := withTimeout(ctx, db.cfg.QueryTimeout)
		defer cancel()
		rows, err := db.x.QueryxContext(ctx, q, args...)
		if err != nil {
			return false, err
		}
		defer rows.Close()
		c := newConsumer()
		for rows.Next() {
			if err := c.row(rows); err != nil {
				return c.sent(), err
			}
		}
		if err := rows.Err(); err != nil {
			return c.sent(), err
		}
		return c.sent(), c.flush()
	})
	var cb *callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	return err
}

// clause is an optional condition of a query, added when set.
type clause struct {
	text string
	arg  any
	set  bool
}

// build is a query's text and arguments: the window on message IDs and
// time every query starts with, the clauses that are set, then the
// order; IN (?) lists are expanded and the parameters rebound for the
// driver.
func (db *DB) build(text string, ids []int, f Filter, order string, clauses ...clause) (string, []any, error) {
	q, args := text, []any{ids, db.timeArg(f.Since), db.timeArg(f.Until)}
	for _, c := range clauses {
		if c.set {
			q += c.text
			if c.arg != nil {
				args = append(args, c.arg)
			}
		}
	}
	q, args, err := sqlx.In(q+order, args...)
	if err != nil {
		return "", nil, fmt.Errorf("cannot bind the query's parameters: %w", err)
	}
	return db.x.Rebind(q), args, nil
}

func (db *DB) messageQuery(f Filter) (string, []any, error) {
	return db.build(msgFailures, f.MessageIDs, f, msgFailuresOrder,
		clause{msgByAdvert, f.Advertisements, len(f.Advertisements) > 0},
		clause{msgByCollection, f.Collections, len(f.Collections) > 0},
		clause{msgBySite, f.SiteCode, f.SiteCode != ""},
		clause{msgByMachine, f.machines, len(f.machines) > 0},
		clause{msgNameless, nil, f.nameless})
}

// messageFailures reads the messages route.
func (db *DB) messageFailures(ctx context.Context, f Filter, fn func(smsfail.Failure) error) error {
	m := newMerger(db.log)
	if err := db.readMessages(ctx, f, m); err != nil {
		return err
	}
	return m.deliver(f, fn)
}

// readMessages reads the failure messages the filter selects into m.
func (db *DB) readMessages(ctx context.Context, f Filter, m *merger) error {
	q, args, err := db.messageQuery(f)
	if err != nil {
		return err
	}
	return db.stream(ctx, "reading failures from the status messages", q, args, func() consumer {
		return db.newMsgGrouper(f, m)
	})
}
