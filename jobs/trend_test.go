package jobs

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image/png"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/demosite"
	"smsfail/mail"
	"smsfail/mail/smtptest"
)

// truthBucket is the Summary column a truth cause falls in.
func truthBucket(cause string) string {
	switch cause {
	case "log-missing", "unreachable", "bad-host-name", "access-denied-share", "log-too-large":
		return "not read: " + cause
	}
	return cause
}

// oracleNight is what the generator's truth says a night must show.
type oracleNight struct {
	state                                    string
	failures, new, recurring, fixed, notRead int
	causes                                   map[string]int
	longest                                  int // the most nights any of its failures has been failing
}

// openFailure is a failure open in the oracle: reported and not fixed.
type openFailure struct {
	last      time.Time
	firstNigh int // index of the night that first reported it, among the nights that ran
}

// oracle replays the nights over the truth: each night's window holds the
// 1603 failures whose times fall in it; one open from an earlier night is
// fixed when a success the test wrote follows its last failure.
type oracle struct {
	truth     []demosite.TruthFailure
	successes map[string]time.Time // by key: the success the test wrote
	open      map[string]openFailure
	ran       int
}

func truthKey(machine, ad string) string { return strings.ToUpper(machine) + "\x00" + ad }

func (o *oracle) night(since, until time.Time) oracleNight {
	n := oracleNight{state: "ran", causes: map[string]int{}}
	seen := map[string]time.Time{}
	for _, tf := range o.truth {
		if tf.ExitCode != 1603 {
			continue
		}
		for _, at := range tf.Times {
			if !at.Before(since) && at.Before(until) && at.After(seen[truthKey(tf.Machine, tf.AdvertisementID)]) {
				seen[truthKey(tf.Machine, tf.AdvertisementID)] = at
			}
		}
		k := truthKey(tf.Machine, tf.AdvertisementID)
		if _, ok := seen[k]; !ok {
			continue
		}
		n.failures++
		b := truthBucket(tf.Cause)
		n.causes[b]++
		if smsfail.NotRead(b) {
			n.notRead++
		}
		if op, ok := o.open[k]; ok {
			n.recurring++
			n.longest = max(n.longest, o.ran-op.firstNigh+1)
			o.open[k] = openFailure{last: seen[k], firstNigh: op.firstNigh}
		} else {
			n.new++
			n.longest = max(n.longest, 1)
			o.open[k] = openFailure{last: seen[k], firstNigh: o.ran}
		}
	}
	for k, op := range o.open {
		if _, again := seen[k]; again {
			continue
		}
		if ok, has := o.successes[k]; has && ok.After(op.last) && ok.Before(until) {
			n.fixed++
			delete(o.open, k)
		}
	}
	o.ran++
	return n
}

