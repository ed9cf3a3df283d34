package report

import (
	"fmt"
	"time"

	"github.com/xuri/excelize/v2"

	"smsfail"
)

// Summary layout: how many top causes and charted collections are shown.
const (
	topCauses        = 10
	chartCollections = 20
	maxChartSeries   = 255 // Excel's limit per chart
)

// summary lays out the Summary sheet from top to bottom.
type summary struct {
	g   *grid
	s   summaryStyles
	run Run
	t   *tally
	row int // next free row
}

func writeSummary(b *book, run Run, t *tally, lay *layout) error {
	s, err := newSummaryStyles(b.st)
	if err != nil {
		return err
	}
	sm := &summary{g: &grid{f: b.f, st: b.st, sheet: sheetSummary, loc: run.Location}, s: s, run: run, t: t, row: 1}
	sm.widths()
	sm.printLayout()
	sm.runBlock(lay)
	sm.countsBlock()
	if t.counts.Failures == 0 {
		sm.g.text(sm.row, 1, "No failures in this window: there is nothing to fix.", s.bold)
		sm.row += 2
		sm.progressBlock()
		return sm.g.err
	}
	chartRow := sm.row
	sm.row += chartRows(min(len(t.collections), chartCollections)) + 1
	sm.topCauses()
	sm.changeByCause()
	sm.progressBlock()
	hdr, first, last := sm.matrix()
	if sm.g.err != nil {
		return sm.g.err
	}
	return sm.chart(chartRow, hdr, first, min(last, first+chartCollections-1))
}

func (sm *summary) widths() {
	for col, w := range []float64{28, 46, 14, 14, 14} {
		sm.g.width(col+1, w)
	}
}

// printLayout prints the Summary landscape, one page wide, so it can be
// forwarded as a PDF.
func (sm *summary) printLayout() {
	landscape, wide, tall, fit := "landscape", 1, 0, true
	sm.g.keep(sm.g.f.SetSheetProps(sheetSummary, &excelize.SheetPropsOptions{FitToPage: &fit}))
	sm.g.keep(sm.g.f.SetPageLayout(sheetSummary, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall}))
}

func (sm *summary) runBlock(lay *layout) {
	g, s, run := sm.g, sm.s, sm.run
	title := "Failed deployments"
	if run.Site != "" {
		title += " at " + run.Site
	}
	g.text(1, 1, title, s.title)
	sm.row = 3
	label := func(l string) int {
		r := sm.row
		g.text(r, 1, l, s.bold)
		sm.row++
		return r
	}
	g.text(label("Site"), 2, run.Site, 0)
	g.date(label("From"), 2, run.Since, s.date)
	g.date(label("Until"), 2, run.Until, s.date)
	if !run.Lookback.IsZero() {
		g.text(label("Late messages"), 2, sm.lateNote(), 0)
	}
	g.text(label("Time zone"), 2, zoneLabel(run.Location, run.Until), 0)
	g.text(label("Filter"), 2, run.Filter, 0)
	g.text(label("Route"), 2, run.Route, 0)
	g.date(label("Started"), 2, run.Started, s.date)
	g.date(label("Finished"), 2, run.Finished, s.date)
	r := label("Took")
	if d := run.Finished.Sub(run.Started); !run.Started.IsZero() && !run.Finished.IsZero() && d >= 0 {
		g.num(r, 2, d.Round(time.Second).Seconds()/86400, s.duration)
	}
	g.text(label("Sheets per collection"), 2, lay.perCollNote, 0)
	sm.row++
}

// lateNote says how many failures a night looking back found from before
// its window, and how far back it looked.
func (sm *summary) lateNote() string {
	const layout = "2006-01-02 15:04"
	loc, t := sm.run.Location, sm.t
	looked := "looked back to " + sm.run.Lookback.In(loc).Format(layout)
	switch t.late {
	case 0:
		return "none from before this window (" + looked + ")"
	case 1:
		return "1 failure from before this window, of " + t.lateFrom.In(loc).Format(layout) + " (" + looked + ")"
	}
	return fmt.Sprintf("%d failures from before this window, back to %s (%s)", t.late, t.lateFrom.In(loc).Format(layout), looked)
}

