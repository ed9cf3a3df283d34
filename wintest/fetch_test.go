//go:build linux

package wintest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFetchUnderWine runs the Windows test binary of package fetch: the
// behaviour suite against the local folder and the native UNC source,
// whose hosts are folders in Wine's dosdevices\unc, and the UNC source's
// own cases. It prepares here what a Windows process cannot: files Wine's
// account may not read.
func TestFetchUnderWine(t *testing.T) {
	w := needWine(t)
	unc := filepath.Join(w.prefix, "dosdevices", "unc")
	deniedFile := filepath.Join(unc, "DENIEDFILE", "admin$", "svcpack.log")
	deniedShare := filepath.Join(unc, "DENIEDSHARE", "admin$")
	for _, p := range []string{deniedFile, filepath.Join(deniedShare, "svcpack.log"), filepath.Join(deniedShare, "Temp", "MSI1.LOG")} {
		if err := w.writeUnix(p, []byte("a log"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{deniedFile, deniedShare} {
		if err := os.Chmod(p, 0); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(p, 0o755) }) // so that the prefix can be removed
	}

	w.env = append(w.env, "SMSFAIL_WINE_HOSTS=denied-file=DENIEDFILE,denied-share=DENIEDSHARE")
	defer func() { w.env = w.env[:len(w.env)-1] }()
	r := w.run(t, `Z:`+filepath.FromSlash(filepath.Join(w.bin, "fetch.test.exe")), "-test.v", "-test.run", "^(TestSources|TestUNC.*)$")
	results := regexp.MustCompile(`(?m)^\s*--- (PASS|FAIL|SKIP): (\S+)`).FindAllStringSubmatch(r.stdout, -1)
	counts := map[string]int{}
	for _, m := range results {
		if strings.Count(m[2], "/") == 2 || !strings.HasPrefix(m[2], "TestSources") { // the cases, not their groups
			counts[m[1]]++
		}
		if m[1] == "SKIP" {
			t.Logf("skipped: %s", m[2])
		}
	}
	t.Logf("fetch under Wine: %d cases passed, %d skipped, %d failed", counts["PASS"], counts["SKIP"], counts["FAIL"])
	if r.code != 0 || counts["FAIL"] > 0 || counts["PASS"] == 0 {
		t.Fatalf("fetch.test.exe under Wine: %s", r)
	}
	if counts["SKIP"] != 1 {
		t.Errorf("want exactly one case skipped (missing share, which Wine cannot answer as Windows does), got %d:\n%s", counts["SKIP"], r.stdout)
	}
}
