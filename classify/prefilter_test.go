package classify

import (
	"bytes"
	"testing"
)

// literalRules is a rule set with one rule per literal, for the index.
func literalIndexOf(lits ...literal) (*literalIndex, int) {
	var rules []*rule
	for i, l := range lits {
		rules = append(rules, &rule{index: i, pre: prefilter{l}})
	}
	return newLiteralIndex(rules), len(rules)
}

func TestLiteralIndex(t *testing.T) {
	tests := []struct {
		s    string
		lit  literal
		want bool
	}{
		{"Migration is blocked by following files", literal{[]byte("migration"), true}, true},
		{"MIGRATION IS BLOCKED", literal{[]byte("migration"), true}, true},
		{"mMmMmIGRATION", literal{[]byte("migration"), true}, true},
		{"MmMmMmMmMigratio", literal{[]byte("migration"), true}, false},
		{"access denied", literal{[]byte("access"), true}, true},
		{"acce", literal{[]byte("access"), true}, false},
		{"", literal{[]byte("access"), true}, false},
		{"0x0*5 error", literal{[]byte("0x"), true}, true},
		{"DoRegistryUpdates failed", literal{[]byte("DoRegistryUpdates"), false}, true},
		{"doregistryupdates failed", literal{[]byte("DoRegistryUpdates"), false}, false},
		{"セットアップが取り消されました。", literal{[]byte("取り消されました"), false}, true},
	}
	for _, tt := range tests {
		x, n := literalIndexOf(tt.lit)
		seen := make([]uint32, n)
		x.mark([]byte(tt.s), seen, 1)
		if got := seen[0] == 1; got != tt.want {
			t.Errorf("%q in %q: %v, want %v", tt.lit.text, tt.s, got, tt.want)
		}
	}
}

// FuzzLiteralIndex: the index never turns away a line that holds a
// literal, in any ASCII case for a case-insensitive one.
func FuzzLiteralIndex(f *testing.F) {
	f.Add([]byte("MmMmMigration"), []byte("migration"), true)
	f.Add([]byte("Ошибка 1402"), []byte("шибка"), false)
	f.Fuzz(func(t *testing.T, s, lit []byte, fold bool) {
		if len(lit) < 2 {
			return
		}
		if fold {
			lit = asciiLower(lit)
		}
		x, n := literalIndexOf(literal{text: lit, fold: fold}, literal{text: []byte("zz"), fold: true})
		seen := make([]uint32, n)
		x.mark(s, seen, 7)
		holds := bytes.Contains(s, lit)
		if fold {
			holds = bytes.Contains(asciiLower(s), lit)
		}
		if holds && seen[0] != 7 {
			t.Fatalf("%q (fold %v) in %q: missed", lit, fold, s)
		}
	})
}

// errorLookingByWords is errorLooking as it reads: each word looked for on
// its own.
func errorLookingByWords(t []byte) bool {
	for p := range t {
		if errorWordAt(t, p) {
			return true
		}
	}
	return false
}

// FuzzErrorLooking: the one-pass walk finds an error word wherever looking
// for each word finds one.
func FuzzErrorLooking(f *testing.F) {
	for _, s := range []string{"Error 1722.", "ErrorDialog", "MSI (s): Note: 1: 2205 2:  3: Error", "Ошибка 1402", "Zugriff: Fehler", "échec de", "Access Denied", "Installation FAILED", "errors", "xrror"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		if got, want := errorLooking(s), errorLookingByWords(s); got != want {
			t.Fatalf("errorLooking(%q) = %v, want %v", s, got, want)
		}
	})
}