// countsBlock shows the headline counts, with the previous run's beside
// them when there was one.
func (sm *summary) countsBlock() {
	g, s, c, prev := sm.g, sm.s, sm.t.counts, sm.run.Previous
	g.text(sm.row, 1, "Counts", s.header)
	g.text(sm.row, 2, "This run", s.header)
	if prev != nil {
		g.text(sm.row, 3, "Previous run", s.header)
		g.text(sm.row, 4, "Change", s.header)
	}
	sm.row++
	line := func(label string, now int, before *int) {
		g.text(sm.row, 1, label, 0)
		g.num(sm.row, 2, float64(now), s.integer)
		if before != nil {
			g.num(sm.row, 3, float64(*before), s.integer)
			g.num(sm.row, 4, float64(now-*before), s.change)
		}
		sm.row++
	}
	pick := func(f func(smsfail.Counts) int) *int {
		if prev == nil {
			return nil
		}
		v := f(*prev)
		return &v
	}
	line("Failures", c.Failures, pick(func(p smsfail.Counts) int { return p.Failures }))
	line("Classified", c.Classified, pick(func(p smsfail.Counts) int { return p.Classified }))
	line("No detail", c.NoDetail, pick(func(p smsfail.Counts) int { return p.NoDetail }))
	line("Unclassified", c.Unclassified, pick(func(p smsfail.Counts) int { return p.Unclassified }))
	line("Logs not read", c.NotRead, pick(func(p smsfail.Counts) int { return p.NotRead }))
	if sm.run.Marks != nil || len(sm.run.Fixed) > 0 {
		line("New since last run", sm.t.marks[MarkNew], nil)
		line("Recurring", sm.t.marks[MarkRecurring], nil)
		if !sm.run.Lookback.IsZero() {
			line("Arrived late", sm.t.late, nil)
		}
		line("Fixed since last run", len(sm.run.Fixed), nil)
	}
	sm.row++
}

// topCauses lists the most frequent causes with what to do about them.
func (sm *summary) topCauses() {
	g, s := sm.g, sm.s
	g.text(sm.row, 1, "Top causes", s.bold)
	sm.row++
	for i, h := range []string{"Cause", "Title", "Failures", "Share", "Remediation"} {
		g.text(sm.row, i+1, h, s.header)
	}
	sm.row++
	for i, ct := range sm.t.byCount() {
		if i == topCauses {
			break
		}
		title, remediation := sm.t.describe(sm.run, ct.bucket)
		g.text(sm.row, 1, ct.bucket, 0)
		g.text(sm.row, 2, title, 0)
		g.num(sm.row, 3, float64(ct.count), s.integer)
		g.num(sm.row, 4, float64(ct.count)/float64(sm.t.counts.Failures), s.percent)
		g.text(sm.row, 5, remediation, 0)
		sm.row++
	}
	sm.row++
}

// changeByCause compares each column's count with the previous run's.
func (sm *summary) changeByCause() {
	prev := sm.run.Previous
	if prev == nil {
		return
	}
	g, s := sm.g, sm.s
	g.text(sm.row, 1, "Change since last run by cause", s.bold)
	sm.row++
	for i, h := range []string{"Cause", "This run", "Previous run", "Change"} {
		g.text(sm.row, i+1, h, s.header)
	}
	sm.row++
	var buckets []string
	for _, ct := range sm.t.causeList() {
		buckets = append(buckets, ct.bucket)
	}
	for _, b := range sortedKeys(prev.ByBucket) {
		if sm.t.causes[b] == nil {
			buckets = append(buckets, b)
		}
	}
	for _, b := range buckets {
		now, before := sm.t.counts.ByBucket[b], prev.ByBucket[b]
		g.text(sm.row, 1, b, 0)
		g.num(sm.row, 2, float64(now), s.integer)
		g.num(sm.row, 3, float64(before), s.integer)
		g.num(sm.row, 4, float64(now-before), s.change)
		sm.row++
	}
	sm.row++
}

// matrix writes collections × causes with totals both ways, and returns
// the header row and the first and last collection rows.
func (sm *summary) matrix() (hdr, first, last int) {
	g, s := sm.g, sm.s
	causes := sm.t.causeList()
	g.text(sm.row, 1, "Failures per collection and cause (each failure in exactly one column)", s.bold)
	sm.row++
	hdr = sm.row
	g.text(hdr, 1, "Collection ID", s.wrapHeader)
	g.text(hdr, 2, "Collection", s.wrapHeader)
	for j, ct := range causes {
		g.text(hdr, 3+j, ct.bucket, s.wrapHeader)
	}
	totalCol := 3 + len(causes)
	g.text(hdr, totalCol, "Total", s.wrapHeader)
	g.keep(g.f.SetRowHeight(sheetSummary, hdr, 45))
	for c := 6; c <= totalCol; c++ {
		g.width(c, 14)
	}
	first = hdr + 1
	for _, c := range sm.t.collectionList() {
		sm.row++
		g.text(sm.row, 1, c.id, 0)
		g.text(sm.row, 2, collectionLabel(c), 0)
		for j, ct := range causes {
			if n := c.byBucket[ct.bucket]; n > 0 {
				g.num(sm.row, 3+j, float64(n), s.integer)
			}
		}
		g.num(sm.row, totalCol, float64(c.total), s.bold)
	}
	last = sm.row
	sm.row++
	g.text(sm.row, 1, "Total", s.bold)
	for j, ct := range causes {
		g.num(sm.row, 3+j, float64(ct.count), s.bold)
	}
	g.num(sm.row, totalCol, float64(sm.t.counts.Failures), s.bold)
	sm.row += 2
	return hdr, first, last
}

