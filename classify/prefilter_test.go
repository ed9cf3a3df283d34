package classify

import (
	"bytes"
	"testing"
)

func TestIndexFold(t *testing.T) {
	tests := []struct {
		s, lit string
		want   bool
	}{
		{"Migration is blocked by following files", "migration", true},
		{"MIGRATION IS BLOCKED", "migration", true},
		{"mMmMmIGRATION", "migration", true},
		{"MmMmMmMmMigratio", "migration", false},
		{"access denied", "access", true},
		{"acce", "access", false},
		{"", "access", false},
		{"0x0*5 error", "0x", true},
	}
	for _, tt := range tests {
		if got := indexFold([]byte(tt.s), []byte(tt.lit)); got != tt.want {
			t.Errorf("indexFold(%q, %q) = %v, want %v", tt.s, tt.lit, got, tt.want)
		}
	}
}

// FuzzIndexFold: the prefilter never turns away a line that holds the
// literal in any ASCII case.
func FuzzIndexFold(f *testing.F) {
	f.Add([]byte("MmMmMigration"), []byte("migration"))
	f.Fuzz(func(t *testing.T, s, lit []byte) {
		lit = asciiLower(lit)
		if len(lit) == 0 {
			return
		}
		for _, c := range lit {
			if c >= 0x80 {
				return
			}
		}
		if bytes.Contains(asciiLower(s), lit) && !indexFold(s, lit) {
			t.Fatalf("indexFold(%q, %q) missed it", s, lit)
		}
	})
}
