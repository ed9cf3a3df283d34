package query

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"smsfail/demosite"
)

// The progress text is sent to SQL Server as it is run here.
func TestProgressTextIsPortable(t *testing.T) {
	for name, text := range progressText {
		for what, re := range dialectOnly {
			if m := re.FindString(text); m != "" {
				t.Errorf("%s uses %s (%q)", name, what, m)
			}
		}
		if !strings.Contains(text, "?") {
			t.Errorf("%s takes no parameters", name)
		}
	}
}

func progressBy(t *testing.T, db *DB, route Route, f ProgressFilter) map[string]Progress {
	t.Helper()
	ps, err := db.Progress(context.Background(), route, f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Progress{}
	for _, p := range ps {
		out[p.AdvertisementID] = p
	}
	return out
}

// targetedIn counts the clients of a collection straight from the view.
func targetedIn(t *testing.T, db *DB, collection string) int {
	t.Helper()
	var n int
	if err := db.x.Get(&n, `SELECT COUNT(*) FROM v_FullCollectionMembership WHERE CollectionID = ? AND IsClient = 1`, collection); err != nil {
		t.Fatal(err)
	}
	return n
}

// Over the whole week every failing machine the generator made counts as
// failed for its advertisement (their programs never succeed later), every
// advertisement is named with its collection and the clients it holds,
// and the client-status route agrees for the machines the site knows.
func TestProgressMatchesTruth(t *testing.T) {
	path, tr := site(t)
	db := openSite(t, path, discard)
	f := ProgressFilter{Since: tr.Since, Until: tr.Now}
	msgs := progressBy(t, db, RouteMessages, f)
	cas := progressBy(t, db, RouteClientStatus, f)
	failed, known := map[string]int{}, map[string]int{}
	for _, tf := range tr.Failures {
		failed[tf.AdvertisementID]++
		if tf.ResourceID != 0 {
			known[tf.AdvertisementID]++
		}
	}
	if len(msgs) != 4 || len(cas) != 4 {
		t.Fatalf("advertisements: messages %v, client status %v", msgs, cas)
	}
	for id, p := range msgs {
		if p.Failed != failed[id] {
			t.Errorf("%s: %d failed, the generator made %d", id, p.Failed, failed[id])
		}
		if p.AdvertisementName == "" || p.CollectionID == "" || p.CollectionName == "" || p.Targeted != targetedIn(t, db, p.CollectionID) {
			t.Errorf("%s: %+v", id, p)
		}
		if p.Succeeded == 0 || p.NotReported() != max(0, p.Targeted-p.Succeeded-p.Failed) {
			t.Errorf("%s: %+v, not reported %d", id, p, p.NotReported())
		}
		c := cas[id]
		if c.Failed != known[id] || c.Succeeded > p.Succeeded || c.Targeted != p.Targeted || c.AdvertisementName != p.AdvertisementName {
			t.Errorf("%s: client status %+v, messages %+v, %d failures of known machines", id, c, p, known[id])
		}
	}
}

// A machine that failed and then succeeded counts as succeeded; only
// the advertisements with an outcome from Active on are kept.
func TestProgressLatestOutcome(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	var fixed demosite.TruthFailure
	for _, tf := range tr.Failures {
		if tf.ResourceID != 0 && tf.ExitCode == 1603 {
			fixed = tf
			break
		}
	}
	db := openSite(t, path, discard)
	f := ProgressFilter{Since: tr.Since, Until: tr.Now}
	before := progressBy(t, db, RouteMessages, f)[fixed.AdvertisementID]
	at := fixed.Time.Add(time.Hour).UTC()
	x, err := sqlOpenWritable(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO v_StatusMessage (RecordID, MessageID, MachineName, Time, SiteCode) VALUES (999999999, 10008, ?, ?, 'KID')`,
			[]any{strings.ToLower(fixed.Machine), at}},
		{`INSERT INTO v_StatMsgAttributes (RecordID, AttributeID, AttributeValue, AttributeTime) VALUES (999999999, 401, ?, ?)`,
			[]any{strings.ToLower(fixed.AdvertisementID), at}},
	} {
		if _, err := x.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	x.Close()
	after := progressBy(t, db, RouteMessages, f)[fixed.AdvertisementID]
	if after.Failed != before.Failed-1 || after.Succeeded != before.Succeeded+1 {
		t.Fatalf("%s on %s succeeded after failing: before %+v, after %+v", fixed.AdvertisementID, fixed.Machine, before, after)
	}
	f.Active = fixed.Time.Add(time.Hour)
	active := progressBy(t, db, RouteMessages, f)
	if _, ok := active[fixed.AdvertisementID]; !ok {
		t.Fatalf("the advertisement with an outcome since %s is missing: %v", f.Active, active)
	}
	for id, p := range active {
		if p.LastReport.Before(f.Active) {
			t.Errorf("%s kept with its last outcome at %s", id, p.LastReport)
		}
	}
	f.Collections = []string{"kid00012"}
	for id, p := range progressBy(t, db, RouteMessages, ProgressFilter{Since: tr.Since, Until: tr.Now, Collections: f.Collections}) {
		if p.CollectionID != "KID00012" {
			t.Errorf("%s of collection %s kept by a filter on KID00012", id, p.CollectionID)
		}
	}
}

// The progress names the view a site lacks, like the failure queries.
func TestProgressWithoutView(t *testing.T) {
	path := copySite(t)
	_, tr := site(t)
	dropTable(t, path, "v_ClientAdvertisementStatus")
	db := openSite(t, path, discard)
	_, err := db.Progress(context.Background(), RouteClientStatus, ProgressFilter{Since: tr.Since, Until: tr.Now})
	if err == nil || !strings.Contains(err.Error(), "v_ClientAdvertisementStatus") {
		t.Fatalf("got %v, want an error naming the view", err)
	}
	if got := progressBy(t, db, RouteAuto, ProgressFilter{Since: tr.Since, Until: tr.Now}); len(got) != 4 {
		t.Fatalf("auto route without the view: %v", got)
	}
}

// BenchmarkProgress counts every advertisement's progress on the large
// site (100,000 clients, 5,000,000 status messages) over its week, on
// both routes.
func BenchmarkProgress(b *testing.B) {
	path, tr := benchSite(b)
	db := openSite(b, path, discard)
	for _, route := range []Route{RouteMessages, RouteClientStatus} {
		b.Run(string(route), func(b *testing.B) {
			f := ProgressFilter{Since: tr.Since, Until: tr.Now, Active: tr.Now.Add(-24 * time.Hour)}
			n := 0
			for b.Loop() {
				ps, err := db.Progress(context.Background(), route, f)
				if err != nil {
					b.Fatal(err)
				}
				n = len(ps)
			}
			b.ReportMetric(float64(n), "advertisements")
		})
	}
}

// FuzzAggregateTime: any text SQLite hands back for MAX(Time) reads as a
// time or an error, never a panic; the forms the driver writes read back
// as written.
func FuzzAggregateTime(f *testing.F) {
	for _, s := range []string{"2007-02-22 06:00:00.123+00:00", "2007-02-22T06:00:00Z", "2007-02-22 06:00:00", "", "not a time", "2007-13-45 99:99:99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a aggregateTime
		if err := a.Scan(s); err != nil {
			return
		}
		if !a.Valid {
			t.Fatalf("%q read without error but not valid", s)
		}
		var b aggregateTime
		if err := b.Scan(a.Time.UTC().Format(sqliteTimeLayouts[0])); err != nil || !b.Time.Equal(a.Time) {
			t.Fatalf("%q: %v does not read back (%v, %v)", s, a.Time, b.Time, err)
		}
	})
}

// The progress queries, as sent to SQL Server with and without their
// advertisement filter, parse with the T-SQL grammar as one SELECT of
// reporting views, like the failure queries.
func TestProgressSQLServerTextParses(t *testing.T) {
	x, err := sqlx.Open(DriverSQLServer, "sqlserver://check@localhost?database=SMS_KID")
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	db := &DB{x: x, cfg: Config{Driver: DriverSQLServer}}
	var stmts []statement
	for _, ads := range [][]string{nil, {"KID2000A", "KID2000B"}} {
		f := Filter{Since: testNow.Add(-30 * 24 * time.Hour), Until: testNow, Advertisements: ads}
		for name, build := range map[string]func(Filter) (string, []any, error){"msgOutcomes": db.outcomesQuery, "casOutcomes": db.statusOutcomesQuery} {
			q, _, err := build(f)
			if err != nil {
				t.Fatal(err)
			}
			stmts = append(stmts, statement{fmt.Sprintf("%s/%d", name, len(ads)), q})
		}
	}
	q, _, err := db.targetsQuery([]string{"KID2000A", "KID2000B", "KID2000C"})
	if err != nil {
		t.Fatal(err)
	}
	stmts = append(stmts, statement{"advTargets", q})
	errs := parseTSQL(t, stmts)
	for _, s := range stmts {
		if strings.Contains(s.SQL, "?") {
			t.Errorf("%s is sent with a ? left unbound", s.Name)
		}
		if e := errs[s.Name]; e != "" {
			t.Errorf("%s does not parse as T-SQL: %s\n%s", s.Name, e, s.SQL)
		}
	}
}
