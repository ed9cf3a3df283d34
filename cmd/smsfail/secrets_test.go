package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"smsfail/mail/smtptest"
)

// TestAuthArgumentKeptOut: a relay that answers "535 ... bad credentials
// for <the AUTH argument>" gets neither the password nor any base64 form
// of it into run's output, its log, the run history or check's list.
func TestAuthArgumentKeptOut(t *testing.T) {
	for _, auth := range []string{"plain", "login"} {
		t.Run(auth, func(t *testing.T) {
			serverTLS, caFile := smtptest.CA(t)
			ts := smtptest.Start(t, smtptest.Options{STARTTLS: serverTLS})
			ts.EchoAuthArgument()
			s := newSite(t, fmt.Sprintf(`mail:
  enabled: true
  host: 127.0.0.1
  port: %d
  tls: starttls
  ca_file: %s
  auth: %s
  user: %s
  password: {env: SMSFAIL_SMTP_PASSWORD}
  from: smsfail@example.org
  to: [sms-admins@example.org]
  retries: 0
`, ts.Port, caFile, auth, ts.User))
			const password = "Wr0ng-but-Secret"
			env := map[string]string{"SMSFAIL_SMTP_PASSWORD": password}
			forms := []string{password}
			for _, plain := range []string{password, "\x00" + ts.User + "\x00" + password} {
				enc := base64.StdEncoding.EncodeToString([]byte(plain))
				forms = append(forms, enc, strings.TrimRight(enc, "=")[:len(enc)*3/4])
			}
			r := invoke(context.Background(), env, append([]string{"run", "--config", s.config, "--log-level", "debug"}, s.window()...)...)
			if r.code != exitMailFailed || !strings.Contains(r.stderr, "bad credentials for ********") {
				t.Fatalf("want the relay's refusal, masked:\n%s", r)
			}
			recorded := lastRun(t, s).Error
			if !strings.Contains(recorded, "535") {
				t.Errorf("the history does not hold the refusal: %q", recorded)
			}
			c := invoke(context.Background(), env, "check", "--config", s.config, "--log-level", "debug")
			if c.code != exitFailure || !strings.Contains(c.stdout, "bad credentials for ********") {
				t.Fatalf("want check to show the relay's refusal, masked:\n%s", c)
			}
			for _, f := range forms {
				for where, text := range map[string]string{"run": r.stdout + r.stderr, "history": recorded, "check": c.stdout + c.stderr} {
					if strings.Contains(text, f) {
						t.Errorf("%q (a form of the password) in %s:\n%s", f, where, text)
					}
				}
			}
		})
	}
}
