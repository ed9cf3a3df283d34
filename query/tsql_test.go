package query

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// statement is one text the job sends to SQL Server, named for the test.
type statement struct {
	Name string `json:"name"`
	SQL  string `json:"sql"`
}

// sqlServerStatements builds every query as the job sends it to SQL Server
// (parameters rebound to @p1..., IN lists expanded), through the very
// builders a run uses, with every combination of optional clauses.
func sqlServerStatements(t *testing.T) []statement {
	t.Helper()
	x, err := sqlx.Open(DriverSQLServer, "sqlserver://check@localhost?database=SMS_KID")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	db := &DB{x: x, cfg: Config{Driver: DriverSQLServer}}
	base := Filter{Since: testNow.Add(-24 * time.Hour), Until: testNow, MessageIDs: []int{10006, 10007}}
	var out []statement
	add := func(name string, q string, err error) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, statement{name, q})
	}
	for mask := 0; mask < 1<<5; mask++ {
		f := base
		on := func(bit int) bool { return mask&(1<<bit) != 0 }
		if on(0) {
			f.Advertisements = []string{"KID2000A", "KID2000B"}
		}
		if on(1) {
			f.Collections = []string{"KID00011", "SMS00001"}
		}
		if on(2) {
			f.SiteCode = "KID"
		}
		if on(3) {
			f.machines = []string{"KID-PC00001", "kid-pc00002"}
		}
		f.nameless = on(4)
		q, _, err := db.messageQuery(f)
		add(fmt.Sprintf("msgFailures/%05b", mask), q, err)
		if mask < 1<<3 {
			q, _, err = db.statusQuery(f)
			add(fmt.Sprintf("casFailures/%03b", mask), q, err)
		}
		if mask&^0b101 == 0 {
			q, _, err = db.countQuery(f)
			add(fmt.Sprintf("msgCounts/%05b", mask), q, err)
		}
		if mask < 2 {
			q, _, err = db.successQuery(f)
			add(fmt.Sprintf("successes/%b", mask), q, err)
		}
	}
	var views []string
	for _, vs := range routeViews {
		views = append(views, vs...)
	}
	slices.Sort(views)
	for _, v := range slices.Compact(views) {
		out = append(out, statement{"probe/" + v, fmt.Sprintf(probe, v)})
	}
	return out
}

// tsqlParser finds node and the parser's package, installed by test.sh
// (npm ci in query/tsqlcheck). Missing, the test skips, or fails under
// CI=true.
func tsqlParser(t *testing.T) (node, script string) {
	t.Helper()
	script, _ = filepath.Abs(filepath.Join("tsqlcheck", "check.js"))
	node, err := osexec.LookPath("node")
	missing := ""
	switch {
	case err != nil:
		missing = "node is not installed (apt-get install nodejs npm)"
	default:
		if _, err := os.Stat(filepath.Join("tsqlcheck", "node_modules", "node-sql-parser")); err != nil {
			missing = "node-sql-parser is not installed: run npm ci in query/tsqlcheck (test.sh does)"
		}
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(missing)
		}
		t.Skip(missing)
	}
	return node, script
}

// parseTSQL runs the statements through the T-SQL grammar and returns the
// error of each by name ("" when it parses as one SELECT of views).
func parseTSQL(t *testing.T, stmts []statement) map[string]string {
	t.Helper()
	node, script := tsqlParser(t)
	in, err := json.Marshal(stmts)
	if err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command(node, script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	var res []struct{ Name, Error string }
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("node %s said %q: %v", script, b, err)
	}
	out := map[string]string{}
	for _, r := range res {
		out[r.Name] = r.Error
	}
	if len(out) != len(stmts) {
		t.Fatalf("the parser answered for %d statements of %d", len(out), len(stmts))
	}
	return out
}

// TestSQLServerTextParses: every text the job sends to SQL Server, with
// each combination of its optional clauses, parses with a maintained
// T-SQL grammar (node-sql-parser, TransactSQL) as one SELECT that reads
// only reporting views. The embedded site proves the text runs; this
// proves SQL Server's dialect takes it; TestSharedTextIsPortable catches
// what the grammar lets through (TOP, LIMIT, GETDATE).
func TestSQLServerTextParses(t *testing.T) {
	stmts := sqlServerStatements(t)
	for _, s := range stmts {
		if strings.Contains(s.SQL, "?") {
			t.Errorf("%s is sent with a ? left unbound", s.Name)
		}
	}
	errs := parseTSQL(t, stmts)
	for _, s := range stmts {
		if e := errs[s.Name]; e != "" {
			t.Errorf("%s does not parse as T-SQL: %s\n%s", s.Name, e, s.SQL)
		}
	}
	t.Logf("%d statements parsed", len(stmts))
}

// TestTSQLCheckBites: the parser check refuses what SQL Server would.
func TestTSQLCheckBites(t *testing.T) {
	bad := []statement{
		{"unbound", `SELECT a FROM v_R_System WHERE a = ?`},
		{"dangling", `SELECT a FROM v_R_System WHERE`},
		{"table", `SELECT a FROM StatusMessages`},
		{"write", `DELETE FROM v_R_System`},
		{"two", `SELECT a FROM v_R_System; SELECT b FROM v_R_System`},
		{"empty in", `SELECT a FROM v_R_System WHERE a IN ()`},
	}
	errs := parseTSQL(t, bad)
	for _, s := range bad {
		if errs[s.Name] == "" {
			t.Errorf("%s passes the T-SQL check: %s", s.Name, s.SQL)
		}
	}
}
