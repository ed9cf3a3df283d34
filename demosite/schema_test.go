package demosite

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var columnDecl = regexp.MustCompile(`(?m)^\s+(\w+)\s+(NVARCHAR\((\d+)\)|DATETIME|BIGINT)(.*)$`)

// schemaColumns lists the text, time and bigint columns of each table.
func schemaColumns() map[string][][]string {
	cols := map[string][][]string{}
	tables, _ := schemaStatements()
	for _, st := range tables {
		name := strings.Fields(st)[2]
		for _, m := range columnDecl.FindAllStringSubmatch(st, -1) {
			cols[name] = append(cols[name], m[1:])
		}
	}
	return cols
}

// TestLikeSQLServer: the demo site holds only what a site database on
// SQL Server could, and compares text as it does: every text column
// case-insensitive, no value longer than its column, every time at
// datetime's precision, RecordIDs past 2^32; and the clients write names
// and IDs in other cases than v_R_System and the site hold them.
func TestLikeSQLServer(t *testing.T) {
	dir, _ := generate(t, Options{Seed: 1, Now: testNow, WithoutLogs: true})
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, DBFile)+"?mode=ro&_time_format=sqlite")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for table, cols := range schemaColumns() {
		for _, c := range cols {
			name, typ, size, rest := c[0], c[1], c[2], c[3]
			switch {
			case size != "":
				if !strings.Contains(rest, "COLLATE NOCASE") {
					t.Errorf("%s.%s is %s without COLLATE NOCASE: SQL Server compares it case-insensitively", table, name, typ)
				}
				n, _ := strconv.Atoi(size)
				var longest sql.NullInt64
				if err := db.QueryRow("SELECT MAX(LENGTH(" + name + ")) FROM " + table).Scan(&longest); err != nil {
					t.Fatal(err)
				}
				if longest.Int64 > int64(n) {
					t.Errorf("%s.%s holds %d characters, more than its %s", table, name, longest.Int64, typ)
				}
			case typ == "DATETIME":
				checkDatetimes(t, db, table, name)
			}
		}
	}
	for what, q := range map[string]string{
		"RecordIDs past 2^32": `SELECT COUNT(*) FROM v_StatusMessage WHERE RecordID > 4294967296`,
		"names in lower case": `SELECT COUNT(*) FROM v_StatusMessage sm JOIN v_R_System s ON s.Netbios_Name0 = sm.MachineName
			WHERE sm.MachineName = LOWER(s.Netbios_Name0) COLLATE BINARY AND s.Netbios_Name0 <> sm.MachineName COLLATE BINARY`,
		"names in mixed case": `SELECT COUNT(*) FROM v_StatusMessage sm JOIN v_R_System s ON s.Netbios_Name0 = sm.MachineName
			WHERE sm.MachineName <> LOWER(sm.MachineName) COLLATE BINARY AND sm.MachineName <> UPPER(sm.MachineName) COLLATE BINARY`,
		"advertisement IDs in lower case": `SELECT COUNT(*) FROM v_StatMsgAttributes a JOIN v_Advertisement ad ON ad.AdvertisementID = a.AttributeValue
			WHERE a.AttributeID = 401 AND a.AttributeValue = LOWER(ad.AdvertisementID) COLLATE BINARY`,
	} {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n == 0 {
			t.Errorf("the site has no %s", what)
		}
	}
}

func checkDatetimes(t *testing.T, db *sql.DB, table, col string) {
	t.Helper()
	rows, err := db.Query("SELECT " + col + " FROM " + table + " WHERE " + col + " IS NOT NULL")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v time.Time
		if err := rows.Scan(&v); err != nil {
			t.Fatalf("%s.%s: %v", table, col, err)
		}
		if ms := v.Nanosecond() / 1e6; v.Nanosecond()%1e6 != 0 || (ms%10 != 0 && ms%10 != 3 && ms%10 != 7) {
			t.Fatalf("%s.%s holds %s: SQL Server's datetime holds only .xx0, .xx3 and .xx7", table, col, v.Format(time.RFC3339Nano))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestMsgTime rounds as SQL Server stores a datetime and go-mssqldb reads
// it back.
func TestMsgTime(t *testing.T) {
	base := time.Date(2007, 2, 21, 10, 0, 0, 0, time.UTC)
	for in, want := range map[time.Duration]time.Duration{
		0: 0, time.Millisecond: 0, 2 * time.Millisecond: 3 * time.Millisecond, 5 * time.Millisecond: 7 * time.Millisecond,
		9 * time.Millisecond: 10 * time.Millisecond, 998 * time.Millisecond: 997 * time.Millisecond,
		999 * time.Millisecond: time.Second, 1001700 * time.Microsecond: time.Second + 3*time.Millisecond,
	} {
		if got := msgTime(base.Add(in)); !got.Equal(base.Add(want)) {
			t.Errorf("msgTime(+%v) = +%v, want +%v", in, got.Sub(base), want)
		}
	}
}
