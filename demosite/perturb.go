package demosite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Oddity is one way a real site database is odder than the generated
// one. Perturb applies them to a generated site and keeps its truth true.
type Oddity uint32

// Oddities.
const (
	OddCaseFlip           Oddity = 1 << iota // messages, attributes and the view name a machine and an advertisement in other cases than v_R_System; v_R_System holds a name in lower case
	OddObsoleteTwin                          // obsolete and decommissioned records of a failing machine's name, with a later failed state of their own
	OddDuplicateResource                     // a second current record of one name (a reinstall discovery has not cleaned up), with its own failed state
	OddNullColumns                           // NULL domain and OS; a NULL NetBIOS name
	OddDeletedAdvert                         // an advertisement deleted after its failures, with its package and program
	OddDeletedPackage                        // a package deleted while its advertisement stays
	OddExitCodeElsewhere                     // the exit code at another insertion-string index, or with spaces around it, in the messages and the view
	OddExitCodeUnreadable                    // no insertion string holds an integer, and the view's LastExecutionResult is NULL
	OddSmallRecordIDs                        // the latest message of a failure numbered just past 2^32, below older ones
	OddLateCopies                            // failure messages copied in again under new RecordIDs, some by another site
	OddPathNames                             // machine names holding path characters (..\, /, \\host\share)
	OddLongNames                             // machine names of 15 characters, the NetBIOS limit, with a longer Name0
	OddNoCollection                          // failing clients in no collection at all
	OddSeveralSites                          // some clients' messages come from another site
	OddNamelessMachine                       // failure messages without a machine name

	OddAll = OddNamelessMachine<<1 - 1
)

var oddityNames = []string{"case-flip", "obsolete-twin", "duplicate-resource", "null-columns", "deleted-advert",
	"deleted-package", "exit-code-elsewhere", "exit-code-unreadable", "small-record-ids", "late-copies",
	"path-names", "long-names", "no-collection", "several-sites", "nameless-machine"}

