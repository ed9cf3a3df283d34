package demosite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// first gives a machine's first failure in the truth.
func (p *perturber) first(machine string) (TruthFailure, bool) {
	if is := p.failuresOf(machine); len(is) > 0 {
		return p.tr.Failures[is[0]], true
	}
	return TruthFailure{}, false
}

// exitCodeElsewhere: one failure's exit code after the user context,
// another's with spaces around it, in its message and in the view.
func (p *perturber) exitCodeElsewhere() error {
	for variant := 0; variant < 2; variant++ {
		f, ok := p.first(p.take())
		if !ok {
			return nil
		}
		rec, err := p.latestRecord(f)
		if err != nil {
			return err
		}
		if variant == 0 {
			err = errors.Join(p.exec(`UPDATE v_StatMsgInsStrings SET InsStrIndex = InsStrIndex + 1 WHERE RecordID = ? AND InsStrIndex >= 3`, rec),
				p.exec(`INSERT INTO v_StatMsgInsStrings VALUES (?, 3, 'KIDNET\svc-deploy')`, rec))
		} else {
			err = p.exec(`UPDATE v_StatMsgInsStrings SET InsStrValue = ' ' || InsStrValue || '  ' WHERE RecordID = ? AND InsStrIndex >= 3`, rec)
		}
		if err != nil {
			return err
		}
		err = p.exec(`UPDATE v_ClientAdvertisementStatus SET LastExecutionResult = ' ' || LastExecutionResult || ' '
			WHERE ResourceID = ? AND AdvertisementID = ?`, f.ResourceID, f.AdvertisementID)
		if err != nil {
			return err
		}
	}
	return nil
}

// exitCodeUnreadable: a failure whose latest message holds no integer
// after the program name, and whose view row has no result.
func (p *perturber) exitCodeUnreadable() error {
	m := p.take()
	f, ok := p.first(m)
	if !ok {
		return nil
	}
	rec, err := p.latestRecord(f)
	if err != nil {
		return err
	}
	err = errors.Join(p.exec(`UPDATE v_StatMsgInsStrings SET InsStrValue = 'unknown' WHERE RecordID = ? AND InsStrIndex >= 3`, rec),
		p.exec(`UPDATE v_ClientAdvertisementStatus SET LastExecutionResult = NULL WHERE ResourceID = ? AND AdvertisementID = ?`,
			f.ResourceID, f.AdvertisementID))
	if err != nil {
		return err
	}
	p.tr.Failures[p.failuresOf(m)[0]].ExitUnknown = true
	return nil
}

// renumber gives a message a new RecordID in all three views.
func (p *perturber) renumber(from, to int64) error {
	return errors.Join(p.exec(`UPDATE v_StatusMessage SET RecordID = ? WHERE RecordID = ?`, to, from),
		p.exec(`UPDATE v_StatMsgAttributes SET RecordID = ? WHERE RecordID = ?`, to, from),
		p.exec(`UPDATE v_StatMsgInsStrings SET RecordID = ? WHERE RecordID = ?`, to, from))
}

// smallRecordIDs: a failure's latest message numbered just past 2^32,
// below its older messages (a site restored from another numbering).
func (p *perturber) smallRecordIDs() error {
	f, ok := p.first(p.take())
	if !ok {
		return nil
	}
	rec, err := p.latestRecord(f)
	if err != nil {
		return err
	}
	return p.renumber(rec, 1<<32+int64(p.r.IntN(1000)))
}

func (p *perturber) nextRecord() int64 {
	p.record++
	return p.record
}

// lateCopies: every failure message of a machine copied in again, after
// everything else, under new RecordIDs; every other copy as another
// site's.
func (p *perturber) lateCopies() error {
	f, ok := p.first(p.take())
	if !ok {
		return nil
	}
	var recs []int64
	rows, err := p.db.QueryContext(p.ctx, `SELECT sm.RecordID FROM v_StatusMessage sm
		JOIN v_StatMsgAttributes a ON a.RecordID = sm.RecordID AND a.AttributeID = 401
		WHERE sm.MessageID = 10006 AND sm.MachineName = ? AND a.AttributeValue = ? ORDER BY sm.RecordID`, f.Machine, f.AdvertisementID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, r)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	for i, old := range recs {
		site := p.tr.SiteCode
		if i%2 == 1 {
			site = "CEN"
		}
		to := p.nextRecord()
		err := errors.Join(
			p.exec(`INSERT INTO v_StatusMessage SELECT ?, MessageID, MachineName, Time, ?, Component, ModuleName, Severity, MessageType, Win32Error
				FROM v_StatusMessage WHERE RecordID = ?`, to, site, old),
			p.exec(`INSERT INTO v_StatMsgAttributes SELECT ?, AttributeID, AttributeValue, AttributeTime FROM v_StatMsgAttributes WHERE RecordID = ?`, to, old),
			p.exec(`INSERT INTO v_StatMsgInsStrings SELECT ?, InsStrIndex, InsStrValue FROM v_StatMsgInsStrings WHERE RecordID = ?`, to, old))
		if err != nil {
			return err
		}
	}
	return nil
}

