package classify

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"smsfail"
	"smsfail/logtext"
)

// The real corpus (testdata/real) holds excerpts of logs found in public
// material: bug reports, KB articles, forums, newsgroups. Each file opens
// with "# SOURCE: <address> (<what it is, year>)" and keeps the lines as
// found; the expected-*.tsv tables give, per file, the causes an expert
// accepts for it, judged from the log itself.

const realDir = "testdata/real"

// realExcerpt is one file of the real corpus with what its table says.
type realExcerpt struct {
	name     string   // file name in realDir
	accepted []string // cause ids an expert accepts
	table    string   // the table that lists it, and its line
}

// readRealTables reads every expected-*.tsv: "file<TAB>ids<TAB>notes", ids
// comma-separated; lines starting with # are comments.
func readRealTables(t *testing.T) map[string]realExcerpt {
	t.Helper()
	tables, err := filepath.Glob(filepath.Join(realDir, "expected-*.tsv"))
	if err != nil || len(tables) == 0 {
		t.Fatalf("no expected-*.tsv in %s (%v)", realDir, err)
	}
	rows := map[string]realExcerpt{}
	for _, table := range tables {
		f, err := os.Open(table)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimRight(sc.Text(), "\r")
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
				continue
			}
			at := fmt.Sprintf("%s:%d", filepath.Base(table), n)
			fields := strings.Split(line, "\t")
			if len(fields) < 2 || strings.TrimSpace(fields[1]) == "" {
				t.Errorf("%s: want file<TAB>accepted ids<TAB>notes, got %q", at, line)
				continue
			}
			name := strings.TrimSpace(fields[0])
			if old, ok := rows[name]; ok {
				t.Errorf("%s: %s is already listed in %s", at, name, old.table)
				continue
			}
			var ids []string
			for _, id := range strings.Split(fields[1], ",") {
				ids = append(ids, strings.TrimSpace(id))
			}
			rows[name] = realExcerpt{name: name, accepted: ids, table: at}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("cannot read %s: %v", table, err)
		}
	}
	return rows
}

