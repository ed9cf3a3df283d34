package query

import (
	"smsfail"

	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// The progress of a deployment: for each advertisement, the machines its
// collection holds and what each last reported, success or failure. Like
// the failure queries, the text is shared by SQL Server and SQLite, and
// the status messages are read by MessageID and a Time window.

// msgOutcomes gives, per advertisement, machine and outcome message, the
// latest time the machine sent it. Grouped on the server, the rows are a
// handful per machine and advertisement however many messages there are.
const msgOutcomes = `
SELECT att.AttributeValue, sm.MachineName, sm.MessageID, MAX(sm.Time)
FROM v_StatusMessage sm
JOIN v_StatMsgAttributes att ON att.RecordID = sm.RecordID AND att.AttributeID = 401
WHERE sm.MessageID IN (?) AND sm.Time >= ? AND sm.Time < ?`

const msgOutcomesGroup = `
GROUP BY att.AttributeValue, sm.MachineName, sm.MessageID`

// casOutcomes counts, per advertisement and last message, the clients
// whose last state is that message (ConfigMgr 2007 and later).
const casOutcomes = `
SELECT cas.AdvertisementID, cas.LastStatusMessageID, COUNT(*), MAX(cas.LastStatusTime)
FROM v_ClientAdvertisementStatus cas
WHERE cas.LastStatusMessageID IN (?) AND cas.LastStatusTime >= ? AND cas.LastStatusTime < ?`

const casOutcomesGroup = `
GROUP BY cas.AdvertisementID, cas.LastStatusMessageID`

// Optional filter of casOutcomes (msgOutcomes takes msgByAdvert).
const casOutcomesByAdvert = ` AND cas.AdvertisementID IN (?)`

// advTargets names advertisements and counts the clients their
// collection holds. Subcollections are not counted.
const advTargets = `
SELECT adv.AdvertisementID, adv.AdvertisementName, adv.CollectionID, col.Name, COUNT(fcm.ResourceID)
FROM v_Advertisement adv
LEFT JOIN v_Collection col ON col.CollectionID = adv.CollectionID
LEFT JOIN v_FullCollectionMembership fcm ON fcm.CollectionID = adv.CollectionID AND fcm.IsClient = 1
WHERE adv.AdvertisementID IN (?)
GROUP BY adv.AdvertisementID, adv.AdvertisementName, adv.CollectionID, col.Name`

// progressText is the progress queries' text, for the portability test.
var progressText = map[string]string{
	"msgOutcomes": msgOutcomes + msgByAdvert + msgOutcomesGroup,
	"casOutcomes": casOutcomes + casOutcomesByAdvert + casOutcomesGroup,
	"advTargets":  advTargets,
}

// OutcomeMessageIDs are the messages that end a program's run: failure
// (10006, 10007) or success (10008, 10009, 10022).
var OutcomeMessageIDs = []int{MsgProgramFailed, MsgProgramFailedMIF, MsgProgramSucceeded, MsgProgramSucceededMIF, MsgProgramRebootPending}

// maxInList bounds the advertisements named in one query: SQL Server
// takes at most 2,100 parameters.
const maxInList = 500

// ProgressFilter selects the advertisements whose progress is counted.
type ProgressFilter struct {
	// Since and Until bound the outcome messages counted: a machine's
	// state is the last outcome it reported in [Since, Until).
	Since, Until time.Time
	// Active keeps the advertisements with an outcome reported from
	// Active on: those of the night's window. Zero keeps all.
	Active         time.Time
	Advertisements []string // empty: all
	Collections    []string // targeted collection IDs; empty: all
}

// Progress is how far one advertisement has got, with the time of the
// latest outcome the site database holds for it.
type Progress struct {
	smsfail.Progress
	LastReport time.Time
}

// Progress counts, for every advertisement with an outcome in the window,
// the machines targeted, succeeded, failed, by the route's view: the
// status messages (each machine's latest outcome message) or the
// per-client state. Sorted by advertisement ID.
func (db *DB) Progress(ctx context.Context, route Route, f ProgressFilter) ([]Progress, error) {
	nf, err := Filter{Since: f.Since, Until: f.Until, Advertisements: f.Advertisements}.normalize(time.Now())
	if err != nil {
		return nil, fmt.Errorf("cannot read deployment progress: %w", err)
	}
	route, err = db.Resolve(ctx, route)
	if err != nil {
		return nil, err
	}
	by := map[string]*Progress{}
	if route == RouteClientStatus {
		err = db.statusOutcomes(ctx, nf, by)
	} else {
		err = db.messageOutcomes(ctx, nf, by)
	}
	if err != nil {
		return nil, err
	}
	for id, p := range by {
		if p.LastReport.Before(f.Active) {
			delete(by, id)
		}
	}
	if err := db.targets(ctx, by); err != nil {
		return nil, err
	}
	out := make([]Progress, 0, len(by))
	for _, p := range by {
		if len(f.Collections) == 0 || slices.ContainsFunc(f.Collections, func(c string) bool { return strings.EqualFold(c, p.CollectionID) }) {
			out = append(out, *p)
		}
	}
	slices.SortFunc(out, func(a, b Progress) int { return strings.Compare(a.AdvertisementID, b.AdvertisementID) })
	return out, nil
}

// outcomesQuery is the text and arguments of msgOutcomes for a filter.
func (db *DB) outcomesQuery(f Filter) (string, []any, error) {
	return db.build(msgOutcomes, OutcomeMessageIDs, f, msgOutcomesGroup,
		clause{msgByAdvert, f.Advertisements, len(f.Advertisements) > 0})
}

// statusOutcomesQuery is the text and arguments of casOutcomes.
func (db *DB) statusOutcomesQuery(f Filter) (string, []any, error) {
	return db.build(casOutcomes, OutcomeMessageIDs, f, casOutcomesGroup,
		clause{casOutcomesByAdvert, f.Advertisements, len(f.Advertisements) > 0})
}

// targetsQuery is the text and arguments of advTargets for some
// advertisements.
func (db *DB) targetsQuery(ids []string) (string, []any, error) {
	q, args, err := sqlx.In(advTargets, ids)
	if err != nil {
		return "", nil, fmt.Errorf("cannot bind the query's parameters: %w", err)
	}
	return db.x.Rebind(q), args, nil
}

func (db *DB) messageOutcomes(ctx context.Context, f Filter, by map[string]*Progress) error {
	q, args, err := db.outcomesQuery(f)
	if err != nil {
		return err
	}
	var c *outcomeConsumer
	err = db.stream(ctx, "reading deployment progress from the status messages", q, args, func() consumer {
		c = &outcomeConsumer{latest: map[string]machineOutcome{}}
		return c
	})
	if err != nil {
		return err
	}
	for k, o := range c.latest {
		ad, _, _ := strings.Cut(k, "\x00")
		p := progressOf(by, ad)
		if success(o.message) {
			p.Succeeded++
		} else {
			p.Failed++
		}
		if o.at.After(p.LastReport) {
			p.LastReport = o.at
		}
	}
	return nil
}

// machineOutcome is a machine's latest outcome message for an
// advertisement.
type machineOutcome struct {
	message int
	at      time.Time
}

// outcomeConsumer keeps each machine's latest outcome per advertisement;
// at the same instant a failure counts over a success.
type outcomeConsumer struct {
	latest map[string]machineOutcome // advertisement, NUL, machine: upper case
}

func (c *outcomeConsumer) row(rows *sqlx.Rows) error {
	var advert, machine sql.NullString
	var msg sql.NullInt64
	var at aggregateTime
	if err := rows.Scan(&advert, &machine, &msg, &at); err != nil {
		return err
	}
	if str(advert) == "" || str(machine) == "" || !at.Valid {
		return nil
	}
	k := groupKey(advert.String, machine.String)
	o := machineOutcome{message: int(msg.Int64), at: at.Time.UTC()}
	if cur, ok := c.latest[k]; !ok || o.at.After(cur.at) || o.at.Equal(cur.at) && !success(o.message) {
		c.latest[k] = o
	}
	return nil
}

func (c *outcomeConsumer) flush() error { return nil }
func (c *outcomeConsumer) sent() bool   { return false }

func success(message int) bool { return slices.Contains(SuccessMessageIDs, message) }

func progressOf(by map[string]*Progress, advert string) *Progress {
	p, ok := by[advert]
	if !ok {
		p = &Progress{Progress: smsfail.Progress{AdvertisementID: advert}}
		by[advert] = p
	}
	return p
}

func (db *DB) statusOutcomes(ctx context.Context, f Filter, by map[string]*Progress) error {
	q, args, err := db.statusOutcomesQuery(f)
	if err != nil {
		return err
	}
	return db.stream(ctx, "reading deployment progress from the client states", q, args, func() consumer {
		clear(by)
		return &stateConsumer{by: by}
	})
}

// stateConsumer adds up the clients per advertisement and last message.
type stateConsumer struct{ by map[string]*Progress }

func (c *stateConsumer) row(rows *sqlx.Rows) error {
	var advert sql.NullString
	var msg, n sql.NullInt64
	var at aggregateTime
	if err := rows.Scan(&advert, &msg, &n, &at); err != nil {
		return err
	}
	if str(advert) == "" {
		return nil
	}
	p := progressOf(c.by, upper(str(advert)))
	if success(int(msg.Int64)) {
		p.Succeeded += int(n.Int64)
	} else {
		p.Failed += int(n.Int64)
	}
	if at.Valid && at.Time.After(p.LastReport) {
		p.LastReport = at.Time.UTC()
	}
	return nil
}

func (c *stateConsumer) flush() error { return nil }
func (c *stateConsumer) sent() bool   { return false }

// targets names the advertisements and counts their targeted clients, a
// few hundred advertisements a query.
func (db *DB) targets(ctx context.Context, by map[string]*Progress) error {
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for chunk := range slices.Chunk(ids, maxInList) {
		q, args, err := db.targetsQuery(chunk)
		if err != nil {
			return err
		}
		err = db.stream(ctx, "counting the machines advertisements target", q, args, func() consumer {
			return &targetConsumer{by: by}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

type targetConsumer struct{ by map[string]*Progress }

func (c *targetConsumer) row(rows *sqlx.Rows) error {
	var id, name, coll, collName sql.NullString
	var n sql.NullInt64
	if err := rows.Scan(&id, &name, &coll, &collName, &n); err != nil {
		return err
	}
	p, ok := c.by[upper(str(id))]
	if !ok {
		return nil
	}
	p.AdvertisementName, p.CollectionID, p.CollectionName, p.Targeted = str(name), str(coll), str(collName), int(n.Int64)
	return nil
}

func (c *targetConsumer) flush() error { return nil }
func (c *targetConsumer) sent() bool   { return false }

// aggregateTime scans MAX of a datetime column: SQL Server gives a time,
// SQLite the text the column holds, since an aggregate has no declared
// type there.
type aggregateTime struct {
	Time  time.Time
	Valid bool
}

// The forms the SQLite driver writes times in.
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", time.RFC3339Nano}

func (a *aggregateTime) Scan(v any) error {
	var s string
	switch v := v.(type) {
	case nil:
		*a = aggregateTime{}
		return nil
	case time.Time:
		*a = aggregateTime{v, true}
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("cannot read %T as a time", v)
	}
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			*a = aggregateTime{t, true}
			return nil
		}
	}
	return fmt.Errorf("cannot read %q as a time", s)
}
