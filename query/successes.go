package query

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// SuccessMessageIDs are the messages of a program that ended well: exit
// code 0, a status MIF of success, or success with a restart pending.
var SuccessMessageIDs = []int{MsgProgramSucceeded, MsgProgramSucceededMIF, MsgProgramRebootPending}

// Successes calls fn for every machine and advertisement that reported
// success in [since, until), with the time of its latest success, ordered
// by machine and advertisement; adverts narrows it to some advertisements.
// Machine names are as the clients reported them: compare them
// case-insensitively. The nightly history marks a failure fixed with it.
func (db *DB) Successes(ctx context.Context, since, until time.Time, adverts []string,
	fn func(machine, advertisementID string, t time.Time) error) error {
	f, err := Filter{Since: since, Until: until, Advertisements: adverts}.normalize(time.Now())
	if err != nil {
		return fmt.Errorf("cannot read successes: %w", err)
	}
	q, args, err := db.successQuery(f)
	if err != nil {
		return err
	}
	return db.stream(ctx, "reading successes from the status messages", q, args, func() consumer {
		return &successConsumer{fn: fn}
	})
}

func (db *DB) successQuery(f Filter) (string, []any, error) {
	return db.build(msgSuccesses, SuccessMessageIDs, f, msgSuccessesOrder,
		clause{msgByAdvert, f.Advertisements, len(f.Advertisements) > 0})
}

// successConsumer keeps the latest success per machine and advertisement.
type successConsumer struct {
	fn              func(string, string, time.Time) error
	delivered       bool
	key             string
	machine, advert string
	latest          time.Time
}

func (c *successConsumer) sent() bool { return c.delivered }

func (c *successConsumer) row(rows *sqlx.Rows) error {
	var machine, advert sql.NullString
	var t sql.NullTime
	if _, _, err := scanRow(rows, []any{&machine, &advert, &t}); err != nil {
		return err
	}
	if str(machine) == "" || str(advert) == "" || !t.Valid {
		return nil
	}
	if k := groupKey(machine.String, advert.String); k != c.key {
		if err := c.flush(); err != nil {
			return err
		}
		c.key = k
	}
	c.machine, c.advert, c.latest = str(machine), upper(str(advert)), t.Time.UTC()
	return nil
}

func (c *successConsumer) flush() error {
	if c.key == "" {
		return nil
	}
	c.key = ""
	if err := c.fn(c.machine, c.advert, c.latest); err != nil {
		return &callbackError{err}
	}
	c.delivered = true
	return nil
}