// addFailure writes a failure message 10006 of machine (nil: NULL) for an
// advertisement the site has, exit code 1603, and returns its collection.
func (p *perturber) addFailure(machine any, ad string, at time.Time) (string, error) {
	var coll, pkg, prog string
	err := p.db.QueryRowContext(p.ctx, `SELECT COALESCE(MAX(CollectionID), ''), COALESCE(MAX(PackageID), ''), COALESCE(MAX(ProgramName), '')
		FROM v_Advertisement WHERE AdvertisementID = ?`, ad).Scan(&coll, &pkg, &prog)
	if err != nil {
		return "", err
	}
	rec := p.nextRecord()
	return coll, errors.Join(
		p.exec(`INSERT INTO v_StatusMessage VALUES (?, 10006, ?, ?, ?, 'Software Distribution', 'SMS Client', ?, ?, 0)`,
			rec, machine, at, p.tr.SiteCode, severityError, typeMilestone),
		p.exec(`INSERT INTO v_StatMsgAttributes VALUES (?, 401, ?, ?)`, rec, ad, at),
		p.exec(`INSERT INTO v_StatMsgInsStrings VALUES (?, 0, ?), (?, 1, ?), (?, 2, ?), (?, 3, '1603')`, rec, ad, rec, pkg, rec, prog, rec))
}

// someTime is a time inside the window, as datetime holds it.
func (p *perturber) someTime() time.Time {
	span := p.tr.Now.Sub(p.tr.Since) - 2*time.Hour
	return msgTime(p.tr.Since.Add(time.Hour + time.Duration(p.r.Int64N(int64(span)))))
}

var pathNames = []string{`..\..\KID-PC00001`, `../../etc`, `KID-PC00001\..\..`, `\\KIDSMS01\SMS_KID`, `C:\WINNT`, `KID/PC7`, `..`, `KID-PC00002:$DATA`}

// pathNames: machines whose names hold path characters fail; the job must
// report them as bad data and read nothing for them.
func (p *perturber) pathNames() error {
	for n := 0; n < 2; n++ {
		name := pathNames[p.r.IntN(len(pathNames))]
		if _, ok := p.first(name); ok {
			continue
		}
		ad := p.advertWithFailures("")
		at := p.someTime()
		coll, err := p.addFailure(name, ad, at)
		if err != nil {
			return err
		}
		p.tr.Failures = append(p.tr.Failures, TruthFailure{Machine: name, AdvertisementID: ad, CollectionID: coll,
			ExitCode: 1603, Count: 1, Time: at, Cause: "bad-host-name"})
	}
	return nil
}

// nameless: two failure messages of one advertisement without a machine
// name (NULL, and blank): one row of the report, counted twice.
func (p *perturber) nameless() error {
	ad := p.advertWithFailures("")
	if ad == "" {
		return nil
	}
	t1 := p.someTime()
	t2 := t1.Add(90 * time.Minute)
	if t2.After(p.tr.Now.Add(-time.Minute)) {
		t1, t2 = t1.Add(-3*time.Hour), t2.Add(-3*time.Hour)
	}
	if _, err := p.addFailure(nil, ad, t1); err != nil {
		return err
	}
	coll, err := p.addFailure(" ", ad, t2)
	if err != nil {
		return err
	}
	p.tr.Failures = append(p.tr.Failures, TruthFailure{AdvertisementID: ad, CollectionID: coll,
		ExitCode: 1603, Count: 2, Time: t2, Cause: "bad-host-name"})
	return nil
}

// longNames: a machine renamed to 15 characters, the NetBIOS limit, whose
// Name0 is longer; its client folder follows it.
func (p *perturber) longNames() error {
	m := p.take()
	if m == "" {
		return nil
	}
	long := fmt.Sprintf("%sLONGNAME%04d", p.tr.SiteCode, p.r.IntN(10000))
	err := errors.Join(
		p.exec(`UPDATE v_R_System SET Netbios_Name0 = ?, Name0 = ? WHERE Netbios_Name0 = ?`, long, long+"-FINANCE", m),
		p.exec(`UPDATE v_FullCollectionMembership SET Name = ? WHERE Name = ?`, long, m),
		p.exec(`UPDATE v_StatusMessage SET MachineName = ? WHERE MachineName = ?`, long, m))
	if err != nil {
		return err
	}
	from, to := filepath.Join(p.dir, ClientsDir, m), filepath.Join(p.dir, ClientsDir, long)
	if err := os.Rename(from, to); err != nil && !os.IsNotExist(err) {
		return err
	}
	for _, i := range p.failuresOf(m) {
		f := &p.tr.Failures[i]
		f.Machine = long
		if rest, ok := strings.CutPrefix(f.Log, ClientsDir+"/"+m+"/"); ok {
			f.Log = ClientsDir + "/" + long + "/" + rest
		}
	}
	return nil
}

// noCollection: a failing client in no collection at all.
func (p *perturber) noCollection() error {
	if m := p.take(); m != "" {
		return p.exec(`DELETE FROM v_FullCollectionMembership WHERE ResourceID = ?`, p.resourceOf(m))
	}
	return nil
}

// severalSites: a client whose messages come from another site.
func (p *perturber) severalSites() error {
	if m := p.take(); m != "" {
		return errors.Join(p.exec(`UPDATE v_StatusMessage SET SiteCode = 'KD2' WHERE MachineName = ?`, m),
			p.exec(`UPDATE v_FullCollectionMembership SET SiteCode = 'KD2' WHERE ResourceID = ?`, p.resourceOf(m)))
	}
	return nil
}
