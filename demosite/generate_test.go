package demosite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	stamp      = regexp.MustCompile(`^\d+[.,]\d{3}: `)
	commaStamp = regexp.MustCompile(`(?m)^\d+,\d{3}: `)
)

var testNow = time.Date(2007, 2, 22, 6, 0, 0, 0, time.UTC)

func generate(t *testing.T, opts Options) (string, *Truth) {
	t.Helper()
	dir := t.TempDir()
	tr, err := Generate(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr
}

// TestSameSeedSameSite: two sites from one seed have the same logs byte
// for byte, the same truth and the same database content.
func TestSameSeedSameSite(t *testing.T) {
	opts := Options{Seed: 42, Clients: 300, Now: testNow}
	a, _ := generate(t, opts)
	b, _ := generate(t, opts)
	fa, fb := tree(t, a), tree(t, b)
	if len(fa) != len(fb) {
		t.Fatalf("%d files against %d", len(fa), len(fb))
	}
	for name, content := range fa {
		if name == DBFile {
			continue
		}
		if !bytes.Equal(content, fb[name]) {
			t.Errorf("%s differs between two sites of the same seed", name)
		}
	}
	if da, db := dump(t, filepath.Join(a, DBFile)), dump(t, filepath.Join(b, DBFile)); da != db {
		t.Error("the databases of two sites of the same seed differ")
	}
	c, _ := generate(t, Options{Seed: 43, Clients: 300, Now: testNow})
	if bytes.Equal(fa[TruthFile], tree(t, c)[TruthFile]) {
		t.Error("another seed gave the same site")
	}
}

func tree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// dump renders every table's rows in key order.
func dump(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	tables, _ := schemaStatements()
	for _, st := range tables {
		name := strings.Fields(st)[2]
		rows, err := db.Query("SELECT * FROM " + name + " ORDER BY 1, 2")
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, name, vals)
		}
		rows.Close()
	}
	return b.String()
}

// TestSiteContent checks what the job and its tests rely on.
func TestSiteContent(t *testing.T) {
	dir, tr := generate(t, Options{Seed: 1, Now: testNow})
	causes := map[string]int{}
	for _, f := range tr.Failures {
		causes[f.Cause]++
		if f.Time.Before(tr.Since) || !f.Time.Before(tr.Now) {
			t.Errorf("%s %s failed at %v, outside [%v, %v)", f.Machine, f.AdvertisementID, f.Time, tr.Since, tr.Now)
		}
		if f.Log != "" {
			if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Log))); err != nil {
				t.Errorf("truth names a log that is not there: %v", err)
			}
		}
		_, err := os.Stat(filepath.Join(dir, ClientsDir, f.Machine))
		if gone := os.IsNotExist(err); gone != (f.Cause == "unreachable" || f.Cause == "bad-host-name") {
			t.Errorf("%s (%s): client folder missing = %v", f.Machine, f.Cause, gone)
		}
	}
	for _, c := range []string{"catalog-install-failed", "package-damaged", "setup-canceled", "prerequisite-failed",
		"install-incomplete", "migration-blocked", "registry-access-denied", "access-denied", "disk-space",
		"file-in-use", "custom-action-failed", "service-start-failed", "source-missing", "invalid-drive",
		"assembly-install-failed", "installer-database-error", "another-install-running", "no-detail",
		"unclassified", "log-missing", "unreachable", "bad-host-name"} {
		if causes[c] == 0 {
			t.Errorf("no failure of the default site shows %s", c)
		}
	}
	if len(tr.Default()) < 50 {
		t.Errorf("only %d failures with exit code 1603", len(tr.Default()))
	}
}

// TestLogDamage: the logs carry what real ones do.
func TestLogDamage(t *testing.T) {
	dir, tr := generate(t, Options{Seed: 1, Now: testNow})
	var comma, utf16, cyrillic, sessions, wrapped bool
	for _, f := range tr.Failures {
		if f.Log == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Log)))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		comma = comma || commaStamp.MatchString(s)
		utf16 = utf16 || bytes.HasPrefix(b, []byte{0xFF, 0xFE})
		cyrillic = cyrillic || (f.Lang == "ru" && f.Kind == "msi-verbose" && bytes.Contains(b, []byte{0xCE, 0xF8, 0xE8, 0xE1, 0xEA, 0xE0})) // "Ошибка" in cp1251
		cyrillic = cyrillic || (f.Lang == "ru" && bytes.HasPrefix(b, []byte{0xFF, 0xFE}))
		sessions = sessions || strings.Count(s, "started with following command line") > 1
		if f.Kind == "update-exe" {
			for _, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
				wrapped = wrapped || !stamp.MatchString(line)
			}
		}
	}
	for what, ok := range map[string]bool{"decimal commas": comma, "UTF-16LE": utf16, "Russian MSI": cyrillic,
		"appended sessions": sessions, "wrapped lines": wrapped} {
		if !ok {
			t.Errorf("no log of the default site shows %s", what)
		}
	}
}

// TestCancelledGenerateSaysWhy: a cancelled generation reports the
// cancellation, not the temporary database it never made.
func TestCancelledGenerateSaysWhy(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	_, err := Generate(ctx, dir, Options{Seed: 1, Clients: 20, Now: testNow, WithoutLogs: true})
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "remove") {
		t.Errorf("err = %v, want the cancellation alone", err)
	}
	if _, err := os.Stat(filepath.Join(dir, DBFile)); !os.IsNotExist(err) {
		t.Errorf("a cancelled generation left %s: %v", DBFile, err)
	}
}
