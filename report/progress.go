package report

import (
	"smsfail"

	"cmp"
	"fmt"
	"slices"

	"github.com/xuri/excelize/v2"
)

// DeploymentProgress is how far one advertisement has got, tonight and
// the night before.
type DeploymentProgress struct {
	smsfail.Progress
	// PreviousRate is the failure rate the night before; nil when that
	// night did not count this advertisement.
	PreviousRate *float64
}

// WorstFirst orders deployments by failure rate, then failures, highest
// first, then by advertisement ID.
func WorstFirst(a, b DeploymentProgress) int {
	if c := cmp.Compare(b.FailureRate(), a.FailureRate()); c != 0 {
		return c
	}
	if c := cmp.Compare(b.Failed, a.Failed); c != 0 {
		return c
	}
	return cmp.Compare(a.AdvertisementID, b.AdvertisementID)
}

const (
	sheetProgress = "Progress"
	// worstDeployments is how many the Summary shows.
	worstDeployments = 10
	pointsFormat     = `+0.0%;-0.0%;0.0%`
)

var progressHeaders = []string{"Advertisement ID", "Advertisement", "Collection ID", "Collection", "Targeted", "Succeeded",
	"Failed", "Not yet reported", "Failure rate", "Night before", "Change"}

// summaryProgressHeaders are the Summary's columns of the same: the
// collection is left to the Progress sheet, so the block fits the
// Summary's width.
var summaryProgressHeaders = []string{"Advertisement ID", "Advertisement", "Targeted", "Succeeded",
	"Failed", "Not yet reported", "Failure rate", "Night before", "Change"}

// progressRows writes the deployments from row on, worst first, under a
// header, and returns the row after the last. The Summary's rows leave
// out the collection.
func progressRows(g *grid, s summaryStyles, points int, row int, ps []DeploymentProgress, withCollection bool) int {
	headers := summaryProgressHeaders
	if withCollection {
		headers = progressHeaders
	}
	for i, h := range headers {
		g.text(row, i+1, h, s.wrapHeader)
	}
	for _, p := range ps {
		row++
		g.text(row, 1, p.AdvertisementID, 0)
		g.text(row, 2, p.AdvertisementName, 0)
		col := 3
		if withCollection {
			g.text(row, 3, p.CollectionID, 0)
			g.text(row, 4, p.CollectionName, 0)
			col = 5
		}
		for i, v := range []int{p.Targeted, p.Succeeded, p.Failed, p.NotReported()} {
			g.num(row, col+i, float64(v), s.integer)
		}
		g.num(row, col+4, p.FailureRate(), s.percent)
		if p.PreviousRate != nil {
			g.num(row, col+5, *p.PreviousRate, s.percent)
			g.num(row, col+6, p.FailureRate()-*p.PreviousRate, points)
		}
	}
	return row + 1
}

func sortedProgress(ps []DeploymentProgress) []DeploymentProgress {
	out := slices.Clone(ps)
	slices.SortStableFunc(out, WorstFirst)
	return out
}

// writeProgress lists every advertisement of the night with its progress,
// worst first, as a table with filter buttons.
func writeProgress(b *book, run RunInfo) error {
	s, err := newSummaryStyles(b.st)
	if err != nil {
		return err
	}
	points, err := b.st.custom("points", &excelize.Style{CustomNumFmt: strPtr(pointsFormat)})
	if err != nil {
		return err
	}
	g := &grid{f: b.f, st: b.st, sheet: sheetProgress, loc: run.Location}
	for i, w := range []float64{16, 40, 14, 36, 11, 11, 11, 12, 11, 11, 10} {
		g.width(i+1, w)
	}
	g.keep(b.f.SetPanes(sheetProgress, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	end := progressRows(g, s, points, 1, sortedProgress(run.Progress), true)
	g.dimension()
	if g.err != nil {
		return g.err
	}
	last, _ := excelize.CoordinatesToCellName(len(progressHeaders), end-1) // small positive coordinates
	if err := b.f.AutoFilter(sheetProgress, "A1:"+last, nil); err != nil {
		return err
	}
	return b.printSetup(sheetProgress, g.lastCol, g.lastRow, true)
}

// progressBlock shows the ten deployments with the highest failure rate
// on the Summary.
func (sm *summary) progressBlock() {
	if len(sm.run.Progress) == 0 {
		return
	}
	points, err := sm.g.st.custom("points", &excelize.Style{CustomNumFmt: strPtr(pointsFormat)})
	sm.g.keep(err)
	ps := sortedProgress(sm.run.Progress)
	sm.g.text(sm.row, 1, "Deployments with the highest failure rate (all on the Progress sheet)", sm.s.bold)
	sm.row++
	sm.row = progressRows(sm.g, sm.s, points, sm.row, ps[:min(len(ps), worstDeployments)], false) + 1
}

// trendSheets names the Trend and Progress sheets when the run has them.
func (b *book) trendSheets(run RunInfo) []string {
	var names []string
	if run.Trend != nil {
		names = append(names, b.names.name(sheetTrend, ""))
	}
	if len(run.Progress) > 0 {
		names = append(names, b.names.name(sheetProgress, ""))
	}
	return names
}

// writeTrendSheets writes the Trend and Progress sheets the run has.
func writeTrendSheets(b *book, run RunInfo) error {
	if run.Trend != nil {
		if err := writeTrend(b, run); err != nil {
			return fmt.Errorf("cannot write the Trend sheet: %w", err)
		}
	}
	if len(run.Progress) > 0 {
		if err := writeProgress(b, run); err != nil {
			return fmt.Errorf("cannot write the Progress sheet: %w", err)
		}
	}
	return nil
}
