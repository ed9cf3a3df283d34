package smsfail

import (
	"errors"
	"testing"
	"time"
)

// TestSettingErrors: the words every stage's check shares, and keys nested
// under their section's.
func TestSettingErrors(t *testing.T) {
	type mode string
	var es SettingErrors
	if es.Err() != nil {
		t.Fatal("no problem is an error")
	}
	OneOf(&es, "tls", mode("ssl"), "starttls", "tls")
	es.Between("port", 70000, 1, 65535)
	es.Positive("timeout", 0)
	es.Positive("backoff", time.Second)
	var inner SettingErrors
	inner.Add("paths[1]", "invalid log path %q", `C:\x`)
	es.Under("programs[0]", inner)
	want := `tls: "ssl" is not one of starttls, tls; port: must be between 1 and 65535 (got 70000); ` +
		`timeout: must be longer than 0; programs[0].paths[1]: invalid log path "C:\\x"`
	var got SettingErrors
	if err := es.Err(); !errors.As(err, &got) || err.Error() != want || len(got) != 4 {
		t.Errorf("got %v\nwant %s", err, want)
	}
}
