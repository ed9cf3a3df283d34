// Package demosite builds a demo SMS site: a SQLite file holding the site
// database's reporting views as tables with their real names, the client
// logs behind every failure in client folders laid out like admin shares,
// and the truth of what each failing client's log shows, so that the job
// runs end to end against it and tests can check its answers.
//
// The same Options (seed and end of the window included) give the same
// site, byte for byte in the logs.
package demosite

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"time"
)

// Schema is the SQL that creates the demo site database: the reporting
// views as tables, then their indexes.
//
//go:embed schema.sql
var Schema string

// Options shape the generated site.
type Options struct {
	Seed     int64
	Clients  int       // machines; default 500
	Days     int       // length of the window the messages lie in; default 7
	Now      time.Time // end of the window; default the current time (UTC)
	SiteCode string    // three letters or digits; default KID

	// Messages is the number of status messages to reach by adding the
	// traffic of other components to the program messages; 0 adds a light
	// background of two messages per client and day.
	Messages int

	// WithoutLogs skips the client folders: for sites built only to
	// measure the query.
	WithoutLogs bool
}

// Files under the site's folder.
const (
	DBFile     = "site.db"
	TruthFile  = "truth.json"
	ClientsDir = "clients"
)

var siteCodePattern = regexp.MustCompile(`^[A-Z0-9]{3}$`)

func (o Options) withDefaults() (Options, error) {
	if o.Clients == 0 {
		o.Clients = 500
	}
	if o.Days == 0 {
		o.Days = 7
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	o.Now = o.Now.UTC().Truncate(time.Millisecond)
	if o.SiteCode == "" {
		o.SiteCode = "KID"
	}
	switch {
	case o.Clients < 0:
		return o, fmt.Errorf("clients must be positive, not %d", o.Clients)
	case o.Days < 0:
		return o, fmt.Errorf("days must be positive, not %d", o.Days)
	case o.Messages < 0:
		return o, fmt.Errorf("messages must not be negative, not %d", o.Messages)
	case !siteCodePattern.MatchString(o.SiteCode):
		return o, fmt.Errorf("site code %q is not three capital letters or digits", o.SiteCode)
	}
	return o, nil
}

// Generate builds the demo site in dir: dir/site.db, dir/clients/<HOST>/...
// and dir/truth.json. It replaces a site generated there before.
func Generate(ctx context.Context, dir string, opts Options) (*Truth, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("cannot generate a demo site: %w", err)
	}
	if err := clearSite(dir); err != nil {
		return nil, err
	}
	seed := uint64(opts.Seed)
	r := rand.New(rand.NewPCG(seed, 0x5375))
	s := newSite(r, opts)
	as := newAssignments(r, s, opts.Days)
	assignCauses(r, s, as)
	if !opts.WithoutLogs {
		if err := writeLogs(rand.New(rand.NewPCG(seed, 0x4c4f47)), dir, s, as); err != nil {
			return nil, err
		}
	}
	n, err := writeDatabase(ctx, rand.New(rand.NewPCG(seed, 0x5351)), filepath.Join(dir, DBFile), s, as, opts)
	if err != nil {
		return nil, err
	}
	t := newTruth(opts, s, as, n)
	if err := t.write(filepath.Join(dir, TruthFile)); err != nil {
		return nil, err
	}
	return t, nil
}

// clearSite removes what an earlier run generated in dir, and only that.
func clearSite(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the demo site folder %s: %w", dir, err)
	}
	for _, name := range []string{DBFile, DBFile + ".tmp", TruthFile, ClientsDir} {
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("cannot remove the earlier demo site's %s: %w", name, err)
		}
	}
	return nil
}

// writeDatabase loads the site database in one transaction under a
// temporary name, builds the indexes after the rows, and renames it into
// place, so a failed run never leaves a half-built site.db.
func writeDatabase(ctx context.Context, r *rand.Rand, path string, s *site, as []*assignment, opts Options) (int, error) {
	tmp := path + ".tmp"
	n, err := loadDatabase(ctx, r, tmp, s, as, opts)
	if err != nil {
		if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = errors.Join(err, rerr)
		}
		return 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("cannot put the demo site database in place: %w", err)
	}
	return n, nil
}

func loadDatabase(ctx context.Context, r *rand.Rand, path string, s *site, as []*assignment, opts Options) (n int, err error) {
	db, err := openNew(path)
	if err != nil {
		return 0, err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("cannot start loading %s: %w", path, err)
	}
	defer tx.Rollback()
	tables, indexes := schemaStatements()
	if err := execAll(ctx, tx, tables); err != nil {
		return 0, err
	}
	if err := writeInventory(ctx, tx, r, s); err != nil {
		return 0, err
	}
	if err := writeClientStatus(ctx, tx, as); err != nil {
		return 0, err
	}
	if n, err = writeMessages(ctx, tx, r, s, programMessages(r, as), opts.Messages, opts.Days); err != nil {
		return 0, err
	}
	if err := execAll(ctx, tx, indexes); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("cannot commit %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
		return 0, fmt.Errorf("cannot analyze %s: %w", path, err)
	}
	return n, nil
}

func (t *Truth) write(path string) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return fmt.Errorf("cannot encode the demo site's truth: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
