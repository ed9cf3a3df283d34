package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/fetch"
)

// TestOneRecordPerMachine: machines with obsolete, decommissioned or
// client-less duplicate records in v_R_System, and machines that report
// their name in lower case, appear once, with their current record.
func TestOneRecordPerMachine(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	var dups []string
	err := db.x.Select(&dups, `SELECT Netbios_Name0 FROM v_R_System GROUP BY Netbios_Name0 HAVING COUNT(*) > 1`)
	if err != nil {
		t.Fatal(err)
	}
	var lower []string
	if err := db.x.Select(&lower, `SELECT DISTINCT MachineName FROM v_StatusMessage WHERE MessageID = 10006 AND MachineName LIKE 'kid-%' AND MachineName <> UPPER(MachineName) COLLATE BINARY`); err != nil {
		t.Fatal(err)
	}
	for _, route := range []Route{RouteMessages, RouteClientStatus} {
		f := window(tr)
		f.AnyExitCode = true
		got, _ := collect(t, db, route, f)
		seen := map[string]bool{}
		dupSeen, lowerSeen := 0, 0
		for _, fl := range got {
			if seen[fl.Key()] {
				t.Errorf("%s: %s %s twice", route, fl.Machine, fl.AdvertisementID)
			}
			seen[fl.Key()] = true
			if slices.Contains(dups, fl.Machine) {
				dupSeen++
				var own int64
				if err := db.x.Get(&own, `SELECT ResourceID FROM v_R_System WHERE Netbios_Name0 = ? AND Client0 = 1 AND (Obsolete0 = 0 OR Obsolete0 IS NULL) AND (Decommissioned0 = 0 OR Decommissioned0 IS NULL)`, fl.Machine); err != nil {
					t.Fatal(err)
				}
				if fl.ResourceID != own {
					t.Errorf("%s: %s has resource %d, its current client record is %d", route, fl.Machine, fl.ResourceID, own)
				}
			}
			if slices.ContainsFunc(lower, func(n string) bool { return strings.EqualFold(n, fl.Machine) }) {
				lowerSeen++
				if fl.Machine != strings.ToUpper(fl.Machine) || fl.ResourceID == 0 {
					t.Errorf("%s: lower-case reporter %s not matched to v_R_System (resource %d)", route, fl.Machine, fl.ResourceID)
				}
			}
		}
		if dupSeen == 0 || lowerSeen == 0 {
			t.Errorf("%s: the site shows %d failures of duplicated machines and %d of lower-case reporters; want some of each", route, dupSeen, lowerSeen)
		}
	}
}

// TestUnknownAndBadMachines: a machine v_R_System does not know still
// appears with what its messages give; a name that cannot be a host name
// is reported and flagged invalid so it never reaches a UNC path.
func TestUnknownAndBadMachines(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	f := window(tr)
	f.AnyExitCode = true
	for _, route := range []Route{RouteMessages, RouteClientStatus} {
		got, _ := collect(t, db, route, f)
		var unknown, bad int
		for _, fl := range got {
			if fl.ResourceID != 0 {
				if !fetch.ValidHost(fl.Machine) {
					t.Errorf("%s: known machine %q judged an invalid name", route, fl.Machine)
				}
				continue
			}
			unknown++
			if fl.AdvertisementName == "" || fl.CollectionID == "" || fl.SiteCode == "" || fl.Domain != "" {
				t.Errorf("%s: unknown machine %s: %+v", route, fl.Machine, fl)
			}
			if !fetch.ValidHost(fl.Machine) {
				bad++
			}
		}
		if unknown < 2 || bad == 0 {
			t.Errorf("%s: %d failures of unknown machines, %d with bad names; want some of each", route, unknown, bad)
		}
	}
}

