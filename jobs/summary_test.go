package jobs

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsfail/mail"
	"smsfail/mail/smtptest"
)

// TestOneSummaryEverywhere: two nights over the demo site, mailed through a
// real SMTP server. The workbook's Summary, the mail and the history's
// record of each night give the same numbers, and the mail's change since
// the last night counts this night as the workbook does and the last night
// as its own workbook did.
func TestOneSummaryEverywhere(t *testing.T) {
	ctx := context.Background()
	var now time.Time
	job, _, _ := testJob(t, &now)
	ts := smtptest.Start(t, smtptest.Options{})
	cfg := mail.DefaultConfig()
	cfg.Host, cfg.Port, cfg.TLS = ts.Host, ts.Port, mail.TLSNone
	cfg.From, cfg.To = "smsfail@example.org", []string{"admins@example.org"}
	job.Mail = &cfg

	var last map[string]int
	for n, end := range []time.Time{siteNow.Add(-24 * time.Hour), siteNow} {
		now = end
		rep, err := job.Run(ctx, Options{Nightly: true})
		if err != nil || !rep.Mailed {
			t.Fatalf("night %d: %v (mailed %v, %v)", n+1, err, rep != nil && rep.Mailed, rep.MailError)
		}
		book := workbookCounts(t, rep.Workbook)
		c := rep.Summary.Counts()
		if book["Failures"] != c.Failures || book["Logs not read"] != c.NotRead || book["Classified"] != c.Classified || c.Failures == 0 {
			t.Fatalf("night %d: workbook %v, summary %+v", n+1, book, c)
		}
		runs, err := job.History.Runs(ctx, 1)
		if err != nil || runs[0].ID != rep.RunID || fmt.Sprint(runs[0].Counts.Failures, runs[0].Counts.NotRead, runs[0].Counts.Classified) !=
			fmt.Sprint(c.Failures, c.NotRead, c.Classified) {
			t.Fatalf("night %d: history records %+v (%v), the workbook %+v", n+1, runs, err, c)
		}
		mails := ts.Received()
		_, parts := smtptest.Parse(t, mails[len(mails)-1].Data)
		text := string(smtptest.Find(parts, "text/plain").Body)
		head := fmt.Sprintf("%d failures: %d with a cause, %d with no detail in the log, %d unclassified, %d logs not read",
			c.Failures, c.Classified, c.NoDetail, c.Unclassified, c.NotRead)
		if !strings.Contains(text, head) {
			t.Fatalf("night %d: the mail does not say %q:\n%s", n+1, head, text)
		}
		if last != nil {
			for _, ch := range job.mailSummary(Options{Nightly: true}, rep).Change.Causes {
				if ch.Now != c.ByBucket[ch.Cause] || ch.Before != last[ch.Cause] {
					t.Errorf("night 2 mail: %s now %d, last night %d; the workbooks say %d and %d",
						ch.Cause, ch.Now, ch.Before, c.ByBucket[ch.Cause], last[ch.Cause])
				}
			}
		}
		last = c.ByBucket
	}
}

// workbookCounts reads the Summary's Counts block.
func workbookCounts(t *testing.T, path string) map[string]int {
	t.Helper()
	got := map[string]int{}
	for _, r := range sheet(t, path, "Summary") {
		if len(r) > 1 {
			if n, err := strconv.Atoi(r[1]); err == nil {
				if _, seen := got[r[0]]; !seen {
					got[r[0]] = n
				}
			}
		}
	}
	return got
}
