package jobs

import (
	"context"
	"slices"
	"sort"
	"strings"

	"smsfail"
	"smsfail/history"
	"smsfail/mail"
	"smsfail/report"
)

// mailReport mails the summary and the workbook. A mail that cannot be
// delivered leaves the workbook on disk and is logged with the server's
// answer; the run goes on to be recorded as "report written, mail failed".
func (j *Job) mailReport(ctx context.Context, opts Options, out *Outcome) {
	if j.Mail == nil || opts.NoMail {
		return
	}
	cfg := *j.Mail
	if cfg.Logger == nil {
		cfg.Logger = j.logger()
	}
	if err := mail.Send(ctx, cfg, j.summary(opts, out), out.Workbook); err != nil {
		out.MailError = err
		j.logger().Error("the report could not be mailed; the workbook stays on disk", "workbook", out.Workbook, "err", err)
		return
	}
	out.Mailed = true
	j.logger().Info("report mailed", "to", strings.Join(append(slices.Clone(cfg.To), cfg.Cc...), ", "))
}

// summary is what the mail tells of the run: the workbook's headline
// counts, the change since the last night, the top causes per collection.
func (j *Job) summary(opts Options, out *Outcome) mail.Summary {
	loc := j.location()
	c := smsfail.Count(slices.Values(out.Results))
	s := mail.Summary{
		Site: j.SiteName, Advertisement: strings.Join(opts.Advertisements, ", "),
		Date: out.Started.In(loc), Since: out.Since.In(loc), Until: out.Until.In(loc),
		Failures: c.Failures, Classified: c.Classified, NoDetail: c.NoDetail, Unclassified: c.Unclassified,
		Unread: c.NotRead, Unreachable: unreachableHosts(out.Results),
		OpenAt: j.openAt(out.Workbook),
	}
	if n, from := out.Late(); n > 0 {
		s.Late, s.LateFrom = n, from.In(loc)
	}
	causes := j.causeTexts(out.Results)
	if m := out.Marks; m != nil && m.Change.Previous != nil && out.Kind == history.KindNightly {
		ch := m.Change
		s.Change = &mail.Change{PreviousUntil: ch.Previous.Until.In(loc), New: ch.New, Recurring: ch.Recurring,
			Fixed: ch.Fixed, StillOpen: ch.StillOpen}
		for _, cc := range ch.Causes {
			s.Change.Causes = append(s.Change.Causes, mail.CauseChange{Cause: cc.Cause, Title: causes[cc.Cause].Title,
				Colour: report.Colour(cc.Cause, causes), Now: cc.Now, Before: cc.Before})
		}
	}
	s.Collections = collections(out.Results, causes)
	s.Trend = mailTrend(out, causes)
	return s
}

// unreachableHosts counts the hosts, not the failures, that could not be
// reached.
func unreachableHosts(results []smsfail.Result) int {
	hosts := map[string]bool{}
	for _, r := range results {
		if r.Fetch.Outcome == smsfail.OutcomeUnreachable {
			hosts[strings.ToUpper(r.Failure.Machine)] = true
		}
	}
	return len(hosts)
}

// causeTexts gives the title and remediation of every cause met: from the
// rules in effect, else from the findings themselves.
func (j *Job) causeTexts(results []smsfail.Result) map[string]report.CauseInfo {
	texts := causeInfo(j.Rules)
	for _, r := range results {
		id := r.Bucket()
		if _, ok := texts[id]; ok || r.Finding == nil {
			continue
		}
		texts[id] = report.CauseInfo{Title: r.Finding.Title, Remediation: r.Finding.Remediation}
	}
	return texts
}

// collections counts causes per collection, by collection ID.
func collections(results []smsfail.Result, texts map[string]report.CauseInfo) []mail.Collection {
	byID := map[string]*mail.Collection{}
	counts := map[string]map[string]int{}
	for _, r := range results {
		f := r.Failure
		c, ok := byID[f.CollectionID]
		if !ok {
			c = &mail.Collection{ID: f.CollectionID, Name: f.CollectionName}
			byID[f.CollectionID] = c
			counts[f.CollectionID] = map[string]int{}
		}
		c.Failures++
		counts[f.CollectionID][r.Bucket()]++
	}
	out := make([]mail.Collection, 0, len(byID))
	for id, c := range byID {
		for cause, n := range counts[id] {
			t := texts[cause]
			c.Causes = append(c.Causes, mail.Cause{ID: cause, Title: t.Title, Colour: report.Colour(cause, texts),
				Remediation: t.Remediation, Count: n})
		}
		sort.Slice(c.Causes, func(a, b int) bool { return c.Causes[a].ID < c.Causes[b].ID })
		out = append(out, *c)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}
