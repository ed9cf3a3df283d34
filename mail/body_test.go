package mail

import (
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

func testSummary() Summary {
	day := time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC)
	return Summary{
		Site: "KID", Date: day, Since: day.Add(-24 * time.Hour), Until: day,
		Failures: 1234, Classified: 1100, NoDetail: 50, Unclassified: 24, Unread: 60, Unreachable: 4,
		Late: 3, LateFrom: day.Add(-50 * time.Hour),
		Change: &Change{PreviousUntil: day.Add(-24 * time.Hour), New: 12, Recurring: 30, Fixed: 5, StillOpen: 7, Causes: []CauseChange{
			{Cause: "disk-full", Title: "Not enough disk space", Now: 40, Before: 52},
			{Cause: "catalog-install-failed", Title: "Cryptographic catalog could not be installed", Colour: "1F4E79", Now: 1000, Before: 900},
			{Cause: "unreachable", Now: 4, Before: 4},
			{Cause: "pending-reboot", Title: "A restart is pending", Now: 0, Before: 3},
		}},
		Collections: []Collection{
			{ID: "KID00012", Name: "Accounting <Floor 2>", Failures: 34, Causes: []Cause{
				{ID: "disk-full", Title: "Not enough disk space", Remediation: "Free 500 MB on C: and re-run the advertisement.", Count: 30},
				{ID: "unreachable", Count: 4},
			}},
			{ID: "SMS00001", Name: "All Systems", Failures: 1200, Causes: []Cause{
				{ID: "catalog-install-failed", Title: "Cryptographic catalog could not be installed", Colour: "1F4E79", Remediation: "Run the uninstall tool, then restart the Cryptographic Services service.", Count: 1000},
				{ID: "a", Title: "Cause A", Count: 20}, {ID: "b", Title: "Cause B", Count: 20}, {ID: "c", Title: "Cause C", Count: 20},
				{ID: "d", Title: "Cause D", Count: 20}, {ID: "e", Title: "Cause E", Count: 20},
			}},
		},
		Workbook: `\\SMSSERVER\reports\smsfail-KID-2025-03-10.xlsx`, WorkbookSize: 2_400_000, Attached: true, AttachLimit: DefaultMaxAttachBytes,
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n%s", name, got)
	}
}

func TestBodyGolden(t *testing.T) {
	first := testSummary()
	first.Change = nil
	first.Late = 0 // the first night has no night before it to have missed anything
	first.Attached = false
	first.WorkbookSize = 12 << 20
	first.OpenAt = `\\SMSSRV\reports$\KID-2025-03-10-020000\smsfail-KID-2025-03-10.xlsx`
	for name, s := range map[string]Summary{"nightly": testSummary(), "first-night-too-large": first, "empty": {Site: "KID"}} {
		text, html := Body(s)
		golden(t, name+".txt.golden", text)
		golden(t, name+".html.golden", html)
	}
}

// TestBodyColoursCauses shows each cause in the colour the workbook gives
// it, beside its name in both tables.
func TestBodyColoursCauses(t *testing.T) {
	_, html := Body(testSummary())
	if n := strings.Count(html, `bgcolor="#1F4E79"`); n != 2 {
		t.Errorf("catalog-install-failed is coloured %d times, want twice (change and collection):\n%s", n, html)
	}
}

func TestBodyEscapesHTML(t *testing.T) {
	_, html := Body(testSummary())
	if strings.Contains(html, "Accounting <Floor 2>") || !strings.Contains(html, "Accounting &lt;Floor 2&gt;") {
		t.Fatal("a collection name reached the HTML unescaped")
	}
}

func TestBodyTrimsToTopCauses(t *testing.T) {
	text, _ := Body(testSummary())
	if !strings.Contains(text, "and 1 more cause in the workbook") {
		t.Fatalf("six causes in a collection not trimmed to five:\n%s", text)
	}
	if strings.Index(text, "All Systems") > strings.Index(text, "Accounting") {
		t.Fatal("collections not ordered by failures")
	}
}

func TestValidate(t *testing.T) {
	good := Config{Host: "relay.example.org", From: "smsfail@example.org", To: []string{"admins@example.org"}}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for want, mutate := range map[string]func(*Config){
		"host is empty":                    func(c *Config) { c.Host = "" },
		`tls "ssl" is not one of`:          func(c *Config) { c.TLS = "ssl" },
		`auth "ntlm" is not one of`:        func(c *Config) { c.Auth = "ntlm" },
		"auth plain needs a user":          func(c *Config) { c.Auth = AuthPlain },
		"would send the password in clear": func(c *Config) { c.Auth, c.User, c.TLS = AuthLogin, "u", TLSNone },
		"to lists no recipient":            func(c *Config) { c.To = nil },
		`recipient "not an address"`:       func(c *Config) { c.Cc = []string{"not an address"} },
		`from ""`:                          func(c *Config) { c.From = "" },
		"subject uses {advertisement}":     func(c *Config) { c.Subject = "{site} {advertisement}" },
		"port 70000 is not a TCP port":     func(c *Config) { c.Port = 70000 },
		"cannot read CA file":              func(c *Config) { c.CAFile = filepath.Join(t.TempDir(), "none.pem") },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
	for host, ok := range map[string]bool{"127.0.0.1": true, "localhost": true, "::1": true, "127.0.0.2": false, "LOCALHOST": false} {
		local := good
		local.Host, local.TLS, local.Auth, local.User = host, TLSNone, AuthPlain, "u"
		// go-mail itself refuses the password in clear to any other name.
		if err := local.Validate(); (err == nil) != ok {
			t.Errorf("plain auth in clear to %s: %v", host, err)
		}
	}
	garbage := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(garbage, []byte("not a certificate"), 0o644)
	bad := good
	bad.CAFile = garbage
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "holds no PEM certificate") {
		t.Errorf("garbage CA file: %v", err)
	}
}