// TestMachinesWithoutNetBIOSName: a v_R_System record without a NetBIOS
// name does not match its machine's messages, so both routes report that
// machine once, from its messages, as unknown to v_R_System.
func TestMachinesWithoutNetBIOSName(t *testing.T) {
	path := copySite(t)
	exec(t, path, `UPDATE v_R_System SET Netbios_Name0 = NULL WHERE ResourceID % 7 = 0`)
	_, tr := site(t)
	db := openSite(t, path, discard)
	f := window(tr)
	f.AnyExitCode = true
	records := func(route Route) []string {
		got, _ := collect(t, db, route, f)
		var out []string
		seen := map[string]bool{}
		for _, fl := range got {
			if seen[fl.Key()] {
				t.Errorf("%s: %s %s twice", route, fl.Machine, fl.AdvertisementID)
			}
			seen[fl.Key()] = true
			out = append(out, fmt.Sprintf("%s %s resource %d", fl.Machine, fl.AdvertisementID, fl.ResourceID))
		}
		slices.Sort(out)
		return out
	}
	msgs, cas := records(RouteMessages), records(RouteClientStatus)
	if !slices.Equal(msgs, cas) {
		t.Errorf("routes disagree: messages %d records, client-status %d", len(msgs), len(cas))
	}
}

