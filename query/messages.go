package query

import (
	"database/sql"
	"slices"

	"github.com/jmoiron/sqlx"

	"smsfail"
)

// msgRow is one row of msgFailures. Every column may be NULL.
type msgRow struct {
	record                                 sql.NullInt64
	machine                                sql.NullString
	time                                   sql.NullTime
	site                                   sql.NullString
	messageID                              sql.NullInt64
	advert                                 sql.NullString
	insIndex                               sql.NullInt64
	insValue                               sql.NullString
	advName, pkgID, program, collID        sql.NullString
	pkgName, pkgVersion, cmdLine, collName sql.NullString
	resourceID                             sql.NullInt64
	netbios, domain, os                    sql.NullString
	client, active                         sql.NullInt64
}

func (r *msgRow) dest() []any {
	return []any{&r.record, &r.machine, &r.time, &r.site, &r.messageID, &r.advert,
		&r.insIndex, &r.insValue,
		&r.advName, &r.pkgID, &r.program, &r.collID,
		&r.pkgName, &r.pkgVersion, &r.cmdLine, &r.collName,
		&r.resourceID, &r.netbios, &r.domain, &r.os, &r.client, &r.active}
}

// sysRecord is a v_R_System record that matched a message's machine name.
type sysRecord struct {
	id             int64
	name           string
	domain, os     string
	client, active bool
}

// rank orders the records of one name: an active client first, then a
// client, then the rest. An unknown Active0 counts as active.
func (s sysRecord) rank() int {
	r := 0
	if s.client {
		r++
		if s.active {
			r++
		}
	}
	return r
}

// better: the higher rank, then the newest record.
func (s sysRecord) better(o sysRecord) bool {
	if s.rank() != o.rank() {
		return s.rank() > o.rank()
	}
	return s.id > o.id
}

// msgGrouper folds the rows of msgFailures, ordered by machine,
// advertisement, time and record, into one failure per machine and
// advertisement. It holds one message at a time.
type msgGrouper struct {
	f         Filter
	db        *DB
	fn        func(smsfail.Failure) error
	delivered bool

	key    string
	count  int
	record int64
	latest msgRow
	ins    []insString
	sys    []sysRecord
}

func (g *msgGrouper) sent() bool { return g.delivered }

func (g *msgGrouper) row(rows *sqlx.Rows) error {
	var r msgRow
	if err := rows.Scan(r.dest()...); err != nil {
		return err
	}
	if str(r.machine) == "" || str(r.advert) == "" || !r.time.Valid {
		g.db.log.Warn("site database: status message without machine, advertisement or time skipped",
			"record", r.record.Int64, "machine", r.machine.String, "advertisement", r.advert.String)
		return nil
	}
	if k := groupKey(r.machine.String, r.advert.String); k != g.key {
		if err := g.flush(); err != nil {
			return err
		}
		g.key, g.count = k, 0
	}
	if r.record.Int64 != g.record || g.count == 0 {
		g.count++
		g.record, g.latest, g.ins, g.sys = r.record.Int64, r, g.ins[:0], g.sys[:0]
	}
	if r.insIndex.Valid && !slices.ContainsFunc(g.ins, func(s insString) bool { return s.index == int(r.insIndex.Int64) }) {
		g.ins = append(g.ins, insString{int(r.insIndex.Int64), r.insValue.String})
	}
	if r.resourceID.Valid && !slices.ContainsFunc(g.sys, func(s sysRecord) bool { return s.id == r.resourceID.Int64 }) {
		g.sys = append(g.sys, sysRecord{id: r.resourceID.Int64, name: str(r.netbios), domain: str(r.domain), os: str(r.os),
			client: r.client.Int64 == 1, active: !r.active.Valid || r.active.Int64 == 1})
	}
	return nil
}

// flush hands on the failure of the group that is complete.
func (g *msgGrouper) flush() error {
	if g.count == 0 {
		return nil
	}
	defer func() { g.count = 0 }()
	r := g.latest
	slices.SortFunc(g.ins, func(a, b insString) int { return a.index - b.index })
	fl := smsfail.Failure{
		Machine: str(r.machine), SiteCode: str(r.site),
		AdvertisementID: upper(str(r.advert)), AdvertisementName: str(r.advName),
		PackageID: str(r.pkgID), PackageName: str(r.pkgName), PackageVersion: str(r.pkgVersion),
		ProgramName: str(r.program), CommandLine: str(r.cmdLine),
		CollectionID: str(r.collID), CollectionName: str(r.collName),
		Time: r.time.Time.UTC(), Count: g.count, RecordID: r.record.Int64,
	}
	if len(g.sys) > 0 {
		best := g.sys[0]
		for _, s := range g.sys[1:] {
			if s.better(best) {
				best = s
			}
		}
		fl.ResourceID, fl.Domain, fl.OS = best.id, best.domain, best.os
		if best.name != "" {
			fl.Machine = best.name
		}
	}
	var reason string
	fl.ExitCode, fl.ExitCodeKnown, reason = readExitCode(g.ins, g.f.ExitCodeIndex)
	if !fl.ExitCodeKnown {
		g.db.log.Warn("site database: exit code unknown, failure kept", "machine", fl.Machine,
			"advertisement", fl.AdvertisementID, "record", fl.RecordID, "reason", reason)
	} else if !g.f.wantsExitCode(fl.ExitCode) {
		return nil
	}
	if err := g.fn(fl); err != nil {
		return &callbackError{err}
	}
	g.delivered = true
	return nil
}
