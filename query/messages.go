package query

import (
	"database/sql"
	"slices"
	"strings"
	"time"

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

// msgColumns names the columns of msgFailures, for the log.
var msgColumns = []string{"v_StatusMessage.RecordID", "MachineName", "Time", "SiteCode", "MessageID", "AttributeValue",
	"InsStrIndex", "InsStrValue", "AdvertisementName", "PackageID", "ProgramName", "CollectionID",
	"v_Package.Name", "Version", "CommandLine", "v_Collection.Name",
	"ResourceID", "Netbios_Name0", "Resource_Domain_OR_Workgr0", "Operating_System_Name_and0", "Client0", "Active0"}

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

// message is one status message: its first row, and what its rows gave.
type message struct {
	row msgRow
	ins []insString
	sys []sysRecord
}

// sameMessage: the rows of one message share its record, time, machine
// and advertisement (a RecordID that could not be read is NULL in all).
func sameMessage(a, b *msgRow) bool {
	return a.record == b.record && a.time.Valid == b.time.Valid && a.time.Time.Equal(b.time.Time) &&
		a.machine == b.machine && a.advert == b.advert
}

// msgState is what the messages of one machine and advertisement gave:
// the distinct times of its failures (a message copied in again under a
// new RecordID has its original's time, and counts once), the latest
// message, and every v_R_System record its name matched.
type msgState struct {
	advert string
	times  []time.Time
	latest *message
	sys    []sysRecord
}

// msgGrouper folds the rows of msgFailures (a message's rows come
// together: the order ends on time, record, resource and index) into one
// state per machine and advertisement, compared as the site compares
// them, and hands the failures to the merger when the rows end.
type msgGrouper struct {
	f      Filter
	db     *DB
	shared *merger

	cur    *message
	states map[string]*msgState
	skips  map[string]int

	buf  msgRow // the row being read, scanned in place
	dest []any  // buf's columns
}

func (db *DB) newMsgGrouper(f Filter, m *merger) *msgGrouper {
	return &msgGrouper{f: f, db: db, shared: m, states: map[string]*msgState{}, skips: map[string]int{}}
}

func (g *msgGrouper) sent() bool { return false }

func (g *msgGrouper) row(rows *sqlx.Rows) error {
	if g.dest == nil {
		g.dest = g.buf.dest()
	}
	r := &g.buf
	bad, raw, err := scanRow(rows, g.dest)
	if err != nil {
		return err
	}
	if g.cur == nil || !sameMessage(&g.cur.row, r) {
		g.commit()
		g.cur = &message{row: *r}
		badCells(g.db.log, "v_StatusMessage", msgColumns, bad, raw)
	}
	m := g.cur
	if r.insIndex.Valid && !slices.ContainsFunc(m.ins, func(s insString) bool { return s.index == int(r.insIndex.Int64) }) {
		m.ins = append(m.ins, insString{int(r.insIndex.Int64), r.insValue.String})
	}
	if r.resourceID.Valid && !slices.ContainsFunc(m.sys, func(s sysRecord) bool { return s.id == r.resourceID.Int64 }) {
		m.sys = append(m.sys, sysRecord{id: r.resourceID.Int64, name: str(r.netbios), domain: str(r.domain), os: str(r.os),
			client: r.client.Int64 == 1, active: !r.active.Valid || r.active.Int64 == 1})
	}
	return nil
}

func (g *msgGrouper) skip(reason string, r *msgRow) {
	g.skips[reason]++
	g.db.log.Warn("site database: status message skipped: "+reason, "record", r.record.Int64,
		"machine", r.machine.String, "advertisement", r.advert.String)
}

// commit adds the message read to its machine and advertisement.
func (g *msgGrouper) commit() {
	m := g.cur
	if m == nil {
		return
	}
	g.cur = nil
	r := &m.row
	if !r.time.Valid {
		g.skip("no time", r)
		return
	}
	advert := str(r.advert)
	if advert == "" {
		advert = advertFromIns(m.ins)
	}
	if advert == "" {
		g.skip("no advertisement", r)
		return
	}
	k := groupKey(r.machine.String, advert)
	st := g.states[k]
	if st == nil {
		st = &msgState{}
		g.states[k] = st
	}
	t := r.time.Time
	if !slices.ContainsFunc(st.times, t.Equal) {
		st.times = append(st.times, t)
	}
	if l := st.latest; l == nil || t.After(l.row.time.Time) || (t.Equal(l.row.time.Time) && r.record.Int64 > l.row.record.Int64) {
		st.latest, st.advert = m, advert
	}
	for _, s := range m.sys {
		if !slices.ContainsFunc(st.sys, func(o sysRecord) bool { return o.id == s.id }) {
			st.sys = append(st.sys, s)
		}
	}
}

// advertFromIns reads the advertisement from insertion string 0, which
// holds it in every advertised program's message, for a message whose
// attribute 401 is empty.
func advertFromIns(ins []insString) string {
	for _, s := range ins {
		if v := strings.TrimSpace(s.value); s.index == 0 && ValidAdvertisementID(v) {
			return v
		}
	}
	return ""
}

// flush hands the failures to the merger.
func (g *msgGrouper) flush() error {
	g.commit()
	for _, st := range g.states {
		g.shared.add(g.failure(st), countSum)
	}
	for r, n := range g.skips {
		g.shared.skips[r] += n
	}
	return nil
}

func (g *msgGrouper) failure(st *msgState) candidate {
	r := st.latest.row
	ins := slices.Clone(st.latest.ins)
	slices.SortFunc(ins, func(a, b insString) int { return a.index - b.index })
	fl := smsfail.Failure{
		Machine: str(r.machine), SiteCode: upper(str(r.site)),
		AdvertisementID: upper(st.advert), AdvertisementName: str(r.advName),
		PackageID: upper(str(r.pkgID)), PackageName: str(r.pkgName), PackageVersion: str(r.pkgVersion),
		ProgramName: str(r.program), CommandLine: str(r.cmdLine),
		CollectionID: upper(str(r.collID)), CollectionName: str(r.collName),
		Time: r.time.Time.UTC(), Count: len(st.times), RecordID: r.record.Int64,
	}
	if len(st.sys) > 0 {
		best := st.sys[0]
		for _, s := range st.sys[1:] {
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
	fl.ExitCode, fl.ExitCodeKnown, reason = readExitCode(ins, g.f.ExitCodeIndex)
	return candidate{fl: fl, reason: reason}
}
