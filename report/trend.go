package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Trend is what the history shows of the last nights, for the Trend
// sheet: "is it getting better?".
type Trend struct {
	Nights []TrendNight // oldest first, one per day
	// SinceLast and OverWindow are the causes that changed most since
	// the night before the last and since the first night of the trend.
	SinceLast, OverWindow []CauseMove
	// Longest are the failures open for the most nights.
	Longest []LongFailure
}

// TrendNight is one day of the trend.
type TrendNight struct {
	Date  time.Time // the day, in the site's time zone
	State string    // NightRan, NightFailed or NightMissing
	// Note says what a failed night's error was, or that a night's
	// window covered more than a day.
	Note                                     string
	Failures, New, Recurring, Fixed, NotRead int
	Causes                                   map[string]int // failures per cause (Summary column)
}

// States of a night on the Trend sheet.
const (
	NightRan     = "ran"
	NightFailed  = "failed"
	NightMissing = "did not run"
)

// CauseMove is one cause's failures on two nights.
type CauseMove struct {
	Cause       string
	Before, Now int
}

// LongFailure is a failure open for many nights.
type LongFailure struct {
	Machine         string
	AdvertisementID string
	Cause           string
	Nights          int       // nights it has been failing, this one included
	FirstFailed     time.Time // when it was first reported failing
}

// OtherCauses is the column and series of the causes beyond the top ones.
const OtherCauses = "other"

// trendCauses is how many causes have a column and a series of their own.
const trendCauses = 8

const sheetTrend = "Trend"

// TopCauses lists the causes with most failures over the nights, at most
// n, most first; the rest count as OtherCauses.
func TopCauses(nights []TrendNight, n int) []string {
	total := map[string]int{}
	for _, night := range nights {
		for c, k := range night.Causes {
			total[c] += k
		}
	}
	causes := sortedKeys(total)
	slices.SortStableFunc(causes, func(a, b string) int { return total[b] - total[a] })
	return causes[:min(n, len(causes))]
}

// CauseColors gives each cause the colour ("RRGGBB") the trend's charts
// draw it in, in the workbook and in the mail: Colour's, the colour of the
// Summary's chart and rows, and the grey of the other causes for
// OtherCauses.
func CauseColors(causes []string, info map[string]CauseInfo) map[string]string {
	colors := make(map[string]string, len(causes))
	for _, c := range causes {
		if c == OtherCauses {
			colors[c] = otherColour
			continue
		}
		colors[c] = Colour(c, info)
	}
	return colors
}

// trendSheet lays out the Trend sheet: the table of nights, the charts
// below it, then the movers.
type trendSheet struct {
	g      *grid
	s      summaryStyles
	day    int
	tr     *Trend
	causes []string // the causes with a column, OtherCauses last when any
	colors map[string]string
	row    int
}

// trendFixedColumns are the columns before the causes'.
var trendFixedColumns = []string{"Night", "State", "Failures", "New", "Recurring", "Fixed", "Logs not read"}

func writeTrend(b *book, run Run) error {
	s, err := newSummaryStyles(b.st)
	if err != nil {
		return err
	}
	day, err := b.st.custom("day", &excelize.Style{CustomNumFmt: strPtr("yyyy-mm-dd ddd"), Alignment: &excelize.Alignment{Horizontal: "left"}})
	if err != nil {
		return err
	}
	tr := run.Trend
	causes := TopCauses(tr.Nights, trendCauses)
	if hasOther(tr.Nights, causes) {
		causes = append(causes, OtherCauses)
	}
	ts := &trendSheet{g: &grid{f: b.f, st: b.st, sheet: sheetTrend, loc: run.Location}, s: s, day: day, tr: tr,
		causes: causes, colors: CauseColors(causes, run.Causes), row: 1}
	ts.g.text(1, 1, fmt.Sprintf("Trend of the last %d nights", len(tr.Nights)), s.title)
	ts.g.text(2, 1, "A night that failed or did not run has empty cells, not zeros; each cause column counts the failures in that Summary column.", 0)
	hdr, first, last := ts.table(4)
	if ts.g.err == nil && len(tr.Nights) > 0 {
		ts.row = last + 2
		if err := ts.charts(hdr, first, last); err != nil {
			return err
		}
		ts.movers()
	}
	ts.g.dimension()
	if ts.g.err != nil {
		return ts.g.err
	}
	return b.printSetup(sheetTrend, ts.g.lastCol, ts.g.lastRow, false)
}

func hasOther(nights []TrendNight, top []string) bool {
	for _, n := range nights {
		for c := range n.Causes {
			if !slices.Contains(top, c) {
				return true
			}
		}
	}
	return false
}

// table writes a row per night and returns the header row and the first
// and last night rows.
func (ts *trendSheet) table(hdr int) (int, int, int) {
	g, s := ts.g, ts.s
	for i, h := range trendFixedColumns {
		g.text(hdr, i+1, h, s.wrapHeader)
	}
	base := len(trendFixedColumns)
	for j, c := range ts.causes {
		g.text(hdr, base+1+j, c, s.wrapHeader)
	}
	noteCol := base + len(ts.causes) + 1
	g.text(hdr, noteCol, "Note", s.wrapHeader)
	g.keep(g.f.SetRowHeight(sheetTrend, hdr, 45))
	g.width(1, 16)
	g.width(2, 12)
	for c := 3; c < noteCol; c++ {
		g.width(c, 11)
	}
	g.width(noteCol, 60)
	g.keep(g.f.SetPanes(sheetTrend, &excelize.Panes{Freeze: true, YSplit: hdr, XSplit: 1, TopLeftCell: fmt.Sprintf("B%d", hdr+1), ActivePane: "bottomRight"}))
	row := hdr
	for _, n := range ts.tr.Nights {
		row++
		g.date(row, 1, n.Date, ts.day)
		g.text(row, 2, n.State, 0)
		g.text(row, noteCol, n.Note, 0)
		if n.State != NightRan {
			continue
		}
		for i, v := range []int{n.Failures, n.New, n.Recurring, n.Fixed, n.NotRead} {
			g.num(row, 3+i, float64(v), s.integer)
		}
		for j, c := range ts.causes {
			g.num(row, base+1+j, float64(ts.count(n, c)), s.integer)
		}
	}
	return hdr, hdr + 1, row
}

