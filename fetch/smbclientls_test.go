package fetch

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// listingLine formats an entry as smbclient's ls does.
func listingLine(name, attrs string, size int64, mtime time.Time) string {
	return fmt.Sprintf("  %-30s%7.7s %8.0f  %s\n", name, attrs, float64(size), mtime.UTC().Format(listingTimeLayout))
}

func TestParseListing(t *testing.T) {
	when := time.Date(2007, 2, 5, 20, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		line string
		want fileInfo
		ok   bool
	}{
		// As smbclient 4.17 printed them against the test Samba.
		{"  svcpack.log                         N       15  Thu Feb 15 20:47:56 2007\n",
			fileInfo{name: "svcpack.log", size: 15, mtime: time.Date(2007, 2, 15, 20, 47, 56, 0, time.UTC)}, true},
		{"  Temp                                D        0  Wed Nov 25 14:53:18 2026",
			fileInfo{name: "Temp", dir: true, mtime: time.Date(2026, 11, 25, 14, 53, 18, 0, time.UTC)}, true},
		{"  name with  spaces and a very very long name indeed.log      N        2  Wed Nov 25 14:53:18 2026",
			fileInfo{name: "name with  spaces and a very very long name indeed.log", size: 2, mtime: time.Date(2026, 11, 25, 14, 53, 18, 0, time.UTC)}, true},
		{"  Ошибка.log                    N        2  Wed Nov 25 14:53:18 2026",
			fileInfo{name: "Ошибка.log", size: 2, mtime: time.Date(2026, 11, 25, 14, 53, 18, 0, time.UTC)}, true},
		{"  MSI1a2b.LOG                         N        3  Mon Feb  5 20:00:00 2007",
			fileInfo{name: "MSI1a2b.LOG", size: 3, mtime: when}, true},
		// A name that looks like a listing's fields itself.
		{listingLine("A       15  Thu Feb 15 20:47:56 2007", "A", 7, when),
			fileInfo{name: "A       15  Thu Feb 15 20:47:56 2007", size: 7, mtime: when}, true},
		// Every attribute: truncated to 7, the directory's D among them.
		{listingLine("System Volume Information", "DHSNRdtsrcone", 0, when),
			fileInfo{name: "System Volume Information", dir: true, mtime: when}, true},
		{listingLine("no attributes", "", 1<<40, when), fileInfo{name: "no attributes", size: 1 << 40, mtime: when}, true},
		{listingLine("x", "A", 123456789012, when), fileInfo{name: "x", size: 123456789012, mtime: when}, true},
		{"\t\t264212084 blocks of size 1024. 77806660 blocks available", fileInfo{}, false},
		{"NT_STATUS_NO_SUCH_FILE listing \\nothere.log", fileInfo{}, false},
		{`Try "help" to get a list of possible commands.`, fileInfo{}, false},
		{"getting file \\svcpack.log of size 15 as - (14.6 KiloBytes/sec) (average 14.6 KiloBytes/sec)", fileInfo{}, false},
		{"  x                                   Q        1  Thu Feb 15 20:47:56 2007", fileInfo{}, false},
		{"  x                                   A       1  Thu Feb 15 20:47:56 2007", fileInfo{}, false},
		{"  x                                   A        1 Thu Feb 15 20:47:56 2007", fileInfo{}, false},
		{"                                      A        1  Thu Feb 15 20:47:56 2007", fileInfo{}, false},
		{"  x                                   A        1  Thu Feb 15 20:47:56 207", fileInfo{}, false},
		{"", fileInfo{}, false},
	} {
		got, ok := parseListing(c.line)
		if ok != c.ok || ok && (got.name != c.want.name || got.size != c.want.size || got.dir != c.want.dir || !got.mtime.Equal(c.want.mtime)) {
			t.Errorf("parseListing(%q) = %+v, %v; want %+v, %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

// FuzzParseListing: any entry smbclient prints reads back as it was, and
// no line, however odd, makes the parser fail or invent a name.
func FuzzParseListing(f *testing.F) {
	f.Add("svcpack.log", "A", int64(15), int64(1171572476))
	f.Add("name with  spaces and a long name over thirty bytes.log", "", int64(0), int64(0))
	f.Add("Ошибка.log", "DHS", int64(1<<33), int64(-1))
	f.Add("  A       15  Thu Feb 15 20:47:56 2007", "N", int64(99999999), int64(4102444800))
	f.Fuzz(func(t *testing.T, name, attrs string, size, unix int64) {
		// Whatever the inputs, the line they make must not break the parser.
		line := listingLine(name, attrs, size, time.Unix(unix, 0))
		got, ok := parseListing(line)
		if ok && (got.name == "" || strings.HasSuffix(got.name, " ") || got.size < 0) {
			t.Fatalf("parseListing(%q) = %+v", line, got)
		}
		if _, ok := parseListing(name); ok && !strings.HasPrefix(name, "  ") {
			t.Fatalf("parseListing(%q) took a line without the indent", name)
		}
		mtime := time.Unix(unix, 0).UTC()
		valid := validEntryName(name) && size >= 0 && size < 1<<53 && mtime.Year() >= 1000 && mtime.Year() <= 9999 &&
			len(attrs) <= listingAttrWidth && strings.Trim(attrs, listingAttrs) == ""
		if !valid {
			return
		}
		if !ok {
			t.Fatalf("parseListing(%q) refused a well-formed entry", line)
		}
		if got.name != name || got.size != size || !got.mtime.Equal(mtime) || got.dir != strings.Contains(attrs, "D") {
			t.Fatalf("parseListing(%q) = %+v, want %q %d %v", line, got, name, size, mtime)
		}
	})
}

// validEntryName is a name Windows allows and smbclient prints on one
// line: no control characters, no trailing space.
func validEntryName(name string) bool {
	if name == "" || !utf8.ValidString(name) || strings.HasSuffix(name, " ") {
		return false
	}
	for _, r := range name {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	return true
}
