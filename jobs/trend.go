package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"smsfail/history"
	"smsfail/mail"
	"smsfail/query"
	"smsfail/report"
)

// ProgressSite is where a run reads how far each deployment has got: the
// site database (*query.DB).
type ProgressSite interface {
	Progress(ctx context.Context, route query.Route, f query.ProgressFilter) ([]query.Progress, error)
}

// How much of the trend the workbook and the mail list.
const (
	moversShown  = 10
	longestShown = 10
	worstMailed  = 5
)

// Trend is what a run shows of the nights before it and of the
// deployments' progress.
type Trend struct {
	Nights   []history.TrendNight
	Sheet    *report.Trend // nil when the history has no night to show
	Progress []report.DeploymentProgress
}

// trend reads the last nights from the history and the deployments'
// progress from the site database, and gives the progress to the run's
// record. Neither stops the run: the night's failures matter more, and
// what could not be read is logged and left out of the workbook.
func (j *Job) trend(ctx context.Context, out *Report, rec *record, f query.Filter) *Trend {
	t := &Trend{}
	if rec.run != nil && j.Report.TrendNights > 0 {
		nights, err := rec.run.Trend(ctx, j.Report.TrendNights, j.location())
		if err != nil {
			j.logger().Error("cannot read the last nights for the trend; the workbook goes without it", "err", err)
		} else if len(nights) > 0 {
			t.Nights, t.Sheet = nights, j.trendSheet(nights, out)
		}
	}
	if j.ProgressSite != nil {
		progress, err := j.deploymentProgress(ctx, out, f)
		if err != nil {
			j.logger().Error("cannot read the deployments' progress; the workbook goes without it", "err", err)
		} else {
			t.Progress = progress
			if rec.run != nil && out.Kind == history.KindNightly {
				rec.run.SetProgress(historyProgress(progress))
			}
		}
	}
	return t
}

// trendSheet turns the history's nights into the Trend sheet's.
func (j *Job) trendSheet(nights []history.TrendNight, out *Report) *report.Trend {
	tr := &report.Trend{}
	for _, n := range nights {
		tr.Nights = append(tr.Nights, j.sheetNight(n))
	}
	since, over := history.Movers(nights, moversShown)
	tr.SinceLast, tr.OverWindow = reportMoves(since), reportMoves(over)
	tr.Longest = longestFailing(out)
	return tr
}

func (j *Job) sheetNight(n history.TrendNight) report.TrendNight {
	sn := report.TrendNight{Date: n.Date, State: n.State()}
	switch {
	case n.Run != nil:
		r := n.Run
		sn.Failures, sn.New, sn.Recurring, sn.Fixed, sn.NotRead = r.Counts.Failures, r.New, r.Recurring, r.Fixed, r.Counts.NotRead
		sn.Causes = n.Causes
		var notes []string
		if note := report.NightNote(r.Since, r.Until, j.location()); note != "" {
			notes = append(notes, note)
		}
		if n.Runs > 1 {
			notes = append(notes, fmt.Sprintf("%d nights ran this day; the last one is shown", n.Runs))
		}
		if n.Current {
			notes = append(notes, "this run")
		}
		sn.Note = strings.Join(notes, "; ")
	case n.Failed != nil:
		sn.Note = n.Failed.Error
	}
	return sn
}

func reportMoves(ms []history.CauseMove) []report.CauseMove {
	out := make([]report.CauseMove, len(ms))
	for i, m := range ms {
		out[i] = report.CauseMove{Cause: m.Cause, Before: m.Before, Now: m.Now}
	}
	return out
}

// longestFailing lists the failures of this run open for the most
// nights, longest first.
func longestFailing(out *Report) []report.LongFailure {
	if out.Marks == nil {
		return nil
	}
	var long []report.LongFailure
	for _, r := range out.Results {
		mk := out.Marks.ByKey[r.Failure.Key()]
		if mk.Nights < 2 {
			continue
		}
		long = append(long, report.LongFailure{Machine: r.Failure.Machine, AdvertisementID: r.Failure.AdvertisementID,
			Cause: r.Bucket(), Nights: mk.Nights, FirstFailed: mk.FirstFailed})
	}
	slices.SortStableFunc(long, func(a, b report.LongFailure) int {
		if a.Nights != b.Nights {
			return b.Nights - a.Nights
		}
		if c := a.FirstFailed.Compare(b.FirstFailed); c != 0 {
			return c
		}
		return strings.Compare(strings.ToUpper(a.Machine)+a.AdvertisementID, strings.ToUpper(b.Machine)+b.AdvertisementID)
	})
	return long[:min(len(long), longestShown)]
}

