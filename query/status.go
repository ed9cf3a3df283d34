package query

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"

	"smsfail"
)

// casRow is one row of casFailures. Every column may be NULL.
type casRow struct {
	advert                                 sql.NullString
	resourceID                             sql.NullInt64
	time                                   sql.NullTime
	messageID                              sql.NullInt64
	result                                 sql.NullString
	machine, domain, os                    sql.NullString
	advName, pkgID, program, collID        sql.NullString
	pkgName, pkgVersion, cmdLine, collName sql.NullString
	site                                   sql.NullString
}

func (r *casRow) dest() []any {
	return []any{&r.advert, &r.resourceID, &r.time, &r.messageID, &r.result,
		&r.machine, &r.domain, &r.os,
		&r.advName, &r.pkgID, &r.program, &r.collID,
		&r.pkgName, &r.pkgVersion, &r.cmdLine, &r.collName, &r.site}
}

func (db *DB) statusQuery(f Filter) (string, []any, error) {
	return db.build(casFailures, f.MessageIDs, f, casFailuresOrder,
		clause{casByAdvert, f.Advertisements, len(f.Advertisements) > 0},
		clause{casByCollection, f.Collections, len(f.Collections) > 0},
		clause{casBySite, f.SiteCode, f.SiteCode != ""})
}

// statusFailures reads the client-status route. The view keeps only the
// last state, so the failures in the window are counted from the status
// messages first (a map of counts, not of records). The view knows
// machines only by their v_R_System record: the failures of machines
// without one come from their status messages, merged in order.
func (db *DB) statusFailures(ctx context.Context, f Filter, fn func(smsfail.Failure) error) error {
	counts, unknown, err := db.failureCounts(ctx, f)
	if err != nil {
		return err
	}
	pending, err := db.unknownFailures(ctx, f, unknown)
	if err != nil {
		return err
	}
	q, args, err := db.statusQuery(f)
	if err != nil {
		return err
	}
	return db.stream(ctx, "reading failures from v_ClientAdvertisementStatus", q, args, func() consumer {
		return &casGrouper{f: f, db: db, fn: fn, counts: counts, pending: pending}
	})
}

// machinesPerQuery bounds the machine names one query binds: SQL Server
// takes at most 2,100 parameters in all.
const machinesPerQuery = 1000

// unknownFailures reads the failures of the named machines from their
// messages, a bounded number of names per query, ordered as groupKey
// orders them.
func (db *DB) unknownFailures(ctx context.Context, f Filter, machines []string) ([]smsfail.Failure, error) {
	var out []smsfail.Failure
	for names := range slices.Chunk(machines, machinesPerQuery) {
		f.machines = names
		err := db.messageFailures(ctx, f, func(fl smsfail.Failure) error {
			out = append(out, fl)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(out, func(a, b smsfail.Failure) int {
		return strings.Compare(groupKey(a.Machine, a.AdvertisementID), groupKey(b.Machine, b.AdvertisementID))
	})
	return out, nil
}

// casGrouper keeps the latest row per machine and advertisement: a name
// may still have two current records.
type casGrouper struct {
	f         Filter
	db        *DB
	fn        func(smsfail.Failure) error
	counts    map[string]int
	pending   []smsfail.Failure // of machines unknown to v_R_System, ordered
	delivered bool

	key    string
	latest *casRow
}

func (g *casGrouper) sent() bool { return g.delivered }

func (g *casGrouper) row(rows *sqlx.Rows) error {
	r := new(casRow)
	if err := rows.Scan(r.dest()...); err != nil {
		return err
	}
	if str(r.machine) == "" || str(r.advert) == "" || !r.time.Valid {
		g.db.log.Warn("site database: client status without machine name, advertisement or time skipped",
			"resource", r.resourceID.Int64, "advertisement", r.advert.String)
		return nil
	}
	if k := groupKey(str(r.machine), r.advert.String); k != g.key {
		if err := g.emitGroup(); err != nil {
			return err
		}
		g.key = k
	}
	g.latest = r // rows come in time order: the last is the latest
	return nil
}

// flush ends the stream: the last group, then what is left of pending.
func (g *casGrouper) flush() error {
	if err := g.emitGroup(); err != nil {
		return err
	}
	return g.emitPending("\xff")
}

// emitPending hands on the pending failures ordered before key.
func (g *casGrouper) emitPending(key string) error {
	for len(g.pending) > 0 && groupKey(g.pending[0].Machine, g.pending[0].AdvertisementID) < key {
		if err := g.emit(g.pending[0]); err != nil {
			return err
		}
		g.pending = g.pending[1:]
	}
	return nil
}

func (g *casGrouper) emit(fl smsfail.Failure) error {
	if err := g.fn(fl); err != nil {
		return &callbackError{err}
	}
	g.delivered = true
	return nil
}

func (g *casGrouper) emitGroup() error {
	r := g.latest
	if r == nil {
		return nil
	}
	g.latest = nil
	fl := smsfail.Failure{
		Machine: str(r.machine), ResourceID: r.resourceID.Int64, Domain: str(r.domain), OS: str(r.os),
		SiteCode:        str(r.site),
		AdvertisementID: upper(str(r.advert)), AdvertisementName: str(r.advName),
		PackageID: str(r.pkgID), PackageName: str(r.pkgName), PackageVersion: str(r.pkgVersion),
		ProgramName: str(r.program), CommandLine: str(r.cmdLine),
		CollectionID: str(r.collID), CollectionName: str(r.collName),
		Time: r.time.Time.UTC(), Count: max(g.counts[g.key], 1),
	}
	fl.ExitCode, fl.ExitCodeKnown = parseCode(r.result.String)
	if !fl.ExitCodeKnown {
		g.db.log.Warn("site database: exit code unknown, failure kept", "machine", fl.Machine,
			"advertisement", fl.AdvertisementID, "reason", "LastExecutionResult is "+quoteNull(r.result))
	} else if !g.f.wantsExitCode(fl.ExitCode) {
		return nil
	}
	if err := g.emitPending(g.key); err != nil {
		return err
	}
	return g.emit(fl)
}

// failureCounts counts the failure messages per machine and
// advertisement, and names the machines v_R_System does not know.
func (db *DB) failureCounts(ctx context.Context, f Filter) (map[string]int, []string, error) {
	q, args, err := db.build(msgCounts, f.MessageIDs, f, msgCountsGroup,
		clause{msgByAdvert, f.Advertisements, len(f.Advertisements) > 0},
		clause{msgBySite, f.SiteCode, f.SiteCode != ""})
	if err != nil {
		return nil, nil, err
	}
	var c *countConsumer
	err = db.stream(ctx, "counting failure messages", q, args, func() consumer {
		c = &countConsumer{counts: map[string]int{}}
		return c
	})
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(c.unknown)
	return c.counts, slices.Compact(c.unknown), nil
}

type countConsumer struct {
	counts  map[string]int
	unknown []string
}

func (c *countConsumer) row(rows *sqlx.Rows) error {
	var machine, advert sql.NullString
	var n, resource sql.NullInt64
	if err := rows.Scan(&machine, &advert, &n, &resource); err != nil {
		return err
	}
	c.counts[groupKey(machine.String, advert.String)] += int(n.Int64)
	if !resource.Valid && machine.Valid {
		c.unknown = append(c.unknown, machine.String)
	}
	return nil
}

func (c *countConsumer) flush() error { return nil }
func (c *countConsumer) sent() bool   { return false }

func quoteNull(s sql.NullString) string {
	if !s.Valid {
		return "NULL"
	}
	return `"` + s.String + `"`
}

func upper(s string) string { return strings.ToUpper(s) }