func (o Oddity) String() string {
	var names []string
	for i, n := range oddityNames {
		if o&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	return strings.Join(names, ",")
}

// Perturb makes the site generated in dir odd in the ways odd selects,
// choosing its victims with seed, and rewrites truth.json to say what the
// job must now report. It returns the new truth.
func Perturb(ctx context.Context, dir string, seed int64, odd Oddity) (*Truth, error) {
	tr, err := ReadTruth(filepath.Join(dir, TruthFile))
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+uriPath.Replace(filepath.Join(dir, DBFile))+"?_time_format=sqlite")
	if err != nil {
		return nil, fmt.Errorf("cannot open the demo site to perturb: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	p := &perturber{ctx: ctx, db: db, dir: dir, tr: tr, r: rand.New(rand.NewPCG(uint64(seed), 0x0dd)), record: 1 << 59}
	p.victims()
	tr.Oddities = map[string]int{}
	for i, apply := range p.steps() {
		if odd&(1<<i) == 0 {
			continue
		}
		before := p.changes
		if err := apply(); err != nil {
			return nil, fmt.Errorf("cannot make the demo site odd (%s): %w", Oddity(1<<i), err)
		}
		tr.Oddities[oddityNames[i]] = p.changes - before
	}
	tr.sortFailures()
	return tr, tr.write(filepath.Join(dir, TruthFile))
}

type perturber struct {
	ctx     context.Context
	db      *sql.DB
	dir     string
	tr      *Truth
	r       *rand.Rand
	pool    []string // machines v_R_System knows with failures, not yet made odd
	record  int64    // the next RecordID of a message written here
	ids     int64    // ResourceIDs handed out here
	deleted string   // the advertisement deleted
	changes int      // statements that changed the site
}

func (p *perturber) steps() []func() error {
	return []func() error{p.caseFlip, p.obsoleteTwin, p.duplicateResource, p.nullColumns, p.deletedAdvert,
		p.deletedPackage, p.exitCodeElsewhere, p.exitCodeUnreadable, p.smallRecordIDs, p.lateCopies,
		p.pathNames, p.longNames, p.noCollection, p.severalSites, p.nameless}
}

// victims lists the machines the site knows with failures, shuffled:
// each oddity takes its own, so that what is true of each stays simple.
// Machines with a second current record of their name are left alone.
func (p *perturber) victims() {
	seen := map[string]bool{}
	for _, f := range p.tr.Failures {
		if f.ResourceID != 0 && !seen[f.Machine] && fetchable(f.Machine) {
			seen[f.Machine] = true
			p.pool = append(p.pool, f.Machine)
		}
	}
	p.r.Shuffle(len(p.pool), func(i, j int) { p.pool[i], p.pool[j] = p.pool[j], p.pool[i] })
}

func fetchable(name string) bool { return !strings.ContainsAny(name, "?") }

// take hands out the next machine, or "" when none is left.
func (p *perturber) take() string {
	if len(p.pool) == 0 {
		return ""
	}
	m := p.pool[0]
	p.pool = p.pool[1:]
	return m
}

func (p *perturber) exec(q string, args ...any) error {
	res, err := p.db.ExecContext(p.ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%.60s: %w", strings.Join(strings.Fields(q), " "), err)
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		p.changes++
	}
	return nil
}

// failuresOf gives the indexes of a machine's failures in the truth.
func (p *perturber) failuresOf(machine string) []int {
	var out []int
	for i, f := range p.tr.Failures {
		if strings.EqualFold(f.Machine, machine) {
			out = append(out, i)
		}
	}
	return out
}

func (p *perturber) resourceOf(machine string) int64 {
	for _, f := range p.tr.Failures {
		if strings.EqualFold(f.Machine, machine) {
			return f.ResourceID
		}
	}
	return 0
}

// latestRecord is the RecordID of a failure's latest message.
func (p *perturber) latestRecord(f TruthFailure) (int64, error) {
	var id int64
	err := p.db.QueryRowContext(p.ctx, `SELECT sm.RecordID FROM v_StatusMessage sm
		JOIN v_StatMsgAttributes a ON a.RecordID = sm.RecordID AND a.AttributeID = 401
		WHERE sm.MessageID = 10006 AND sm.MachineName = ? AND a.AttributeValue = ?
		ORDER BY sm.Time DESC, sm.RecordID DESC LIMIT 1`, f.Machine, f.AdvertisementID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("cannot find the latest message of %s %s: %w", f.Machine, f.AdvertisementID, err)
	}
	return id, nil
}

// caseFlip: one machine's messages in lower case, another's in mixed case
// with its attributes and view rows in lower case, a third's v_R_System
// name in lower case (the job then shows it so).
func (p *perturber) caseFlip() error {
	if m := p.take(); m != "" {
		if err := p.exec(`UPDATE v_StatusMessage SET MachineName = LOWER(MachineName) WHERE MachineName = ?`, m); err != nil {
			return err
		}
	}
	if m := p.take(); m != "" {
		err := errors.Join(
			p.exec(`UPDATE v_StatusMessage SET MachineName = ? WHERE MachineName = ?`, titleCase(m), m),
			p.exec(`UPDATE v_StatMsgAttributes SET AttributeValue = LOWER(AttributeValue)
				WHERE AttributeID IN (400, 401, 402) AND RecordID IN (SELECT RecordID FROM v_StatusMessage WHERE MachineName = ?)`, m),
			p.exec(`UPDATE v_ClientAdvertisementStatus SET AdvertisementID = LOWER(AdvertisementID) WHERE ResourceID = ?`, p.resourceOf(m)))
		if err != nil {
			return err
		}
	}
	m := p.take()
	if m == "" {
		return nil
	}
	if err := p.exec(`UPDATE v_R_System SET Netbios_Name0 = LOWER(Netbios_Name0), Name0 = LOWER(Name0) WHERE Netbios_Name0 = ?`, m); err != nil {
		return err
	}
	for _, i := range p.failuresOf(m) {
		p.tr.Failures[i].Machine = strings.ToLower(m)
	}
	return nil
}

// newResource hands out a ResourceID no record has.
func (p *perturber) newResource() int64 {
	p.ids++
	return 1<<31 - 1000 + p.ids
}

// twin writes another v_R_System record of a machine's name, and a failed
// state of its own for the machine's advertisements, at offset from the
// machine's own.
func (p *perturber) twin(machine string, client, obsolete, decommissioned, active int, offset time.Duration) error {
	id := p.newResource()
	if err := p.exec(`INSERT INTO v_R_System VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, machine, machine, domain, osWin2000,
		client, obsolete, decommissioned, active); err != nil {
		return err
	}
	if err := p.exec(`INSERT INTO v_FullCollectionMembership VALUES ('SMS00001', ?, ?, ?, ?)`, id, machine, p.tr.SiteCode, client); err != nil {
		return err
	}
	for _, i := range p.failuresOf(machine) {
		f := p.tr.Failures[i]
		if err := p.exec(`INSERT INTO v_ClientAdvertisementStatus VALUES (?, ?, 11, 'Failed', 10006, 'Program failed', ?, 'Accepted - No Further Status', '1603')`,
			f.AdvertisementID, id, msgTime(f.Time.Add(offset))); err != nil {
			return err
		}
	}
	return nil
}

// obsoleteTwin: the old records of a reinstalled machine, failing later
// than the machine itself; the job must skip them.
func (p *perturber) obsoleteTwin() error {
	if m := p.take(); m != "" {
		if err := p.twin(m, 1, 1, 0, 0, time.Minute); err != nil {
			return err
		}
	}
	if m := p.take(); m != "" {
		return p.twin(m, 1, 0, 1, 0, 2*time.Minute)
	}
	return nil
}

// duplicateResource: a second current client record of a name, inactive,
// whose failed state is a day older than the machine's own.
func (p *perturber) duplicateResource() error {
	if m := p.take(); m != "" {
		return p.twin(m, 1, 0, 0, 0, -24*time.Hour)
	}
	return nil
}

// singleRecord reports whether a machine's name has one v_R_System record
// only, so that taking its name away leaves it unknown.
func (p *perturber) singleRecord(machine string) bool {
	var n int
	err := p.db.QueryRowContext(p.ctx, `SELECT COUNT(*) FROM v_R_System WHERE Netbios_Name0 = ?`, machine).Scan(&n)
	return err == nil && n == 1
}

// nullColumns: a machine without domain or OS, and one whose record holds
// no NetBIOS name: the job then knows it from its messages only.
func (p *perturber) nullColumns() error {
	if m := p.take(); m != "" {
		if err := p.exec(`UPDATE v_R_System SET Resource_Domain_OR_Workgr0 = NULL, Operating_System_Name_and0 = NULL WHERE Netbios_Name0 = ?`, m); err != nil {
			return err
		}
	}
	for tries := 0; tries < 5; tries++ {
		m := p.take()
		if m == "" || !p.singleRecord(m) {
			continue
		}
		var reported string
		if err := p.db.QueryRowContext(p.ctx, `SELECT MachineName FROM v_StatusMessage WHERE MessageID = 10006 AND MachineName = ?
			ORDER BY Time DESC LIMIT 1`, m).Scan(&reported); err != nil {
			return err
		}
		if err := p.exec(`UPDATE v_R_System SET Netbios_Name0 = NULL WHERE Netbios_Name0 = ?`, m); err != nil {
			return err
		}
		for _, i := range p.failuresOf(m) {
			p.tr.Failures[i].Machine, p.tr.Failures[i].ResourceID = strings.TrimSpace(reported), 0
		}
		return nil
	}
	return nil
}

// advertWithFailures picks an advertisement some truth failure has.
func (p *perturber) advertWithFailures(not string) string {
	var ids []string
	for _, f := range p.tr.Failures {
		if f.AdvertisementID != not && !slices.Contains(ids, f.AdvertisementID) {
			ids = append(ids, f.AdvertisementID)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return ""
	}
	return ids[p.r.IntN(len(ids))]
}

// deletedAdvert: an advertisement deleted, with its package and program,
// after its clients failed it; their failures stay, without collection.
func (p *perturber) deletedAdvert() error {
	ad := p.advertWithFailures("")
	if ad == "" {
		return nil
	}
	var pkg string
	if err := p.db.QueryRowContext(p.ctx, `SELECT PackageID FROM v_Advertisement WHERE AdvertisementID = ?`, ad).Scan(&pkg); err != nil {
		return err
	}
	err := errors.Join(p.exec(`DELETE FROM v_Advertisement WHERE AdvertisementID = ?`, ad),
		p.exec(`DELETE FROM v_Package WHERE PackageID = ?`, pkg), p.exec(`DELETE FROM v_Program WHERE PackageID = ?`, pkg))
	if err != nil {
		return err
	}
	p.deleted = ad
	for i := range p.tr.Failures {
		if p.tr.Failures[i].AdvertisementID == ad {
			p.tr.Failures[i].CollectionID = ""
		}
	}
	return nil
}

// deletedPackage: a package deleted while its advertisement stays.
func (p *perturber) deletedPackage() error {
	ad := p.advertWithFailures(p.deleted)
	if ad == "" || ad == p.deleted {
		return nil
	}
	return errors.Join(
		p.exec(`DELETE FROM v_Program WHERE PackageID IN (SELECT PackageID FROM v_Advertisement WHERE AdvertisementID = ?)`, ad),
		p.exec(`DELETE FROM v_Package WHERE PackageID IN (SELECT PackageID FROM v_Advertisement WHERE AdvertisementID = ?)`, ad))
}