// deploymentProgress reads each advertisement of the run's window with how far it
// has got, and its failure rate the night before.
func (j *Job) deploymentProgress(ctx context.Context, out *Report, f query.Filter) ([]report.DeploymentProgress, error) {
	window := j.Report.ProgressWindow
	if window <= 0 {
		window = report.DefaultProgressWindow
	}
	ps, err := j.ProgressSite.Progress(ctx, out.Route, query.ProgressFilter{Since: out.Until.Add(-window), Until: out.Until,
		Active: out.Since, Advertisements: f.Advertisements, Collections: f.Collections})
	if err != nil {
		return nil, fmt.Errorf("cannot query the site database for the deployments' progress: %w", err)
	}
	before := map[string]float64{}
	if j.History != nil && out.Marks != nil && out.Marks.Change.Previous != nil {
		prev, err := j.History.ProgressOf(ctx, out.Marks.Change.Previous.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range prev {
			if p.Succeeded+p.Failed > 0 {
				before[p.AdvertisementID] = p.FailureRate()
			}
		}
	}
	res := make([]report.DeploymentProgress, len(ps))
	for i, p := range ps {
		res[i] = report.DeploymentProgress{Progress: p.Progress}
		if r, ok := before[p.AdvertisementID]; ok {
			res[i].PreviousRate = &r
		}
	}
	return res, nil
}

func historyProgress(ps []report.DeploymentProgress) []history.Progress {
	out := make([]history.Progress, len(ps))
	for i, p := range ps {
		out[i] = p.Progress
	}
	return out
}

// addTrend puts the trend and the progress in the workbook.
func addTrend(run *report.RunInfo, t *Trend) {
	if t == nil {
		return
	}
	run.Trend, run.Progress = t.Sheet, t.Progress
}

// mailTrend is the trend as the mail shows it, in the workbook's colours.
func mailTrend(tr *Trend, texts map[string]report.CauseInfo) *mail.Trend {
	if tr == nil || tr.Sheet == nil {
		return nil
	}
	sheet := tr.Sheet
	causes := report.TopCauses(sheet.Nights, 8)
	if len(causes) < len(allCauses(sheet.Nights)) {
		causes = append(causes, report.OtherCauses)
	}
	t := &mail.Trend{Causes: causes, Colors: report.CauseColors(causes, texts), Titles: map[string]string{}}
	for _, c := range causes {
		t.Titles[c] = texts[c].Title
	}
	for _, n := range sheet.Nights {
		t.Nights = append(t.Nights, mail.TrendNight{Date: n.Date, State: n.State, Failures: n.Failures, New: n.New,
			Recurring: n.Recurring, Fixed: n.Fixed, NotRead: n.NotRead, Causes: n.Causes})
	}
	for _, m := range sheet.SinceLast {
		t.SinceLast = append(t.SinceLast, mail.CauseMove{Cause: m.Cause, Before: m.Before, Now: m.Now})
	}
	for _, m := range sheet.OverWindow {
		t.OverWindow = append(t.OverWindow, mail.CauseMove{Cause: m.Cause, Before: m.Before, Now: m.Now})
	}
	for _, l := range sheet.Longest {
		t.Longest = append(t.Longest, mail.LongFailure{Machine: l.Machine, AdvertisementID: l.AdvertisementID, Cause: l.Cause, Nights: l.Nights})
	}
	t.Worst = worstDeployments(tr.Progress)
	return t
}

func allCauses(nights []report.TrendNight) map[string]bool {
	all := map[string]bool{}
	for _, n := range nights {
		for c := range n.Causes {
			all[c] = true
		}
	}
	return all
}

// worstDeployments are the deployments with the highest failure rate
// that had a failure.
func worstDeployments(ps []report.DeploymentProgress) []mail.Deployment {
	sorted := slices.Clone(ps)
	slices.SortStableFunc(sorted, report.WorstFirst)
	var out []mail.Deployment
	for _, p := range sorted {
		if p.Failed == 0 || len(out) == worstMailed {
			break
		}
		out = append(out, mail.Deployment{AdvertisementID: p.AdvertisementID, Name: p.AdvertisementName, Targeted: p.Targeted,
			Succeeded: p.Succeeded, Failed: p.Failed, NotReport: p.NotReported(), Rate: p.FailureRate(), PreviousRate: p.PreviousRate})
	}
	return out
}