// count is a night's failures of a cause column.
func (ts *trendSheet) count(n TrendNight, cause string) int {
	if cause != OtherCauses {
		return n.Causes[cause]
	}
	other := 0
	for c, k := range n.Causes {
		if !slices.Contains(ts.causes, c) {
			other += k
		}
	}
	return other
}

// charts adds the failures per night stacked by cause, and new against
// fixed per night. Empty cells of the nights that did not report are
// gaps in both.
func (ts *trendSheet) charts(hdr, first, last int) error {
	cats := fmt.Sprintf("%s!$A$%d:$A$%d", sheetTrend, first, last)
	var bycause []excelize.ChartSeries
	for j, c := range ts.causes {
		bycause = append(bycause, ts.series(len(trendFixedColumns)+1+j, hdr, first, last, cats, ts.colors[c]))
	}
	width := uint(min(1400, max(700, 40*len(ts.tr.Nights))))
	if err := ts.chart(excelize.ColStacked, "Failures per night, by cause", bycause, width, 340); err != nil {
		return err
	}
	newFixed := []excelize.ChartSeries{
		ts.series(4, hdr, first, last, cats, "ED7D31"),
		ts.series(6, hdr, first, last, cats, "70AD47"),
	}
	return ts.chart(excelize.Col, "New and fixed failures per night", newFixed, width, 280)
}

func (ts *trendSheet) series(col, hdr, first, last int, cats, color string) excelize.ChartSeries {
	name, _ := excelize.ColumnNumberToName(col) // col is a small positive number
	return excelize.ChartSeries{
		Name:       fmt.Sprintf("%s!$%s$%d", sheetTrend, name, hdr),
		Categories: cats,
		Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", sheetTrend, name, first, name, last),
		Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}},
	}
}

func (ts *trendSheet) chart(kind excelize.ChartType, title string, series []excelize.ChartSeries, width, height uint) error {
	gap := uint(50)
	err := ts.g.f.AddChart(sheetTrend, fmt.Sprintf("A%d", ts.row), &excelize.Chart{
		Type:      kind,
		Series:    series,
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend:    excelize.ChartLegend{Position: "right"},
		Dimension: excelize.ChartDimension{Width: width, Height: height},
		GapWidth:  &gap,
		XAxis:     excelize.ChartAxis{Font: excelize.Font{Color: "000000"}},
		YAxis:     excelize.ChartAxis{MajorGridLines: true, Font: excelize.Font{Color: "000000"}},
		Format:    excelize.GraphicOptions{OffsetX: 4, OffsetY: 4},
	})
	if err != nil {
		return fmt.Errorf("cannot add the chart %q: %w", title, err)
	}
	ts.row += int(height)/18 + 2
	return nil
}

// movers lists the causes that moved most and the failures open longest.
func (ts *trendSheet) movers() {
	g, s, tr := ts.g, ts.s, ts.tr
	moves := func(title, before string, ms []CauseMove) {
		g.text(ts.row, 1, title, s.bold)
		ts.row++
		for i, h := range []string{"Cause", before, "Last night", "Change"} {
			g.text(ts.row, i+1, h, s.header)
		}
		ts.row++
		if len(ms) == 0 {
			g.text(ts.row, 1, "No cause changed.", 0)
			ts.row++
		}
		for _, m := range ms {
			g.text(ts.row, 1, m.Cause, 0)
			g.num(ts.row, 2, float64(m.Before), s.integer)
			g.num(ts.row, 3, float64(m.Now), s.integer)
			g.num(ts.row, 4, float64(m.Now-m.Before), s.change)
			ts.row++
		}
		ts.row++
	}
	moves("Causes that moved most since the night before", "Night before", tr.SinceLast)
	moves("Causes that moved most over the trend", "First night", tr.OverWindow)
	g.text(ts.row, 1, "Failing for the most nights", s.bold)
	ts.row++
	for i, h := range []string{"Machine", "Advertisement", "Cause", "Nights", "Failing since"} {
		g.text(ts.row, i+1, h, s.header)
	}
	ts.row++
	for _, l := range tr.Longest {
		g.text(ts.row, 1, l.Machine, 0)
		g.text(ts.row, 2, l.AdvertisementID, 0)
		g.text(ts.row, 3, l.Cause, 0)
		g.num(ts.row, 4, float64(l.Nights), s.integer)
		g.date(ts.row, 5, l.FirstFailed, s.date)
		ts.row++
	}
	if len(tr.Longest) == 0 {
		g.text(ts.row, 1, "No failure is open from an earlier night.", 0)
	}
}

// NightNote says what a night's window covered when that was more than
// a day: the nights before it did not run or failed.
func NightNote(since, until time.Time, loc *time.Location) string {
	if until.Sub(since) <= 26*time.Hour {
		return ""
	}
	return "its window covered " + strings.TrimSuffix(fmt.Sprintf("%.1f", until.Sub(since).Hours()/24), ".0") +
		" days, from " + since.In(loc).Format("2006-01-02 15:04")
}
