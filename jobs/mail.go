package jobs

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"smsfail/history"
	"smsfail/mail"
)

// mailReport mails the summary and the workbook, and says whether it went.
// A mail that cannot be delivered leaves the workbook on disk and is logged
// with the server's answer; the run goes on to be recorded as "report
// written, mail failed".
func (j *Job) mailReport(ctx context.Context, opts Options, rep *Report) (mailed bool, _ error) {
	if j.Mail == nil || opts.NoMail {
		return false, nil
	}
	cfg := *j.Mail
	if cfg.Logger == nil {
		cfg.Logger = j.logger()
	}
	if err := mail.Send(ctx, cfg, j.mailSummary(opts, rep), rep.Workbook); err != nil {
		j.logger().Error("the report could not be mailed; the workbook stays on disk", "workbook", rep.Workbook, "err", err)
		return false, err
	}
	j.logger().Info("report mailed", "to", strings.Join(append(slices.Clone(cfg.To), cfg.Cc...), ", "))
	return true, nil
}

// mailSummary is what the mail tells of the run, all of it from the run's
// one Summary: the workbook's headline counts, the change since the last
// night, the causes per collection.
func (j *Job) mailSummary(opts Options, rep *Report) mail.Summary {
	loc := j.location()
	sum := rep.Summary
	c := sum.Counts()
	s := mail.Summary{
		Site: j.SiteName, Advertisement: strings.Join(opts.Advertisements, ", "),
		Date: rep.Started.In(loc), Since: rep.Since.In(loc), Until: rep.Until.In(loc),
		Failures: c.Failures, Classified: c.Classified, NoDetail: c.NoDetail, Unclassified: c.Unclassified,
		Unread: c.NotRead, Unreachable: sum.UnreachableHosts(),
		OpenAt: j.openAt(rep.Workbook),
	}
	if n, from := sum.Late(); n > 0 {
		s.Late, s.LateFrom = n, from.In(loc)
	}
	if m := rep.Marks; m != nil && m.Change.Previous != nil && rep.Kind == history.KindNightly {
		ch := m.Change
		s.Change = &mail.Change{PreviousUntil: ch.Previous.Until.In(loc), New: ch.New, Recurring: ch.Recurring,
			Fixed: ch.Fixed, StillOpen: ch.StillOpen, Causes: causeChanges(rep, c.ByBucket, ch.Before)}
	}
	for _, coll := range sum.Collections() {
		mc := mail.Collection{ID: coll.ID, Name: coll.Name, Failures: coll.Failures}
		for bucket, n := range coll.ByBucket {
			title, remediation := sum.Describe(bucket)
			mc.Causes = append(mc.Causes, mail.Cause{ID: bucket, Title: title, Colour: sum.Colour(bucket), Remediation: remediation, Count: n})
		}
		slices.SortFunc(mc.Causes, func(a, b mail.Cause) int { return strings.Compare(a.ID, b.ID) })
		s.Collections = append(s.Collections, mc)
	}
	s.Trend = mailTrend(rep.Trend, sum.Texts())
	return s
}

// causeChanges lists every cause met now or the night before, most
// frequent now first.
func causeChanges(rep *Report, now, before map[string]int) []mail.CauseChange {
	var list []mail.CauseChange
	for cause, n := range now {
		list = append(list, mail.CauseChange{Cause: cause, Now: n, Before: before[cause]})
	}
	for cause, n := range before {
		if _, ok := now[cause]; !ok {
			list = append(list, mail.CauseChange{Cause: cause, Before: n})
		}
	}
	for i := range list {
		list[i].Title, _ = rep.Summary.Describe(list[i].Cause)
		list[i].Colour = rep.Summary.Colour(list[i].Cause)
	}
	slices.SortFunc(list, func(a, b mail.CauseChange) int {
		return cmp.Or(b.Now-a.Now, b.Before-a.Before, strings.Compare(a.Cause, b.Cause))
	})
	return list
}