// realFiles lists the excerpts: every .log and .txt in realDir.
func realFiles(t testing.TB) []string {
	var names []string
	for _, pattern := range []string{"*.log", "*.txt"} {
		m, err := filepath.Glob(filepath.Join(realDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range m {
			names = append(names, filepath.Base(p))
		}
	}
	slices.Sort(names)
	return names
}

// stripSource removes the first line when it is "# SOURCE: ...", in
// whatever encoding the file is in (a UTF-16 file carries it in UTF-16),
// keeping any byte order mark. ok is false when there is no such line.
func stripSource(data []byte) (rest []byte, ok bool) {
	var bom []byte
	for _, b := range [][]byte{{0xEF, 0xBB, 0xBF}, {0xFF, 0xFE}, {0xFE, 0xFF}} {
		if bytes.HasPrefix(data, b) {
			bom, data = b, data[len(b):]
			break
		}
	}
	unit, lo := 1, 0 // bytes per character and where the low byte is
	switch {
	case len(data) > 1 && data[0] == '#' && data[1] == 0:
		unit = 2
	case len(data) > 1 && data[0] == 0 && data[1] == '#':
		unit, lo = 2, 1
	}
	var head []byte
	end := len(data)
	for i := lo; i < len(data); i += unit {
		if data[i] == '\n' {
			end = i - lo + unit
			break
		}
		head = append(head, data[i])
	}
	if !bytes.HasPrefix(head, []byte("# SOURCE:")) {
		return nil, false
	}
	return append(slices.Clip(bom), data[end:]...), true
}

// classifyReal classifies an excerpt the way production does: its bytes
// through logtext's decoder, on a site with the default code page, and the
// engine.
func classifyReal(t testing.TB, rules *Rules, name string) (smsfail.Finding, error) {
	data, err := os.ReadFile(filepath.Join(realDir, name))
	if err != nil {
		return smsfail.Finding{}, err
	}
	body, ok := stripSource(data)
	if !ok {
		return smsfail.Finding{}, fmt.Errorf("no \"# SOURCE: <address> (<what it is, year>)\" first line")
	}
	rd, err := logtext.NewReader(bytes.NewReader(body), "")
	if err != nil {
		return smsfail.Finding{}, err
	}
	return rules.Classify(rd)
}

// realKinds maps a file name's prefix to the kind of excerpt it is; the
// shared corpus named its files before the prefixes were agreed.
var realKinds = map[string]string{
	"upd": "upd", "kb": "upd", "svcpack": "upd",
	"msi": "msi", "u16": "msi", "cp1251": "loc", "loc": "loc",
	"burn": "burn", "event": "event", "tool": "tool",
}

// realLanguages are the language tags a file name may carry ("loc_ru_...",
// "..._localized_ru.log"); a file without one is English.
var realLanguages = map[string]bool{
	"ar": true, "bg": true, "cs": true, "da": true, "de": true, "el": true, "es": true, "et": true,
	"fa": true, "fi": true, "fr": true, "he": true, "hi": true, "hr": true, "hu": true, "id": true, "it": true,
	"ja": true, "ko": true, "lt": true, "lv": true, "nb": true, "nl": true, "pl": true, "pt": true, "ptbr": true,
	"ro": true, "ru": true, "sk": true, "sl": true, "sr": true, "sv": true, "th": true, "tr": true, "uk": true,
	"vi": true, "zh": true, "zhcn": true, "zhtw": true,
}

// kindAndLanguage reads a file name: the kind is its first word, the
// language the tag after the kind ("loc_ru_...", "upd_kb873148_ro_...") or
// at the end ("..._localized_ru.log"); other words that look like tags
// ("_ca_" for a custom action) are not languages.
func kindAndLanguage(name string) (kind, lang string) {
	words := strings.FieldsFunc(strings.TrimSuffix(name, filepath.Ext(name)), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	kind, lang = "other", "en"
	if len(words) == 0 {
		return kind, lang
	}
	first := strings.ToLower(words[0])
	if strings.HasPrefix(first, "kb") {
		first = "kb"
	}
	if k, ok := realKinds[first]; ok {
		kind = k
	}
	for _, i := range []int{1, 2, len(words) - 1} {
		if i < 1 || i >= len(words) {
			continue
		}
		w := strings.ToLower(words[i])
		if realLanguages[w] && (i != 2 || strings.HasPrefix(strings.ToLower(words[1]), "kb")) {
			return kind, w
		}
	}
	return kind, lang
}

// TestRealCorpus classifies every real excerpt and checks it gets a cause
// an expert accepts; it prints how many excerpts there are, by kind and
// language, and how many pass.
func TestRealCorpus(t *testing.T) {
	rules := Builtin()
	rows := readRealTables(t)
	files := realFiles(t)
	for _, name := range files {
		if _, ok := rows[name]; !ok {
			t.Errorf("%s: no row in any expected-*.tsv", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(rows)) {
		if !slices.Contains(files, name) {
			t.Errorf("%s: %s lists a file that is not in %s", rows[name].table, name, realDir)
		}
		for _, id := range rows[name].accepted {
			if _, ok := rules.Cause(id); !ok {
				t.Errorf("%s: unknown cause %q", rows[name].table, id)
			}
		}
	}
	var m realMeasures
	for _, name := range files {
		row, listed := rows[name]
		f, err := classifyReal(t, rules, name)
		switch {
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case listed && !slices.Contains(row.accepted, f.Cause):
			t.Errorf("%s: cause %s (rule %s), accepted: %s; evidence:\n%s", name, f.Cause, f.Rule,
				strings.Join(row.accepted, ","), evidenceText(f.Evidence))
		case listed:
			m.add(name, f.Cause, true)
			continue
		}
		m.add(name, "", false)
	}
	m.print(os.Stdout)
	localized := m.total - m.languages["en"][0]
	if m.total < 150 || m.kinds["upd"][0] < 30 || localized < 20 {
		t.Errorf("the real corpus holds %d excerpts, %d of update.exe and Windows Update, %d localized: want at least 150, 30 and 20",
			m.total, m.kinds["upd"][0], localized)
	}
}

func evidenceText(ev []smsfail.Evidence) string {
	var b strings.Builder
	for _, e := range ev {
		fmt.Fprintf(&b, "  %5d  %s\n", e.Line, e.Text)
	}
	return b.String()
}

// realMeasures counts excerpts and passes by kind and by language, and
// the causes read.
type realMeasures struct {
	total, pass int
	kinds       map[string][2]int
	languages   map[string][2]int
	causes      map[string][2]int
}

func (m *realMeasures) add(name, cause string, pass bool) {
	if m.kinds == nil {
		m.kinds, m.languages, m.causes = map[string][2]int{}, map[string][2]int{}, map[string][2]int{}
	}
	if pass {
		m.causes[cause] = [2]int{m.causes[cause][0] + 1, m.causes[cause][1] + 1}
	}
	kind, lang := kindAndLanguage(name)
	inc := func(c map[string][2]int, k string) {
		v := c[k]
		v[0]++
		if pass {
			v[1]++
		}
		c[k] = v
	}
	inc(m.kinds, kind)
	inc(m.languages, lang)
	m.total++
	if pass {
		m.pass++
	}
}

func (m *realMeasures) print(w io.Writer) {
	fmt.Fprintf(w, "real corpus: %d excerpts, %d get an accepted cause\n", m.total, m.pass)
	for _, c := range []struct {
		what string
		set  map[string][2]int
	}{{"kind", m.kinds}, {"language", m.languages}, {"cause read", m.causes}} {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(c.set)) {
			parts = append(parts, fmt.Sprintf("%s %d/%d", k, c.set[k][1], c.set[k][0]))
		}
		fmt.Fprintf(w, "  by %s (passing/all): %s\n", c.what, strings.Join(parts, ", "))
	}
}

// TestRealEncodings: an excerpt in a client's code page, on a site set to
// windows-1252, reads as its UTF-8 original does: the same cause and the
// same evidence, in its own script ("Ошибка 1402", never "Îøèáêà 1402").
func TestRealEncodings(t *testing.T) {
	rules := Builtin()
	pairs := map[string]string{"cp1251_msi_error1402_registry_access_denied_localized_ru.log": "msi_error1402_registry_access_denied_localized_ru.log"}
	for _, name := range realFiles(t) {
		base := strings.TrimSuffix(name, filepath.Ext(name))
		i := strings.LastIndex(base, "-")
		if i < 0 || !strings.HasPrefix(base[i+1:], "cp") && base[i+1:] != "gbk" {
			continue
		}
		pairs[name] = base[:i] + filepath.Ext(name)
	}
	if len(pairs) < 5 {
		t.Fatalf("only %d excerpts in a code page with their UTF-8 original", len(pairs))
	}
	for variant, original := range pairs {
		want, err := classifyReal(t, rules, original)
		if err != nil {
			t.Fatalf("%s: %v", original, err)
		}
		got, err := classifyReal(t, rules, variant)
		if err != nil {
			t.Fatalf("%s: %v", variant, err)
		}
		// Shift JIS has one dash, which Windows reads as U+2015 and the
		// converter that made the copy wrote for U+2014.
		dash := strings.NewReplacer("―", "—")
		if got.Cause != want.Cause || dash.Replace(evidenceText(got.Evidence)) != evidenceText(want.Evidence) {
			t.Errorf("%s reads as\n%s %s\nits original %s as\n%s %s", variant, got.Cause, evidenceText(got.Evidence), original, want.Cause, evidenceText(want.Evidence))
		}
	}
}
