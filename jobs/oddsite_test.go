package jobs

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"smsfail/demosite"
	"smsfail/query"
)

// handSite writes a site database from schema and the rows given, with an
// empty clients folder, as an admin builds one from the real views.
func handSite(t *testing.T, schema string, stmts ...siteStmt) string {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, demosite.DBFile)+"?_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(schema); err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, demosite.ClientsDir), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// failureRows are the rows of one status message 10006 of machine for
// advert, exit code 1603.
func failureRows(record int64, machine, advert string, at time.Time) []siteStmt {
	return []siteStmt{
		{`INSERT INTO v_StatusMessage VALUES (?, 10006, ?, ?, 'HLD', 'Software Distribution', 'SMS Client', -1073741824, 256, 0)`,
			[]any{record, machine, at}},
		{`INSERT INTO v_StatMsgAttributes VALUES (?, 401, ?, ?)`, []any{record, advert, at}},
		{`INSERT INTO v_StatMsgInsStrings VALUES (?, 0, ?), (?, 1, 'HLD0000B'), (?, 2, 'Install'), (?, 3, '1603')`,
			[]any{record, advert, record, record, record}},
	}
}

// TestLowerCaseMachineOnClientStatus is the night that ended with exit 1
// on a real site: a status message named the machine in lower case while
// v_R_System held it in upper case, on a site database that compares text
// as SQLite does by default (binary), and the client-status route gave the
// failure twice, once from the view and once from the messages of a
// machine it took for unknown. The night must finish with the failure
// once, counted over both messages, under the name v_R_System has.
func TestLowerCaseMachineOnClientStatus(t *testing.T) {
	at := siteNow.Add(-2 * time.Hour)
	binary := strings.ReplaceAll(demosite.Schema, " COLLATE NOCASE", "")
	stmts := []siteStmt{
		{`INSERT INTO v_R_System VALUES (16777300, 'FIN-WS03', 'FIN-WS03', 'FIN', 'Microsoft Windows NT Workstation 5.0', 1, 0, 0, 1)`, nil},
		{`INSERT INTO v_ClientAdvertisementStatus VALUES ('HLD2000A', 16777300, 11, 'Failed', 10006, 'Program failed', ?, 'Accepted', '1603')`,
			[]any{at}},
	}
	stmts = append(stmts, failureRows(1<<40, "fin-ws03", "HLD2000A", at)...)
	stmts = append(stmts, failureRows(1<<40+1, "FIN-WS03", "HLD2000A", at.Add(-20*time.Hour))...)
	for name, schema := range map[string]string{"binary": binary, "nocase": demosite.Schema} {
		t.Run(name, func(t *testing.T) {
			now := siteNow
			job, _ := dirJob(t, &now, handSite(t, schema, stmts...))
			job.Route = query.RouteClientStatus
			out, err := job.Run(context.Background(), Options{Since: siteNow.Add(-24 * time.Hour), Until: siteNow})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Results) != 1 {
				t.Fatalf("%d results, want FIN-WS03 HLD2000A once: %+v", len(out.Results), out.Results)
			}
			f := out.Results[0].Failure
			if f.Machine != "FIN-WS03" || f.AdvertisementID != "HLD2000A" || f.Count != 2 || f.ResourceID != 16777300 || !f.Time.Equal(at) {
				t.Errorf("got %s %s count %d resource %d at %v, want FIN-WS03 HLD2000A count 2 resource 16777300 at %v",
					f.Machine, f.AdvertisementID, f.Count, f.ResourceID, f.Time, at)
			}
		})
	}
}
