package report

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestIsPlainAgreesWithAByteLoop(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 17; pos++ {
			b := []byte("abcdefghijklmnopq")
			b[pos] = byte(c)
			want := c >= 0x20 && c <= 0x7e
			if got := isPlain(string(b)); got != want {
				t.Fatalf("isPlain(%q) = %v", b, got)
			}
		}
	}
}

func TestCellText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"=1+1", "=1+1"},
		{"tab\there\r\nnext", "tab here  next"},
		{"nul\x00bel\x07", "nulbel"},
		{"c1\u0085 nonchar\ufffe\uffff", "c1 nonchar"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"Ошибка 1402 · 日本語 😀", "Ошибка 1402 · 日本語 😀"},
	} {
		if got := cellText(c.in); got != c.want {
			t.Errorf("cellText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := cellParagraph("one\r\ntwo"); got != "one\ntwo" {
		t.Errorf("cellParagraph kept %q", got)
	}
}

func TestKeepEscapesLiteral(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain_text", "plain_text"},
		{"_x0041_", "_x005F_x0041_"},
		{"a_x000d_b", "a_x005F_x000d_b"},
		{"_x00G1_ _x041_", "_x00G1_ _x041_"},
		// Overlapping runs: each underscore that starts one is escaped.
		{"_x005F_x0041_", "_x005F_x005F_x005F_x0041_"},
	} {
		if got := keepEscapesLiteral(c.in); got != c.want {
			t.Errorf("keepEscapesLiteral(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCutCountsUTF16(t *testing.T) {
	exact := strings.Repeat("a", maxCellChars)
	if got := cellText(exact); got != exact {
		t.Errorf("a text of exactly %d characters was cut", maxCellChars)
	}
	// Characters outside the Basic Multilingual Plane count twice.
	emoji := strings.Repeat("😀", maxCellChars/2+1)
	got := cellText(emoji)
	if utf16Len(got) > maxCellChars || !strings.HasSuffix(got, cutMark) {
		t.Errorf("%d emoji cut to %d UTF-16 units", maxCellChars/2+1, utf16Len(got))
	}
}

func TestExcelDate(t *testing.T) {
	berlin := mustZone("Europe/Berlin")
	for _, c := range []struct {
		t    time.Time
		want float64
		ok   bool
	}{
		{time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC), 0, false}, // before 1901: not shown
		{time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), 45352 + 1.0/24, true},
		{time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC), 45474 + 2.0/24, true}, // summer time
		{time.Time{}, 0, false},
	} {
		got, ok := excelDate(c.t, berlin)
		if ok != c.ok || (ok && (got < c.want || got-c.want > 1e-6)) {
			t.Errorf("excelDate(%v) = %v, %v; want %v, %v", c.t, got, ok, c.want, c.ok)
		}
	}
}

func TestHyperlinkFormula(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"logs/PC1/svcpack.log", `HYPERLINK("logs/PC1/svcpack.log")`, true},
		{`logs/a"b.log`, `HYPERLINK("logs/a""b.log")`, true},
		{"logs/..x/ok.log", `HYPERLINK("logs/..x/ok.log")`, true},
		{"../secret", "", false},
		{`logs\..\..\x`, "", false},
		{"/etc/passwd", "", false},
		{`C:\x.log`, "", false},
		{"http://example.com/x", "", false},
		{"logs/\x00x", "", false},
		{strings.Repeat("a", 256), "", false},
	} {
		got, ok := hyperlinkFormula(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("hyperlinkFormula(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestSheetNames(t *testing.T) {
	n := newSheetNames()
	for _, c := range []struct{ want, fallback, got string }{
		{"Summary", "", "Summary"},
		{"summary", "", "summary (2)"},
		{"History", "", "History (2)"},
		{"'quoted'", "", "quoted"},
		{"a[b]c:d*e?f/g\\h", "", "abcdefgh"},
		{"[]:*?/\\", "ID1", "ID1"},
		{"", "", "Sheet"},
		{strings.Repeat("x", 40), "", strings.Repeat("x", 31)},
		{strings.Repeat("x", 40), "", strings.Repeat("x", 27) + " (2)"},
	} {
		if got := n.name(c.want, c.fallback); got != c.got {
			t.Errorf("name(%q) = %q, want %q", c.want, got, c.got)
		}
	}
}

func TestZoneLabel(t *testing.T) {
	at := time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC)
	if got := zoneLabel(mustZone("Europe/Berlin"), at); got != "Europe/Berlin" {
		t.Errorf("zoneLabel(Europe/Berlin) = %q", got)
	}
	if got := zoneLabel(time.FixedZone("", -(3*3600+1800)), at); got != "Local (UTC-03:30)" {
		t.Errorf("zoneLabel(-03:30) = %q", got)
	}
	if got := zoneLabel(time.FixedZone("CET", 3600), at); got != "CET" {
		t.Errorf("zoneLabel(CET) = %q", got)
	}
}

func TestCompareFoldAgreesWithToUpper(t *testing.T) {
	words := []string{"", "a", "A", "pc1", "PC1", "Pc10", "pc2", "PC_1", "pc[1", "PC-1", "é", "É", "zz", "Z"}
	for _, a := range words {
		for _, b := range words {
			want := strings.Compare(strings.ToUpper(a), strings.ToUpper(b))
			if a == "é" || b == "é" || a == "É" || b == "É" {
				continue // only ASCII is folded
			}
			if got := compareFold(a, b); got != want {
				t.Errorf("compareFold(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}

// FuzzCellText checks no input gives a cell Excel or LibreOffice would
// refuse: valid UTF-8, no character XML forbids, no line break, at most
// 32,767 UTF-16 units; and that a sheet name made of it is legal.
func FuzzCellText(f *testing.F) {
	for _, s := range []string{"", "=1+1", "a\x00b\x1f\r\n\t", "\xff\xfe", "😀", strings.Repeat("ж", 40), "'x'", "[]:*?/\\", "_x0041_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := cellText(s)
		if !utf8.ValidString(got) || utf16Len(got) > maxCellChars {
			t.Fatalf("cellText(%q) = %q: invalid or too long", s, got)
		}
		for _, r := range got {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0xfffe || r == 0xffff {
				t.Fatalf("cellText(%q) keeps %U", s, r)
			}
		}
		name := newSheetNames().name(s, "fallback")
		if name == "" || utf16Len(name) > maxSheetName || strings.ContainsAny(name, `[]:*?/\`) ||
			strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'") {
			t.Fatalf("sheet name %q from %q is not legal", name, s)
		}
	})
}
