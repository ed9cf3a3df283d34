package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"smsfail"
)

var bothRoutes = []Route{RouteMessages, RouteClientStatus}

// addMessage writes one failure message 10006 with its attribute 401 and
// insertion strings; record, machine and advert go in as given (text,
// NULL), the way a damaged site holds them.
func addMessage(t *testing.T, path string, record any, machine any, advert any, at time.Time, code string) {
	t.Helper()
	ts := at.UTC().Format("2006-01-02 15:04:05.000-07:00")
	x, err := sqlOpenWritable(path)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO v_StatusMessage VALUES (?, 10006, ?, ?, 'KID', 'Software Distribution', 'SMS Client', -1073741824, 256, 0)`,
			[]any{record, machine, ts}},
		{`INSERT INTO v_StatMsgAttributes VALUES (?, 401, ?, ?)`, []any{record, advert, ts}},
		{`INSERT INTO v_StatMsgInsStrings VALUES (?, 0, 'KID2000D'), (?, 1, 'KID0000E'), (?, 2, 'Unmanaged client silent'), (?, 3, ?)`,
			[]any{record, record, record, record, code}},
	} {
		if _, err := x.Exec(st.q, st.args...); err != nil {
			t.Fatalf("%s: %v", st.q, err)
		}
	}
}

func find(got []smsfail.Failure, machine, advert string) (smsfail.Failure, int) {
	var f smsfail.Failure
	n := 0
	for _, g := range got {
		if strings.EqualFold(g.Machine, machine) && g.AdvertisementID == advert {
			f = g
			n++
		}
	}
	return f, n
}

// TestTextRecordID: a RecordID held as text (a site loaded by hand) is
// read when it is a number and taken as unknown when it is not; the night
// goes on, and the failure is reported.
func TestTextRecordID(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	at := tr.Now.Add(-2 * time.Hour)
	addMessage(t, path, "not-a-number", "KID-TEXT01", "KID2000D", at, "1603")
	addMessage(t, path, "144115188075855877", "KID-TEXT02", "KID2000D", at, "1603")
	var log bytes.Buffer
	db := openSite(t, path, logTo(&log))
	for _, route := range bothRoutes {
		got, _ := collect(t, db, route, window(tr))
		for machine, record := range map[string]int64{"KID-TEXT01": 0, "KID-TEXT02": 144115188075855877} {
			f, n := find(got, machine, "KID2000D")
			if n != 1 || f.RecordID != record || f.ExitCode != 1603 {
				t.Errorf("%s: %s found %d times, record %d exit %d; want once, record %d, exit 1603", route, machine, n, f.RecordID, f.ExitCode, record)
			}
		}
	}
	if !strings.Contains(log.String(), `value that cannot be read taken as NULL`) || !strings.Contains(log.String(), `not-a-number`) {
		t.Errorf("the unreadable RecordID is not logged:\n%s", log.String())
	}
}

// TestCopiedMessageCountsOnce: a failure message copied in again under a
// new RecordID (a child site's backlog sent twice) is one failure, not two.
func TestCopiedMessageCountsOnce(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	want := tr.Default()[3]
	exec(t, path,
		fmt.Sprintf(`INSERT INTO v_StatusMessage SELECT RecordID + 1000000000, MessageID, MachineName, Time, SiteCode, Component, ModuleName, Severity, MessageType, Win32Error
			FROM v_StatusMessage WHERE MessageID = 10006 AND MachineName = '%s'`, want.Machine),
		fmt.Sprintf(`INSERT INTO v_StatMsgAttributes SELECT a.RecordID + 1000000000, a.AttributeID, a.AttributeValue, a.AttributeTime
			FROM v_StatMsgAttributes a JOIN v_StatusMessage m ON m.RecordID = a.RecordID WHERE m.MessageID = 10006 AND m.MachineName = '%s' AND m.RecordID < 1000000000 + %d`, want.Machine, int64(1)<<56),
		fmt.Sprintf(`INSERT INTO v_StatMsgInsStrings SELECT i.RecordID + 1000000000, i.InsStrIndex, i.InsStrValue
			FROM v_StatMsgInsStrings i JOIN v_StatusMessage m ON m.RecordID = i.RecordID WHERE m.MessageID = 10006 AND m.MachineName = '%s' AND m.RecordID < 1000000000 + %d`, want.Machine, int64(1)<<56),
	)
	db := openSite(t, path, discard)
	for _, route := range bothRoutes {
		got, _ := collect(t, db, route, window(tr))
		f, n := find(got, want.Machine, want.AdvertisementID)
		if n != 1 || f.Count != want.Count || !f.Time.Equal(want.Time) {
			t.Errorf("%s: %s %s found %d times, count %d at %v; want once, count %d at %v", route, want.Machine,
				want.AdvertisementID, n, f.Count, f.Time, want.Count, want.Time)
		}
	}
}

// TestNamelessMachineIsARow: failure messages without a machine name are
// a row of the report (one per advertisement, counted), never dropped;
// one whose attribute 401 is empty takes its advertisement from
// insertion string 0.
func TestNamelessMachineIsARow(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	at := tr.Now.Add(-3 * time.Hour)
	addMessage(t, path, int64(1)<<58, nil, "KID2000D", at, "1603")
	addMessage(t, path, int64(1)<<58+1, "  ", "KID2000D", at.Add(time.Hour), "1603")
	addMessage(t, path, int64(1)<<58+2, "KID-NOATTR", nil, at, "1603")
	var log bytes.Buffer
	db := openSite(t, path, logTo(&log))
	for _, route := range bothRoutes {
		got, _ := collect(t, db, route, window(tr))
		f, n := find(got, "", "KID2000D")
		if n != 1 || f.Count != 2 || !f.Time.Equal(at.Add(time.Hour)) {
			t.Errorf("%s: the nameless failure found %d times, count %d at %v; want once, count 2", route, n, f.Count, f.Time)
		}
		if _, n := find(got, "KID-NOATTR", "KID2000D"); n != 1 {
			t.Errorf("%s: the failure without attribute 401 found %d times, want once", route, n)
		}
	}
	if !strings.Contains(log.String(), "failure without a machine name kept as a report row") {
		t.Errorf("the nameless failure is not logged:\n%s", log.String())
	}
}

// TestRoutesDiffer holds the two places the README says the routes
// differ: a machine that failed and then succeeded inside the window is a
// failure on the messages route only (the view keeps the last state); a
// client in no collection has no site code on the client-status route
// (it takes the site from the membership of the targeted collection).
func TestRoutesDiffer(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	fixed, lonely := tr.Default()[5], tr.Default()[9]
	later := fixed.Time.Add(time.Minute)
	exec(t, path,
		fmt.Sprintf(`UPDATE v_ClientAdvertisementStatus SET LastStatusMessageID = 10008, LastStateName = 'Succeeded',
			LastExecutionResult = '0', LastStatusTime = '%s' WHERE ResourceID = %d AND AdvertisementID = '%s'`,
			later.Format("2006-01-02 15:04:05.000-07:00"), fixed.ResourceID, fixed.AdvertisementID),
		fmt.Sprintf(`DELETE FROM v_FullCollectionMembership WHERE ResourceID = %d`, lonely.ResourceID))
	db := openSite(t, path, discard)
	msgs, _ := collect(t, db, RouteMessages, window(tr))
	cas, _ := collect(t, db, RouteClientStatus, window(tr))
	if _, n := find(msgs, fixed.Machine, fixed.AdvertisementID); n != 1 {
		t.Errorf("messages route: %s %s, fixed later in the window, found %d times, want once", fixed.Machine, fixed.AdvertisementID, n)
	}
	if _, n := find(cas, fixed.Machine, fixed.AdvertisementID); n != 0 {
		t.Errorf("client-status route: %s %s, fixed later in the window, found %d times, want none", fixed.Machine, fixed.AdvertisementID, n)
	}
	m, _ := find(msgs, lonely.Machine, lonely.AdvertisementID)
	c, _ := find(cas, lonely.Machine, lonely.AdvertisementID)
	if m.SiteCode != "KID" || c.SiteCode != "" {
		t.Errorf("client in no collection: site code %q on messages, %q on client-status; want KID and none", m.SiteCode, c.SiteCode)
	}
	if len(msgs) != len(cas)+1 {
		t.Errorf("messages route: %d failures, client-status: %d; want one more on messages", len(msgs), len(cas))
	}
}

// TestUnreadableTimeSkipped: a failure message whose time cannot be read
// is skipped, logged and counted; the night goes on with the others.
func TestUnreadableTimeSkipped(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	day := tr.Now.Add(-30 * time.Hour).Format("2006-01-02")
	exec(t, path,
		`INSERT INTO v_StatusMessage VALUES (288230376151711900, 10006, 'KID-BADTIME', '`+day+` 25:61:00 garbled', 'KID', NULL, NULL, NULL, NULL, NULL)`,
		`INSERT INTO v_StatMsgAttributes VALUES (288230376151711900, 401, 'KID2000D', NULL)`,
		`INSERT INTO v_StatMsgInsStrings VALUES (288230376151711900, 3, '1603')`)
	var log bytes.Buffer
	db := openSite(t, path, logTo(&log))
	for _, route := range bothRoutes {
		log.Reset()
		got, _ := collect(t, db, route, window(tr))
		if _, n := find(got, "KID-BADTIME", "KID2000D"); n != 0 || len(got) != len(tr.Default()) {
			t.Errorf("%s: %d failures, the garbled one %d times; want the site's %d", route, len(got), n, len(tr.Default()))
		}
		if !strings.Contains(log.String(), "status message skipped: no time") || !strings.Contains(log.String(), `rows skipped that could not be read" rows=1 "no time"=1`) {
			t.Errorf("%s: the skip is not logged and counted:\n%s", route, log.String())
		}
	}
}

// TestClientStatusNeedsInsStrings: the client-status route reads the
// insertion strings of machines the view does not know, so its check of
// the views names v_StatMsgInsStrings before any query runs.
func TestClientStatusNeedsInsStrings(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	dropTable(t, path, "v_StatMsgInsStrings")
	db := openSite(t, path, discard)
	_, err := db.Failures(context.Background(), RouteClientStatus, window(tr), func(smsfail.Failure) error { return nil })
	var missing *MissingViewError
	if !errors.As(err, &missing) || missing.View != "v_StatMsgInsStrings" || missing.Route != RouteClientStatus {
		t.Errorf("client-status route without v_StatMsgInsStrings: %v", err)
	}
}
