package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"smsfail/mail"
	"smsfail/mail/smtptest"
)

// TestRelaySizeNight: on a relay whose SIZE the workbook does not fit in,
// the night's mail still arrives, without the workbook and with its path,
// and the run does not end as "mail failed"; check then reports the
// relay's limit and warns that recent workbooks do not fit.
func TestRelaySizeNight(t *testing.T) {
	const limit = 50_000 // the demo's workbook and the bodies are larger
	ts := smtptest.Start(t, smtptest.Options{MaxMessageBytes: limit})
	s := newSite(t, mailSection(ts.Port))
	r := invoke(context.Background(), nil, append([]string{"run", "--config", s.config}, s.window()...)...)
	if r.code != exitIncomplete || !strings.Contains(r.stdout, "Mail: sent") {
		t.Fatalf("want the mail sent and exit code %d:\n%s", exitIncomplete, r)
	}
	got := ts.Only(t)
	msg, parts := smtptest.Parse(t, got.Data)
	text := string(smtptest.Find(parts, "text/plain").Body)
	if smtptest.Find(parts, mail.XLSXType) != nil || !strings.Contains(text, "the mail server takes") ||
		!strings.Contains(text, workbookOf(t, r)) || len(got.Data) > limit {
		t.Fatalf("%d bytes received; body:\n%s", len(got.Data), text)
	}
	if msg.Header.Get("Auto-Submitted") != "auto-generated" || !strings.HasPrefix(msg.Header.Get("X-Mailer"), "smsfail ") {
		t.Errorf("headers %v", msg.Header)
	}

	r = invoke(context.Background(), nil, "check", "--config", s.config)
	for _, want := range []string{"! mail", "takes messages up to 48.8 KB (SIZE 50000)", "1 of the last 1 workbooks would not fit",
		"MaxMessageSize", "7 of 7 passed."} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("checklist lacks %q:\n%s", want, r)
		}
	}
	r = invoke(context.Background(), nil, "check", "--config", s.config, "--json")
	var list checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.code != exitOK {
		t.Fatalf("check --json: %v\n%s", err, r)
	}
	last := list.Items[len(list.Items)-1]
	if !list.OK || list.Passed != 7 || last.Name != "mail" || last.State != "warning" || !strings.Contains(last.Fix, "would not fit") ||
		!strings.HasPrefix(list.Version, "devel") {
		t.Errorf("check --json: %+v", list)
	}
}