func collectionLabel(c *collectionTally) string {
	if c.name != "" {
		return c.name
	}
	return collectionFallback(c.id)
}

// chartRows is how many rows the chart covers: 20 pixels a row in Excel,
// a little less in LibreOffice, so count 18 and keep a margin.
func chartRows(collections int) int {
	return (chartHeight(collections)+17)/18 + 1
}

func chartHeight(collections int) int {
	return max(320, 110+26*collections)
}

// chart adds a stacked bar chart of causes per collection over the
// matrix rows first..last. The Summary is written with the cell API, so
// the chart is kept (a chart added to a streamed sheet is dropped).
func (sm *summary) chart(at, hdr, first, last int) error {
	causes := sm.t.causeList()
	if len(causes) > maxChartSeries {
		causes = causes[:maxChartSeries]
	}
	series := make([]excelize.ChartSeries, 0, len(causes))
	for j, ct := range causes {
		col, err := excelize.ColumnNumberToName(3 + j)
		if err != nil {
			return err
		}
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", sheetSummary, col, hdr),
			Categories: fmt.Sprintf("%s!$B$%d:$B$%d", sheetSummary, first, last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", sheetSummary, col, first, col, last),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{seriesColor(ct.bucket, j)}},
		})
	}
	title := "Causes per collection"
	if len(sm.t.collections) > chartCollections {
		title = fmt.Sprintf("Causes in the %d collections with most failures", chartCollections)
	}
	vary := false
	gap := uint(60)
	overlap := 100
	return sm.g.f.AddChart(sheetSummary, fmt.Sprintf("A%d", at), &excelize.Chart{
		Type:       excelize.BarStacked,
		Series:     series,
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend:     excelize.ChartLegend{Position: "right"},
		Dimension:  excelize.ChartDimension{Width: 980, Height: uint(chartHeight(last - first + 1))},
		VaryColors: &vary,
		GapWidth:   &gap,
		Overlap:    &overlap,
		XAxis:      excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: "000000"}},
		YAxis:      excelize.ChartAxis{MajorGridLines: true, Font: excelize.Font{Color: "000000"}},
		Format:     excelize.GraphicOptions{OffsetX: 4, OffsetY: 4},
	})
}

// seriesColor gives causes read out of logs distinct strong colours, and the
// logs not read shades of red, matching the row colours' meaning.
func seriesColor(bucket string, i int) string {
	switch {
	case smsfail.NotRead(bucket):
		reds := [...]string{"C00000", "E06666", "990000", "F4A6A6", "7F3F3F", "D9534F", "FF7F7F", "B85450"}
		return reds[i%len(reds)]
	case bucket == smsfail.CauseNoDetail:
		return "A5A5A5"
	case bucket == smsfail.CauseUnclassified:
		return "FFC000"
	}
	strong := [...]string{"4472C4", "70AD47", "ED7D31", "7030A0", "00B0F0", "2E75B6", "548235", "BF8F00", "C55A11", "264478",
		"43682B", "9E480E", "636363", "997300", "8FAADC", "A9D18E", "F4B183", "B4A7D6", "5B9BD5", "833C0B"}
	return strong[i%len(strong)]
}

// zoneLabel names the time zone dates are shown in. The machine's own zone
// is only "Local" to Go: add its abbreviation and offset at t, so the
// reader knows what the times mean.
func zoneLabel(loc *time.Location, t time.Time) string {
	name := loc.String()
	if name != "Local" && name != "" {
		return name
	}
	if t.IsZero() {
		t = time.Now()
	}
	abbrev, offset := t.In(loc).Zone()
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	utc := fmt.Sprintf("UTC%s%02d:%02d", sign, offset/3600, offset%3600/60)
	if abbrev == "" || abbrev[0] == '+' || abbrev[0] == '-' {
		return "Local (" + utc + ")"
	}
	return "Local (" + abbrev + ", " + utc + ")"
}
