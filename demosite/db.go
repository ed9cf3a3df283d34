package demosite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Severity values as v_StatusMessage stores them (signed 32-bit).
const (
	severityError         = -1073741824
	severityInformational = 1073741824
)

// Message types.
const (
	typeMilestone = 256
	typeDetail    = 512
)

// uriPath escapes what a "file:" URI would read as an escape, the query or
// a fragment, so a site in a folder named "site #2" is written where asked.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// openNew creates the database file with settings for a fast bulk load:
// the file is scratch until Generate returns, so durability can wait.
func openNew(path string) (*sql.DB, error) {
	dsn := "file:" + uriPath.Replace(path) + "?_time_format=sqlite&_pragma=journal_mode(off)&_pragma=synchronous(off)" +
		"&_pragma=cache_size(-200000)&_pragma=temp_store(memory)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// schemaStatements splits the schema into its table and index statements.
func schemaStatements() (tables, indexes []string) {
	var b strings.Builder
	for _, line := range strings.Split(Schema, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "--") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	for _, st := range strings.Split(b.String(), ";") {
		st = strings.TrimSpace(st)
		switch {
		case st == "":
		case strings.HasPrefix(st, "CREATE INDEX"):
			indexes = append(indexes, st)
		default:
			tables = append(tables, st)
		}
	}
	return tables, indexes
}

func execAll(ctx context.Context, tx *sql.Tx, stmts []string) error {
	for _, st := range stmts {
		if _, err := tx.ExecContext(ctx, st); err != nil {
			return fmt.Errorf("cannot run %.40q: %w", st, err)
		}
	}
	return nil
}

// writeInventory writes collections, advertisements, packages, programs,
// machines and collection membership.
func writeInventory(ctx context.Context, tx *sql.Tx, r *rand.Rand, s *site) error {
	for _, c := range s.collections {
		if _, err := tx.ExecContext(ctx, `INSERT INTO v_Collection VALUES (?,?,?)`, c.id, c.name, c.comment); err != nil {
			return fmt.Errorf("cannot write collection %s: %w", c.id, err)
		}
	}
	for _, ad := range s.adverts {
		if err := writeAdvert(ctx, tx, ad); err != nil {
			return err
		}
	}
	return writeMachines(ctx, tx, r, s)
}

func writeAdvert(ctx context.Context, tx *sql.Tx, ad *advertisement) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO v_Advertisement VALUES (?,?,?,?,?,?,?,?)`,
		ad.id, ad.name, ad.packageID, ad.programName, ad.collectionID, 1, ad.presentTime, ad.comment); err != nil {
		return fmt.Errorf("cannot write advertisement %s: %w", ad.id, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO v_Package VALUES (?,?,?,?,?)`,
		ad.packageID, ad.packageName, ad.version, ad.manufacturer, "English"); err != nil {
		return fmt.Errorf("cannot write package %s: %w", ad.packageID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO v_Program VALUES (?,?,?)`,
		ad.packageID, ad.programName, ad.commandLine); err != nil {
		return fmt.Errorf("cannot write program %s of %s: %w", ad.programName, ad.packageID, err)
	}
	return nil
}

// systemRecord is one row of v_R_System.
type systemRecord struct {
	id                                  int64
	name                                string
	domain, os                          any
	client, obsolete, decommiss, active any
}

// systemRecords gives a client's records: its own, and sometimes an
// obsolete one from before a reinstall, a decommissioned one, or one that
// Active Directory discovery made without the client.
func systemRecords(r *rand.Rand, c *client) []systemRecord {
	own := systemRecord{id: c.resourceID, name: c.name, domain: c.domain, os: c.os,
		client: 1, obsolete: 0, decommiss: 0, active: 1}
	if c.nullColumns {
		own.domain, own.os, own.obsolete, own.active = nil, nil, nil, nil
	}
	recs := []systemRecord{own}
	switch x := r.Float64(); {
	case x < 0.015:
		recs = append(recs, systemRecord{id: c.resourceID - 1, name: c.name, domain: c.domain, os: osWin2000,
			client: 1, obsolete: 1, decommiss: 0, active: 0})
	case x < 0.025:
		recs = append(recs, systemRecord{id: c.resourceID - 2, name: c.name, domain: c.domain, os: c.os,
			client: 1, obsolete: 0, decommiss: 1, active: 0})
	case x < 0.03:
		recs = append(recs, systemRecord{id: c.resourceID - 3, name: c.name, domain: c.domain, os: nil,
			client: nil, obsolete: 0, decommiss: 0, active: 0})
	}
	return recs
}

func writeMachines(ctx context.Context, tx *sql.Tx, r *rand.Rand, s *site) error {
	sys, err := newInserter(ctx, tx, "v_R_System", 9)
	if err != nil {
		return err
	}
	fcm, err := newInserter(ctx, tx, "v_FullCollectionMembership", 5)
	if err != nil {
		return err
	}
	for _, c := range s.clients {
		if !c.known {
			continue
		}
		for _, rec := range systemRecords(r, c) {
			if err := sys.add(ctx, rec.id, rec.name, rec.name, rec.domain, rec.os,
				rec.client, rec.obsolete, rec.decommiss, rec.active); err != nil {
				return err
			}
			if rec.decommiss == 1 {
				continue
			}
			if err := fcm.add(ctx, "SMS00001", rec.id, rec.name, s.code, rec.client); err != nil {
				return err
			}
		}
		for _, ad := range s.adverts {
			if ad.collectionID == "SMS00001" || !ad.targetsClient(c) {
				continue
			}
			if err := fcm.add(ctx, ad.collectionID, c.resourceID, c.name, s.code, 1); err != nil {
				return err
			}
		}
	}
	if err := sys.close(ctx); err != nil {
		return err
	}
	return fcm.close(ctx)
}

// writeClientStatus fills v_ClientAdvertisementStatus with the last state
// of every assignment whose machine the site knows.
func writeClientStatus(ctx context.Context, tx *sql.Tx, as []*assignment) error {
	in, err := newInserter(ctx, tx, "v_ClientAdvertisementStatus", 9)
	if err != nil {
		return err
	}
	for _, a := range as {
		if !a.c.known {
			continue
		}
		if err := in.add(ctx, clientStatusRow(a)...); err != nil {
			return err
		}
	}
	return in.close(ctx)
}

func clientStatusRow(a *assignment) []any {
	if len(a.runs) == 0 {
		return []any{a.ad.id, a.c.resourceID, 0, "No Status", nil, nil, nil, nil, nil}
	}
	last := a.runs[len(a.runs)-1]
	// LastState numbers are the demo's own: the job reads the message ID
	// and LastExecutionResult, never LastState.
	state, stateName, msgName := 13, "Succeeded", "Program completed with success"
	switch a.outcome {
	case msgFailed:
		state, stateName, msgName = 11, "Failed", "Program failed"
	case msgRebootRequired:
		msgName = "Program completed with success (restart pending)"
	}
	return []any{a.ad.id, a.c.resourceID, state, stateName, a.outcome, msgName, msgTime(last.end),
		"Accepted - No Further Status", fmt.Sprint(a.exit)}
}

// msgTime is t as SQL Server's datetime holds it: in ticks of 1/300 s,
// rounded to the nearest, read back in whole milliseconds (.000, .003,
// .007), as go-mssqldb decodes them. The demo site stores no time a real
// site could not.
func msgTime(t time.Time) time.Time {
	t = t.UTC()
	sec := t.Truncate(time.Second)
	ticks := int(math.Round(float64(t.Nanosecond()) * 3 / 1e7))
	ms := int(math.Trunc(float64(ticks)/0.3 + 0.5))
	return sec.Add(time.Duration(ms) * time.Millisecond)
}
