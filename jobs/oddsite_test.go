package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/demosite"
	"smsfail/fetch"
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
			dir := handSite(t, schema, stmts...)
			job, _ := dirJob(t, &now, dir, filepath.Join(dir, "state"))
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

// guardSource is the log source of an odd site's night: it fails the test
// when a name that cannot be a host reaches it, or when a file outside
// the client's own folder is opened or listed.
type guardSource struct {
	fetch.Source
	root string // the clients folder, symbolic links resolved
	t    testing.TB
}

func (g *guardSource) Connect(ctx context.Context, host string) (fetch.Session, error) {
	if !fetch.ValidHost(host) {
		g.t.Errorf("the machine name %q reached the log source", host)
	}
	s, err := g.Source.Connect(ctx, host)
	if err != nil {
		return nil, err
	}
	return &guardSession{Session: s, g: g, host: host}, nil
}

type guardSession struct {
	fetch.Session
	g    *guardSource
	host string
}

func (s *guardSession) Open(ctx context.Context, share, path string) (fetch.File, error) {
	s.g.relative(s.host, share, path)
	f, err := s.Session.Open(ctx, share, path)
	if named, ok := f.(interface{ Name() string }); ok && err == nil {
		s.g.inside(s.host, named.Name())
	}
	return f, err
}

func (s *guardSession) ReadDir(ctx context.Context, share, dir string) ([]os.FileInfo, error) {
	s.g.relative(s.host, share, dir)
	return s.Session.ReadDir(ctx, share, dir)
}

