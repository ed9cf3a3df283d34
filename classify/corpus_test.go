package classify

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"smsfail"
	"smsfail/logtext"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// corpusFiles are the logs of the test corpus: "<cause>--<what>.log" (or
// .txt for event-log text), in the encoding the client wrote.
func corpusFiles(t testing.TB) []string {
	var files []string
	for _, pattern := range []string{"testdata/*.log", "testdata/*.txt"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no corpus in testdata")
	}
	return files
}

// codepageOf reads the code page a corpus file was written in from its name.
func codepageOf(name string) string {
	if strings.Contains(name, "-cp1251") {
		return "windows-1251"
	}
	return ""
}

func newTestReader(r io.Reader, name string) (io.Reader, error) {
	return logtext.NewReader(r, codepageOf(name))
}

// classifyPath classifies a corpus file, decoded as the site would.
func classifyPath(t testing.TB, rules *Rules, name string) smsfail.Finding {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := newTestReader(f, name)
	if err != nil {
		t.Fatal(err)
	}
	finding, err := rules.Classify(rd)
	if err != nil {
		t.Fatal(err)
	}
	return finding
}

func classifyFile(t testing.TB, rules *Rules, name string) []byte {
	t.Helper()
	out, err := json.MarshalIndent(classifyPath(t, rules, name), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestCorpus classifies every log of the corpus and compares the finding
// with its golden file; the cause must be the one the file is named for.
func TestCorpus(t *testing.T) {
	rules := Builtin()
	for _, name := range corpusFiles(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			got := classifyFile(t, rules, name)
			var finding struct{ Cause string }
			if err := json.Unmarshal(got, &finding); err != nil {
				t.Fatal(err)
			}
			want, _, _ := strings.Cut(filepath.Base(name), "--")
			if finding.Cause != want {
				t.Errorf("cause %q, want %q; finding:\n%s", finding.Cause, want, got)
			}
			golden := strings.TrimSuffix(name, filepath.Ext(name)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantJSON, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, wantJSON) {
				t.Errorf("finding differs from %s:\n%s", golden, got)
			}
		})
	}
}

// TestCorpusCoversEveryCause keeps the corpora honest: every built-in
// cause is shown by at least three logs, the project's own and the real
// excerpts that an expert reads as that cause.
func TestCorpusCoversEveryCause(t *testing.T) {
	count := map[string]int{}
	for _, name := range corpusFiles(t) {
		cause, _, _ := strings.Cut(filepath.Base(name), "--")
		count[cause]++
	}
	for _, row := range readRealTables(t) {
		for _, id := range row.accepted {
			count[id]++
		}
	}
	for _, c := range Builtin().Causes() {
		if count[c.ID] < 3 {
			t.Errorf("cause %s has %d logs in testdata and testdata/real, want at least 3", c.ID, count[c.ID])
		}
	}
}
