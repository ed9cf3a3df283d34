package query

import (
	"context"
	"database/sql"
	"log/slog"
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

// casColumns names the columns of casFailures, for the log.
var casColumns = []string{"AdvertisementID", "ResourceID", "LastStatusTime", "LastStatusMessageID", "LastExecutionResult",
	"Netbios_Name0", "Resource_Domain_OR_Workgr0", "Operating_System_Name_and0",
	"AdvertisementName", "PackageID", "ProgramName", "CollectionID",
	"v_Package.Name", "Version", "CommandLine", "v_Collection.Name", "SiteCode"}

// statusFailures reads the client-status route. The view keeps only the
// last state, so the failures in the window are counted from the status
// messages first (a map of counts, not of records). The view knows
// machines only by their v_R_System record: the failures of machines
// without one, or without a name, come from their status messages. All
// of them meet in one merger, so a machine the view and the messages both
// give (its name in another case on a site that compares text as it is)
// is reported once.
func (db *DB) statusFailures(ctx context.Context, f Filter, fn func(smsfail.Failure) error) error {
	counts, err := db.failureCounts(ctx, f)
	if err != nil {
		return err
	}
	m := newMerger(db.log)
	if err := db.readUnknown(ctx, f, counts, m); err != nil {
		return err
	}
	q, args, err := db.statusQuery(f)
	if err != nil {
		return err
	}
	err = db.stream(ctx, "reading failures from v_ClientAdvertisementStatus", q, args, func() consumer {
		return &casGrouper{f: f, db: db, counts: counts.n, shared: m, skips: map[string]int{}}
	})
	if err != nil {
		return err
	}
	return m.deliver(f, fn)
}

// machinesPerQuery bounds the machine names one query binds: SQL Server
// takes at most 2,100 parameters in all.
const machinesPerQuery = 1000

// readUnknown reads the failures of the machines v_R_System does not know
// from their messages, a bounded number of names per query, and those of
// messages without a machine name.
func (db *DB) readUnknown(ctx context.Context, f Filter, c *countConsumer, m *merger) error {
	for names := range slices.Chunk(c.unknown, machinesPerQuery) {
		f.machines = names
		if err := db.readMessages(ctx, f, m); err != nil {
			return err
		}
	}
	if !c.nameless {
		return nil
	}
	f.machines, f.nameless = nil, true
	return db.readMessages(ctx, f, m)
}

// casGrouper turns the view's rows into failures for the merger: a name
// may still have two current records, each with its row.
type casGrouper struct {
	f      Filter
	db     *DB
	counts map[string]int
	shared *merger
	found  []candidate
	skips  map[string]int

	buf  casRow // the row being read, scanned in place
	dest []any  // buf's columns
}

func (g *casGrouper) sent() bool { return false }

func (g *casGrouper) row(rows *sqlx.Rows) error {
	if g.dest == nil {
		g.dest = g.buf.dest()
	}
	r := &g.buf
	bad, raw, err := scanRow(rows, g.dest)
	if err != nil {
		return err
	}
	badCells(g.db.log, "v_ClientAdvertisementStatus", casColumns, bad, raw)
	reason := ""
	switch {
	case str(r.advert) == "":
		reason = "no advertisement"
	case !r.time.Valid:
		reason = "no time"
	}
	if reason != "" {
		g.skips[reason]++
		g.db.log.Warn("site database: client status skipped: "+reason, "resource", r.resourceID.Int64,
			"machine", r.machine.String, "advertisement", r.advert.String)
		return nil
	}
	g.found = append(g.found, g.failure(r))
	return nil
}

func (g *casGrouper) failure(r *casRow) candidate {
	fl := smsfail.Failure{
		Machine: str(r.machine), ResourceID: r.resourceID.Int64, Domain: str(r.domain), OS: str(r.os),
		SiteCode:        upper(str(r.site)),
		AdvertisementID: upper(str(r.advert)), AdvertisementName: str(r.advName),
		PackageID: upper(str(r.pkgID)), PackageName: str(r.pkgName), PackageVersion: str(r.pkgVersion),
		ProgramName: str(r.program), CommandLine: str(r.cmdLine),
		CollectionID: upper(str(r.collID)), CollectionName: str(r.collName),
		Time: r.time.Time.UTC(), Count: max(g.counts[groupKey(r.machine.String, r.advert.String)], 1),
	}
	c := candidate{fl: fl}
	c.fl.ExitCode, c.fl.ExitCodeKnown = parseCode(r.result.String)
	if !c.fl.ExitCodeKnown {
		c.reason = "LastExecutionResult is " + quoteNull(r.result)
	}
	return c
}

// flush hands the rows read to the merger: the view's rows and the
// messages count the same failures, so the larger count stands.
func (g *casGrouper) flush() error {
	for _, c := range g.found {
		g.shared.add(c, countMax)
	}
	for r, n := range g.skips {
		g.shared.skips[r] += n
	}
	return nil
}

// failureCounts counts the failures per machine and advertisement, and
// names the machines v_R_System does not know and whether some messages
// carry no machine name.
func (db *DB) failureCounts(ctx context.Context, f Filter) (*countConsumer, error) {
	q, args, err := db.countQuery(f)
	if err != nil {
		return nil, err
	}
	var c *countConsumer
	err = db.stream(ctx, "counting failure messages", q, args, func() consumer {
		c = &countConsumer{n: map[string]int{}, log: db.log}
		return c
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(c.unknown)
	c.unknown = slices.Compact(c.unknown)
	return c, nil
}

func (db *DB) countQuery(f Filter) (string, []any, error) {
	return db.build(msgCounts, f.MessageIDs, f, msgCountsGroup,
		clause{msgByAdvert, f.Advertisements, len(f.Advertisements) > 0},
		clause{msgBySite, f.SiteCode, f.SiteCode != ""})
}

type countConsumer struct {
	n        map[string]int
	unknown  []string // machine names v_R_System does not know, as the messages give them
	nameless bool     // some messages carry no machine name
	log      *slog.Logger
}

var countColumns = []string{"MachineName", "AttributeValue", "COUNT(DISTINCT Time)", "MAX(ResourceID)"}

func (c *countConsumer) row(rows *sqlx.Rows) error {
	var machine, advert sql.NullString
	var n, resource sql.NullInt64
	bad, raw, err := scanRow(rows, []any{&machine, &advert, &n, &resource})
	if err != nil {
		return err
	}
	badCells(c.log, "the failure counts", countColumns, bad, raw)
	c.n[groupKey(machine.String, advert.String)] += int(n.Int64)
	switch {
	case str(machine) == "":
		c.nameless = true
	case !resource.Valid:
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