// TestTrendOverNights runs eleven days of nights over a demo site whose
// failures change from night to night (new ones, recurring ones, fixed
// ones the test makes succeed), with a night that did not run and one
// that failed, and reads the Trend and Progress sheets and the mail of
// the last night back against the generator's truth.
func TestTrendOverNights(t *testing.T) {
	ctx := context.Background()
	var now time.Time
	job, _, dir := siteJob(t, &now, demosite.Options{Seed: 23, Clients: 400, Days: 10, Now: siteNow})
	truth, err := demosite.ReadTruth(filepath.Join(dir, demosite.TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	job.TrendNights, job.ProgressSite, job.KeepNights = 30, job.Successes.(ProgressSite), 0
	ts := smtptest.Start(t, smtptest.Options{})
	job.Mail = &mail.Config{Host: ts.Host, Port: ts.Port, TLS: mail.TLSNone, From: "smsfail@example.org",
		To: []string{"admins@example.org"}, Retries: 0, Timeout: 10 * time.Second}

	end := func(k int) time.Time { return siteNow.Add(-time.Duration(8-k) * 24 * time.Hour) }
	o := &oracle{truth: truth.Failures, successes: map[string]time.Time{}, open: map[string]openFailure{}}
	fixLater(t, dir, o, end)

	var want []oracleNight
	since := end(0).Add(-24 * time.Hour)
	var last *Outcome
	for k := 0; k <= 8; k++ {
		now = end(k)
		switch k {
		case 3: // the server was off: no night ran
			want = append(want, oracleNight{state: "did not run"})
			continue
		case 5: // the report folder cannot be made: the night fails
			blocked := job.ReportDir
			job.ReportDir = filepath.Join(dir, "not-a-folder")
			if err := os.WriteFile(job.ReportDir, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := job.Run(ctx, Options{Nightly: true}); err == nil {
				t.Fatal("night 5 ran with no report folder")
			}
			job.ReportDir = blocked
			want = append(want, oracleNight{state: "failed"})
			continue
		}
		out, err := job.Run(ctx, Options{Nightly: true})
		if err != nil {
			t.Fatalf("night %d: %v", k, err)
		}
		if !out.Since.Equal(since) {
			t.Fatalf("night %d covers from %s, want %s", k, out.Since, since)
		}
		want = append(want, o.night(since, now))
		since, last = now, out
		if out.MailError != nil {
			t.Fatalf("night %d: %v", k, out.MailError)
		}
	}
	checkTrendSheet(t, last.Workbook, want)
	checkProgressSheet(t, last.Workbook, truth, o)
	mails := ts.Received()
	checkTrendMail(t, mails[len(mails)-1].Data, want)
}

// fixLater makes a few machines succeed after the last failure of theirs
// that a night reports, as an admin's fix would: two failing on the first
// night only, fixed before the second; one failing last on the third
// night, fixed while the fifth night failed.
func fixLater(t *testing.T, dir string, o *oracle, end func(int) time.Time) {
	t.Helper()
	var first, third []demosite.TruthFailure
	for _, tf := range o.truth {
		if tf.ExitCode != 1603 || strings.HasPrefix(truthBucket(tf.Cause), "not read") {
			continue
		}
		lastAt := tf.Times[len(tf.Times)-1]
		switch {
		case !lastAt.Before(end(0).Add(-24*time.Hour)) && lastAt.Before(end(0)):
			first = append(first, tf)
		case !lastAt.Before(end(2).Add(-24*time.Hour)) && lastAt.Before(end(2)):
			third = append(third, tf)
		}
	}
	if len(first) < 2 || len(third) < 1 {
		t.Fatalf("the site has too few failures to fix: %d on the first night, %d on the third", len(first), len(third))
	}
	for _, fx := range []struct {
		tf demosite.TruthFailure
		at time.Time
	}{{first[0], end(0).Add(3 * time.Hour)}, {first[1], end(0).Add(5 * time.Hour)}, {third[0], end(4).Add(6 * time.Hour)}} {
		record := int64(1<<60) + fx.at.Unix()
		execSite(t, dir,
			siteStmt{`INSERT INTO v_StatusMessage (RecordID, MessageID, MachineName, Time, SiteCode, Component, ModuleName, Severity, MessageType, Win32Error)
				VALUES (?, 10008, ?, ?, 'KID', 'Software Distribution', 'SMS Client', 1073741824, 256, 0)`, []any{record, fx.tf.Machine, fx.at.UTC()}},
			siteStmt{`INSERT INTO v_StatMsgAttributes (RecordID, AttributeID, AttributeValue, AttributeTime) VALUES (?, 401, ?, ?)`,
				[]any{record, fx.tf.AdvertisementID, fx.at.UTC()}},
		)
		o.successes[truthKey(fx.tf.Machine, fx.tf.AdvertisementID)] = fx.at
	}
}

func checkTrendSheet(t *testing.T, path string, want []oracleNight) {
	t.Helper()
	rows := sheet(t, path, "Trend")
	hdr := rows[3]
	col := columns(hdr)
	if len(rows) < 4+len(want) {
		t.Fatalf("the Trend sheet has %d rows", len(rows))
	}
	for i, w := range want {
		r := append(rows[4+i], make([]string, len(hdr))...)
		day := siteNow.Add(-time.Duration(8-i) * 24 * time.Hour).Format("2006-01-02")
		if !strings.HasPrefix(r[0], day) || r[1] != w.state {
			t.Errorf("Trend row %d: %q %q, want %s %s", i, r[0], r[1], day, w.state)
			continue
		}
		if w.state != "ran" {
			if r[col["Failures"]] != "" || r[col["New"]] != "" {
				t.Errorf("night %d (%s) shows counts %q", i, w.state, r[:8])
			}
			continue
		}
		got := strings.Join([]string{r[col["Failures"]], r[col["New"]], r[col["Recurring"]], r[col["Fixed"]], r[col["Logs not read"]]}, " ")
		if exp := fmt.Sprint(w.failures, w.new, w.recurring, w.fixed, w.notRead); got != exp {
			t.Errorf("night %d: failures, new, recurring, fixed, not read %s, want %s", i, got, exp)
		}
		other := 0
		for c, n := range w.causes {
			if j, ok := col[c]; ok {
				if r[j] != strconv.Itoa(n) {
					t.Errorf("night %d: %s %q, want %d", i, c, r[j], n)
				}
			} else {
				other += n
			}
		}
		if j, ok := col["other"]; ok && r[j] != strconv.Itoa(other) {
			t.Errorf("night %d: other %q, want %d", i, r[j], other)
		}
	}
	if want[8].fixed == 0 && want[6].fixed == 0 && want[1].fixed == 0 {
		t.Error("no night found a failure fixed")
	}
	if want[6].fixed != 1 || want[1].fixed != 2 {
		t.Errorf("fixed on the second night %d (want 2), on the night after the failed one %d (want 1)", want[1].fixed, want[6].fixed)
	}
	text := fmt.Sprint(rows)
	for _, s := range []string{"Causes that moved most since the night before", "Failing for the most nights"} {
		if !strings.Contains(text, s) {
			t.Errorf("the Trend sheet lacks %q", s)
		}
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == "Failing for the most nights" {
			if n := rows[i+2][3]; n != strconv.Itoa(want[8].longest) {
				t.Errorf("the longest failing has %s nights, want %d", n, want[8].longest)
			}
		}
	}
}

// checkProgressSheet holds the Progress sheet against the truth: every
// advertisement's failed machines are its failing ones (all exit codes)
// but the ones the test made succeed, and the night before's rate is
// there.
func checkProgressSheet(t *testing.T, path string, truth *demosite.Truth, o *oracle) {
	t.Helper()
	failed := map[string]int{}
	for _, tf := range truth.Failures {
		if _, fixed := o.successes[truthKey(tf.Machine, tf.AdvertisementID)]; !fixed {
			failed[tf.AdvertisementID]++
		}
	}
	rows := sheet(t, path, "Progress")
	col := columns(rows[0])
	if len(rows) < 2 {
		t.Fatalf("Progress lists no advertisement: %q", rows)
	}
	for _, r := range rows[1:] {
		ad := r[col["Advertisement ID"]]
		n := func(h string) int {
			v, err := strconv.Atoi(r[col[h]])
			if err != nil {
				t.Fatalf("%s %s: %q", ad, h, r[col[h]])
			}
			return v
		}
		if n("Failed") != failed[ad] {
			t.Errorf("%s: %d failed, the truth says %d", ad, n("Failed"), failed[ad])
		}
		if n("Targeted") == 0 || n("Not yet reported") != max(0, n("Targeted")-n("Succeeded")-n("Failed")) {
			t.Errorf("%s: %q", ad, r)
		}
		if len(r) <= col["Night before"] || !strings.HasSuffix(r[col["Night before"]], "%") {
			t.Errorf("%s has no rate for the night before: %q", ad, r)
		}
	}
}

// checkTrendMail parses the last night's mail with the standard library's
// MIME readers: the chart is a related PNG, the text tells the night's
// counts with their change.
func checkTrendMail(t *testing.T, data []byte, want []oracleNight) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	var walk func(ct string, r io.Reader, enc string)
	walk = func(ct string, r io.Reader, enc string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			parts[mt] = nil
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"))
			}
		}
		b, _ := io.ReadAll(r)
		if strings.EqualFold(enc, "base64") {
			b, err = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(b)))
			if err != nil {
				t.Fatal(err)
			}
		}
		parts[mt] = b
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
	if _, ok := parts["multipart/related"]; !ok {
		t.Fatalf("no multipart/related part: %v", keys(parts))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(parts["image/png"]))
	if err != nil || cfg.Width < 600 || cfg.Height < 200 {
		t.Fatalf("the chart: %+v %v", cfg, err)
	}
	last, before := want[8], want[7]
	text := string(parts["text/plain"])
	delta := func(now, was int) string {
		switch {
		case now > was:
			return fmt.Sprintf("+%d", now-was)
		case now < was:
			return fmt.Sprintf("-%d", was-now)
		}
		return "="
	}
	line := fmt.Sprintf("Last night: %d failures (%s), %d new (%s)", last.failures, delta(last.failures, before.failures), last.new, delta(last.new, before.new))
	for _, s := range []string{"The last 9 nights", line, "failed", "did not run"} {
		if !strings.Contains(text, s) {
			t.Errorf("the mail's text lacks %q:\n%s", s, text)
		}
	}
	if !strings.Contains(string(parts["text/html"]), `src="cid:trend.png"`) {
		t.Error("the HTML does not show the chart")
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