func (g *guardSource) relative(host, share, path string) {
	for _, e := range strings.FieldsFunc(share+`\`+path, func(r rune) bool { return r == '\\' || r == '/' }) {
		if e == ".." {
			g.t.Errorf("%s: the path %s %s leaves its share", host, share, path)
		}
	}
}

// inside fails the test unless the file opened lies in the host's folder.
func (g *guardSource) inside(host, name string) {
	real, err := filepath.EvalSymlinks(name)
	if err != nil {
		g.t.Errorf("%s: cannot resolve the file opened, %s: %v", host, name, err)
		return
	}
	rel, err := filepath.Rel(g.root, real)
	first, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
	if err != nil || !strings.EqualFold(first, host) {
		g.t.Errorf("%s: opened %s, outside its client folder", host, real)
	}
}

// oddKey identifies a failure as the site compares machines and IDs.
func oddKey(machine, ad string) string {
	return strings.ToUpper(strings.TrimSpace(machine)) + "\x00" + strings.ToUpper(ad)
}

// oddNight makes a demo site odd in the ways odd selects and runs a night
// over it on each route: the night finishes, every machine and
// advertisement appears once, as the perturbed truth says (name, record,
// count, latest time, collection, exit code), and nothing outside a
// client's folder is read.
func oddNight(t *testing.T, seed int64, odd demosite.Oddity) {
	ctx := context.Background()
	dir := t.TempDir()
	opts := demosite.Options{Seed: seed, Clients: 300, Days: 3, Now: siteNow}
	if _, err := demosite.Generate(ctx, dir, opts); err != nil {
		t.Fatal(err)
	}
	tr, err := demosite.Perturb(ctx, dir, seed, odd)
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range tr.Oddities {
		if n == 0 && odd == demosite.OddAll {
			t.Errorf("seed %d: the site was not made odd by %s: no victim left", seed, name)
		}
	}
	want := map[string]demosite.TruthFailure{}
	for _, f := range tr.Default() {
		want[oddKey(f.Machine, f.AdvertisementID)] = f
	}
	root, err := filepath.EvalSymlinks(filepath.Join(dir, demosite.ClientsDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, route := range []query.Route{query.RouteMessages, query.RouteClientStatus} {
		now := tr.Now
		job, _ := dirJob(t, &now, dir, filepath.Join(dir, "state-"+string(route)))
		job.Route, job.Window = route, tr.Now.Sub(tr.Since)
		job.Source = &guardSource{Source: job.Source, root: root, t: t}
		out, err := job.Run(ctx, Options{Nightly: true})
		if err != nil {
			t.Fatalf("seed %d, oddities %s, route %s: the night failed: %v", seed, odd, route, err)
		}
		if _, err := os.Stat(out.Workbook); err != nil {
			t.Errorf("route %s: no workbook: %v", route, err)
		}
		checkOddResults(t, fmt.Sprintf("seed %d, oddities %s, route %s", seed, odd, route), out.Results, want)
		if !summaryNames(t, out.Workbook, "Route", string(route)) {
			t.Errorf("route %s: the workbook's Summary does not say which route ran", route)
		}
	}
}

func checkOddResults(t *testing.T, what string, results []smsfail.Result, want map[string]demosite.TruthFailure) {
	t.Helper()
	seen := map[string]bool{}
	for _, r := range results {
		f := r.Failure
		k := oddKey(f.Machine, f.AdvertisementID)
		if seen[k] {
			t.Errorf("%s: %q %s reported twice", what, f.Machine, f.AdvertisementID)
		}
		seen[k] = true
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("%s: %q %s reported, the site has no such failure", what, f.Machine, f.AdvertisementID)
		case f.Machine != w.Machine || f.ResourceID != w.ResourceID || f.Count != w.Count || !f.Time.Equal(w.Time) ||
			f.CollectionID != w.CollectionID || f.ExitCodeKnown == w.ExitUnknown || (f.ExitCodeKnown && f.ExitCode != w.ExitCode):
			t.Errorf("%s: got %q resource %d count %d at %v collection %q exit %d (known %v)\n want %q resource %d count %d at %v collection %q exit %d (unknown %v)",
				what, f.Machine, f.ResourceID, f.Count, f.Time, f.CollectionID, f.ExitCode, f.ExitCodeKnown,
				w.Machine, w.ResourceID, w.Count, w.Time, w.CollectionID, w.ExitCode, w.ExitUnknown)
		case w.Cause == "bad-host-name" && r.Fetch.Outcome != smsfail.OutcomeBadHost:
			t.Errorf("%s: %q was %s, want %s", what, f.Machine, r.Fetch.Outcome, smsfail.OutcomeBadHost)
		}
	}
	for k, w := range want {
		if !seen[k] {
			t.Errorf("%s: %q %s (count %d) not reported", what, w.Machine, w.AdvertisementID, w.Count)
		}
	}
}

// oddSeeds is how many seeds TestOddSites runs: each generates a site,
// makes it odd and runs a night on both routes.
const oddSeeds = 12

// TestOddSites is the generative site test: many seeds, each a site with
// every oddity and one with a random few of them.
func TestOddSites(t *testing.T) {
	for seed := int64(1); seed <= oddSeeds; seed++ {
		odd := demosite.OddAll
		if seed%2 == 0 {
			odd = demosite.Oddity(rand.New(rand.NewPCG(uint64(seed), 7)).Uint32()) & demosite.OddAll
		}
		t.Run(fmt.Sprintf("seed-%d", seed), func(t *testing.T) { oddNight(t, seed, odd) })
	}
}

// FuzzOddSite runs the generative site test on the seeds and oddities
// the fuzzer chooses.
func FuzzOddSite(f *testing.F) {
	f.Add(int64(101), uint32(demosite.OddAll))
	f.Add(int64(102), uint32(demosite.OddCaseFlip|demosite.OddNullColumns|demosite.OddNamelessMachine))
	f.Add(int64(103), uint32(demosite.OddDeletedAdvert|demosite.OddPathNames|demosite.OddLateCopies))
	f.Fuzz(func(t *testing.T, seed int64, odd uint32) {
		oddNight(t, seed, demosite.Oddity(odd)&demosite.OddAll)
	})
}

// summaryNames reports whether the workbook's Summary holds value on the
// line labelled label.
func summaryNames(t *testing.T, path, label, value string) bool {
	for _, r := range sheet(t, path, "Summary") {
		if i := slices.Index(r, label); i >= 0 && slices.Contains(r[i+1:], value) {
			return true
		}
	}
	return false
}

// doubledSite gives every failure twice, the second time under its name
// in lower case with a trailing space, as a site database whose reader
// does not merge would.
type doubledSite struct{ Site }

func (d doubledSite) Failures(ctx context.Context, route query.Route, f query.Filter, fn func(smsfail.Failure) error) (query.Route, error) {
	return d.Site.Failures(ctx, route, f, func(fl smsfail.Failure) error {
		if err := fn(fl); err != nil {
			return err
		}
		fl.Machine = strings.ToLower(fl.Machine) + " "
		return fn(fl)
	})
}

// TestDuplicatesFromAnySiteMerge: a machine and advertisement the site
// gives twice is one failure of the night, counted over both, never a
// night that ends at the history's mark.
func TestDuplicatesFromAnySiteMerge(t *testing.T) {
	now := siteNow
	job, db, _ := testJob(t, &now)
	window := Options{Since: siteNow.Add(-7 * 24 * time.Hour), Until: siteNow}
	want := failingIn(t, db, window.Since, window.Until)
	job.Site = doubledSite{job.Site}
	out, err := job.Run(context.Background(), window)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != len(want) {
		t.Fatalf("%d results, the site has %d failures", len(out.Results), len(want))
	}
	for _, r := range out.Results {
		w, ok := want[r.Failure.Key()]
		if !ok || r.Failure.Count != 2*w.Count {
			t.Errorf("%q %s: count %d, want %d under the name the site gave first", r.Failure.Machine, r.Failure.AdvertisementID,
				r.Failure.Count, 2*w.Count)
		}
	}
}
