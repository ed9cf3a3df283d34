package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A value pasted by mistake (a whole file, 10 MB) is quoted in its error
// only in part, cut with an ellipsis.
func TestLongValueCutInErrors(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	base := "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n"
	for key, text := range map[string]string{
		"schedule.cron":          base + "schedule: {cron: \"" + big + "\"}\n",
		"site.timezone":          base + "site: {timezone: " + big + "}\n",
		"database.driver":        strings.Replace(base, "driver: sqlite", "driver: "+big, 1),
		"failures.exit_codes[0]": base + "failures: {exit_codes: [" + big + "]}\n",
		"logs.codepage":          strings.Replace(base, "root: clients", "root: clients, codepage: "+big, 1),
	} {
		_, err := Parse("x.yaml", []byte(text), env(nil))
		if err == nil || !strings.Contains(err.Error(), key+": ") {
			t.Errorf("%s: got %.300v, want an error at the key", key, err)
			continue
		}
		if len(err.Error()) > 2000 || !strings.Contains(err.Error(), "…") {
			t.Errorf("%s: the error is %d bytes: %.300s", key, len(err.Error()), err)
		}
	}
}

// A secret file larger than any secret is refused, not silently cut.
func TestSecretFileTooLarge(t *testing.T) {
	file := filepath.Join(t.TempDir(), "db.password")
	if err := os.WriteFile(file, []byte(strings.Repeat("p", 64<<10+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	text := "database: {driver: sqlserver, server: sql1, name: SMS_KID, user: reader, password: {file: " + file + "}}\n" +
		"logs: {source: local, root: clients}\n"
	_, err := Parse("x.yaml", []byte(text), env(nil))
	if err == nil || !strings.Contains(err.Error(), "database.password: ") || !strings.Contains(err.Error(), "larger than 64 KiB") {
		t.Fatalf("got %v, want the secret file refused at database.password", err)
	}
}