// TestManyUnknownMachines: the client-status route reads the failures of
// machines unknown to v_R_System from their messages, however many there
// are: more than a query may bind parameters (SQL Server takes 2,100,
// SQLite 32,766). Every other machine also reported once in lower case:
// still one record each, with both failures counted.
func TestManyUnknownMachines(t *testing.T) {
	const n = 33_000
	path := copySite(t)
	exec(t, path,
		fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)
INSERT INTO v_StatusMessage SELECT 9100000000 + i, 10006, 'GONE-' || i, '2007-02-21 10:00:00+00:00', 'KID', NULL, NULL, NULL, NULL, NULL FROM n`, n),
		`INSERT INTO v_StatusMessage SELECT RecordID + 100000000, 10006, LOWER(MachineName), '2007-02-21 09:00:00+00:00', 'KID', NULL, NULL, NULL, NULL, NULL
FROM v_StatusMessage WHERE RecordID > 9100000000 AND RecordID % 2 = 0`,
		`INSERT INTO v_StatMsgAttributes SELECT RecordID, 401, 'KID2000A', Time FROM v_StatusMessage WHERE RecordID > 9100000000`,
		`INSERT INTO v_StatMsgInsStrings SELECT RecordID, 3, '1603' FROM v_StatusMessage WHERE RecordID > 9100000000`,
	)
	db := openSite(t, path, discard)
	got, _ := collect(t, db, RouteClientStatus, Filter{Since: testNow.Add(-24 * time.Hour), Until: testNow})
	seen := map[string]bool{}
	for _, fl := range got {
		name, ok := strings.CutPrefix(fl.Machine, "GONE-")
		if !ok {
			continue
		}
		if seen[name] {
			t.Fatalf("%s reported twice", fl.Machine)
		}
		seen[name] = true
		if i, _ := strconv.Atoi(name); fl.Count != 1+(i+1)%2 {
			t.Fatalf("%s failed %d times, want %d", fl.Machine, fl.Count, 1+(i+1)%2)
		}
	}
	if len(seen) != n {
		t.Errorf("%d unknown machines reported, want %d", len(seen), n)
	}
}

// TestFilters: advertisements, collections, site code and exit codes.
func TestFilters(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	count := func(keep func(f smsfailTruth) bool) func(Route) int {
		return func(route Route) int {
			n := 0
			for _, f := range tr.Failures {
				if keep(smsfailTruth{f.AdvertisementID, f.CollectionID, f.ExitCode}) {
					n++
				}
			}
			return n
		}
	}
	none := func(Route) int { return 0 }
	tests := []struct {
		name string
		f    Filter
		want func(Route) int
	}{
		{"one advertisement", Filter{Advertisements: []string{"kid2000a"}},
			count(func(f smsfailTruth) bool { return f.adv == "KID2000A" && f.code == 1603 })},
		{"two advertisements", Filter{Advertisements: []string{"KID2000C", "KID2000D"}},
			count(func(f smsfailTruth) bool { return (f.adv == "KID2000C" || f.adv == "KID2000D") && f.code == 1603 })},
		{"collection", Filter{Collections: []string{"SMS00001"}},
			count(func(f smsfailTruth) bool { return f.coll == "SMS00001" && f.code == 1603 })},
		{"site", Filter{SiteCode: "kid"}, count(func(f smsfailTruth) bool { return f.code == 1603 })},
		{"other site", Filter{SiteCode: "XYZ"}, none},
		{"1618 and 2", Filter{ExitCodes: []int64{1618, 2}},
			count(func(f smsfailTruth) bool { return f.code == 1618 || f.code == 2 })},
		{"any", Filter{AnyExitCode: true}, count(func(smsfailTruth) bool { return true })},
		{"unknown advertisement", Filter{Advertisements: []string{"KID29999"}}, none},
	}
	for _, tt := range tests {
		for _, route := range []Route{RouteMessages, RouteClientStatus} {
			t.Run(tt.name+"/"+string(route), func(t *testing.T) {
				f := tt.f
				f.Since, f.Until = tr.Since, tr.Now
				got, _ := collect(t, db, route, f)
				want := tt.want(route)
				if len(got) != want {
					t.Errorf("got %d failures, want %d", len(got), want)
				}
			})
		}
	}
}

type smsfailTruth struct {
	adv, coll string
	code      int64
}

// TestWindowEdges: since is inclusive, until exclusive, on both routes.
func TestWindowEdges(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	var target = tr.Default()[0]
	for _, w := range tr.Default() {
		if w.Count > 1 && w.ResourceID != 0 {
			target = w
			break
		}
	}
	for _, route := range []Route{RouteMessages, RouteClientStatus} {
		f := Filter{Since: target.Time, Until: target.Time.Add(time.Millisecond), Advertisements: []string{target.AdvertisementID}}
		got, _ := collect(t, db, route, f)
		if !containsKey(got, target.Machine, target.AdvertisementID) {
			t.Errorf("%s: a failure at exactly since (%v) is left out", route, target.Time)
		}
		f = Filter{Since: tr.Since, Until: target.Time, Advertisements: []string{target.AdvertisementID}}
		got, _ = collect(t, db, route, f)
		for _, g := range got {
			if g.Machine == target.Machine && (g.Time.Equal(target.Time) || route == RouteClientStatus) {
				t.Errorf("%s: a failure at exactly until (%v) is included: %+v", route, target.Time, g)
			}
			if g.Machine == target.Machine && g.Count != target.Count-1 {
				t.Errorf("%s: count %d before the last failure, want %d", route, g.Count, target.Count-1)
			}
		}
	}
}

func containsKey(fs []smsfail.Failure, machine, adv string) bool {
	return slices.ContainsFunc(fs, func(f smsfail.Failure) bool { return f.Machine == machine && f.AdvertisementID == adv })
}

// TestOddInsertionStrings: an extra string after the exit code, the exit
// code at another index, a message with no integer at all (kept, exit code
// unknown, reason logged), a hexadecimal code.
func TestOddInsertionStrings(t *testing.T) {
	path := copySite(t)
	exec(t, path,
		`INSERT INTO v_StatusMessage VALUES (9000000001, 10006, 'KID-PC00001', '2007-02-21 10:00:00+00:00', 'KID', 'Software Distribution', 'SMS Client', -1073741824, 256, 0)`,
		`INSERT INTO v_StatMsgAttributes VALUES (9000000001, 401, 'KID2000D', '2007-02-21 10:00:00+00:00')`,
		`INSERT INTO v_StatMsgInsStrings VALUES (9000000001, 0, 'KID2000D'), (9000000001, 1, 'KID0000E'), (9000000001, 2, 'Unmanaged client silent'), (9000000001, 3, 'NT AUTHORITY\SYSTEM')`,
		`INSERT INTO v_StatusMessage VALUES (9000000002, 10006, 'KID-PC00002', '2007-02-21 10:00:00+00:00', 'KID', NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO v_StatMsgAttributes VALUES (9000000002, 401, 'KID2000D', NULL)`,
		`INSERT INTO v_StatMsgInsStrings VALUES (9000000002, 0, 'KID2000D'), (9000000002, 3, '0x643')`,
	)
	var logs bytes.Buffer
	db := openSite(t, path, logTo(&logs))
	got, _ := collect(t, db, RouteMessages, Filter{Since: testNow.Add(-24 * time.Hour), Until: testNow, Advertisements: []string{"KID2000D"}})
	var noCode, hex bool
	for _, g := range got {
		switch g.RecordID {
		case 9000000001:
			noCode = !g.ExitCodeKnown && g.Machine == "KID-PC00001"
		case 9000000002:
			hex = g.ExitCodeKnown && g.ExitCode == 1603
		}
	}
	if !noCode || !hex {
		t.Errorf("message without an integer kept: %v; hexadecimal exit code read: %v", noCode, hex)
	}
	if !strings.Contains(logs.String(), "exit code unknown") || !strings.Contains(logs.String(), "KID-PC00001") {
		t.Errorf("the unknown exit code is not explained in the log:\n%s", logs.String())
	}
}

func TestReadExitCode(t *testing.T) {
	tests := []struct {
		name  string
		ins   []string
		index int
		code  int64
		ok    bool
	}{
		{"plain", []string{"KID2000A", "KID0000B", "W2KSP4", "1603"}, 3, 1603, true},
		{"extra string", []string{"KID2000A", "KID0000B", "W2KSP4", "1603", `NT AUTHORITY\SYSTEM`}, 3, 1603, true},
		{"shifted", []string{"KID2000A", "KID0000B", "W2KSP4", `NT AUTHORITY\SYSTEM`, "1618"}, 3, 1618, true},
		{"other index", []string{"KID2000A", "1603", "W2KSP4", "7"}, 1, 1603, true},
		{"negative", []string{"KID2000A", "KID0000B", "P", "-2147024891"}, 3, -2147024891, true},
		{"hex", []string{"KID2000A", "KID0000B", "P", "0x80070005"}, 3, -2147024891, true},
		{"spaces", []string{"KID2000A", "KID0000B", "P", " 1603 "}, 3, 1603, true},
		{"none", []string{"KID2000A", "KID0000B", "W2KSP4"}, 3, 0, false},
		{"empty", nil, 3, 0, false},
		{"text", []string{"KID2000A", "KID0000B", "W2KSP4", "failed"}, 3, 0, false},
	}
	for _, tt := range tests {
		var ins []insString
		for i, s := range tt.ins {
			ins = append(ins, insString{i, s})
		}
		code, ok, reason := readExitCode(ins, tt.index)
		if code != tt.code || ok != tt.ok || (!ok && reason == "") {
			t.Errorf("%s: got %d %v %q, want %d %v", tt.name, code, ok, reason, tt.code, tt.ok)
		}
	}
}

// TestNulls: NULL in any column the queries read crashes nothing; a
// failed client status without a result is kept with its code unknown.
func TestNulls(t *testing.T) {
	path := copySite(t)
	exec(t, path,
		`UPDATE v_StatMsgInsStrings SET InsStrValue = NULL WHERE InsStrIndex = 2`,
		`UPDATE v_Advertisement SET AdvertisementName = NULL, PackageID = NULL WHERE AdvertisementID = 'KID2000A'`,
		`DELETE FROM v_Collection WHERE CollectionID = 'KID00013'`,
		`UPDATE v_R_System SET Netbios_Name0 = NULL WHERE ResourceID % 7 = 0`,
		`UPDATE v_R_System SET Resource_Domain_OR_Workgr0 = NULL, Operating_System_Name_and0 = NULL, Client0 = NULL, Active0 = NULL, Obsolete0 = NULL WHERE ResourceID % 5 = 0`,
		`UPDATE v_ClientAdvertisementStatus SET LastExecutionResult = NULL WHERE LastStatusMessageID = 10006 AND ResourceID % 2 = 0`,
		`UPDATE v_FullCollectionMembership SET SiteCode = NULL`,
		`INSERT INTO v_StatusMessage VALUES (9000000003, 10006, NULL, '2007-02-21 10:00:00+00:00', NULL, NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO v_StatMsgAttributes VALUES (9000000003, 401, NULL, NULL)`,
	)
	_, tr := site(t)
	db := openSite(t, path, discard)
	f := window(tr)
	f.AnyExitCode = true
	for _, route := range []Route{RouteMessages, RouteClientStatus} {
		got, _ := collect(t, db, route, f)
		unknown := 0
		for _, g := range got {
			if !g.ExitCodeKnown {
				unknown++
			}
		}
		if len(got) == 0 || (route == RouteClientStatus && unknown == 0) {
			t.Errorf("%s: %d failures, %d with unknown exit code", route, len(got), unknown)
		}
	}
}

// TestStreamStops: the caller's error ends the stream and comes back as
// it is, never retried, even when it wraps one the database could give.
func TestStreamStops(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	for _, stop := range []error{errors.New("enough"), fmt.Errorf("cannot write: %w", io.ErrUnexpectedEOF)} {
		n := 0
		_, err := db.Failures(context.Background(), RouteMessages, window(tr), func(smsfail.Failure) error {
			n++
			return stop
		})
		if err != stop || n != 1 {
			t.Errorf("got %v after %d records, want the caller's error after 1", err, n)
		}
	}
}

// TestOrder: records come ordered by machine and advertisement.
func TestOrder(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	got, _ := collect(t, db, RouteMessages, window(tr))
	if !slices.IsSortedFunc(got, func(a, b smsfail.Failure) int {
		return strings.Compare(groupKey(a.Machine, a.AdvertisementID), groupKey(b.Machine, b.AdvertisementID))
	}) {
		t.Error("records are not ordered by machine and advertisement")
	}
}

// TestSuccesses: machines that succeeded, latest per advertisement; a
// failing machine never shows among them on the demo site.
func TestSuccesses(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, nil)
	failing := map[string]bool{}
	for _, f := range tr.Failures {
		failing[groupKey(f.Machine, f.AdvertisementID)] = true
	}
	n := 0
	err := db.Successes(context.Background(), tr.Since, tr.Now, []string{"KID2000A", "KID2000B"}, func(m, adv string, at time.Time) error {
		n++
		if failing[groupKey(m, adv)] {
			t.Errorf("%s %s both failed and succeeded", m, adv)
		}
		if adv != "KID2000A" && adv != "KID2000B" {
			t.Errorf("success of %s outside the filter", adv)
		}
		if at.Before(tr.Since) || !at.Before(tr.Now) {
			t.Errorf("success at %v outside the window", at)
		}
		return nil
	})
	if err != nil || n < 100 {
		t.Errorf("%d successes, error %v", n, err)
	}
}

func TestFilterChecks(t *testing.T) {
	now := testNow
	for name, f := range map[string]Filter{
		"empty window":   {Since: now, Until: now},
		"advertisement":  {Advertisements: []string{"KID2000"}},
		"collection":     {Collections: []string{"SMS0000'1"}},
		"site":           {SiteCode: "KIDS"},
		"negative index": {ExitCodeIndex: -1},
	} {
		if _, err := f.normalize(now); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if !ValidAdvertisementID("KID2000A") || ValidAdvertisementID("KID2000A;") || ValidAdvertisementID("KID-000A") {
		t.Error("ValidAdvertisementID")
	}
}

// FuzzReadExitCode: any insertion strings give a code or a reason, never
// a panic, and a code found is one of the strings.
func FuzzReadExitCode(f *testing.F) {
	f.Add("KID2000A", "KID0000B", "W2KSP4", "1603", 3)
	f.Add("KID2000A", "KID0000B", `NT AUTHORITY\SYSTEM`, "0x643", 3)
	f.Add("", "", "", "", 0)
	f.Add("-", "0x", "99999999999999999999", "+7", 2)
	f.Fuzz(func(t *testing.T, a, b, c, d string, index int) {
		ins := []insString{{0, a}, {1, b}, {2, c}, {3, d}}
		code, ok, reason := readExitCode(ins, index)
		if !ok && reason == "" {
			t.Fatal("no code and no reason")
		}
		if ok && !slices.ContainsFunc(ins, func(s insString) bool { v, ok := parseCode(s.value); return ok && v == code }) {
			t.Fatalf("code %d is none of the strings", code)
		}
	})
}
