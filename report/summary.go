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
	// DefaultChartCauses is how many causes the Summary's chart and
	// matrix show apart when Run.ChartCauses is zero.
	DefaultChartCauses = 8
	// MaxChartCauses keeps the chart's legend and the Summary's width
	// readable.
	MaxChartCauses = 30
	numberWidth    = 12 // the Summary's columns of numbers
	minSummaryCols = 9  // A to I: room for the remediation beside the top causes
)

// summary lays out the Summary sheet from top to bottom.
type summary struct {
	g      *grid
	s      summaryStyles
	run    Run
	t      *tally
	row    int           // next free row
	shown  []*causeTally // the causes the matrix and the chart show apart
	folded []*causeTally // the causes folded into "other"
	last   int           // the Summary's last column
}

func writeSummary(b *book, run Run, t *tally, lay *layout) error {
	s, err := newSummaryStyles(b.st)
	if err != nil {
		return err
	}
	sm := &summary{g: &grid{f: b.f, st: b.st, sheet: sheetSummary, loc: run.Location}, s: s, run: run, t: t, row: 1}
	sm.shown, sm.folded = splitCauses(t.byCount(), run.chartCauses())
	sm.widths()
	sm.runBlock(lay)
	sm.countsBlock()
	if t.counts.Failures == 0 {
		sm.g.wrapped(sm.row, 1, sm.last, "No failures in this window: there is nothing to fix.", s.boldWrap, true)
		sm.row += 2
		sm.progressBlock()
	} else if err := sm.failures(); err != nil {
		return err
	}
	sm.g.fitRows()
	sm.g.dimension()
	if sm.g.err != nil {
		return sm.g.err
	}
	return b.printSetup(sheetSummary, sm.last, sm.g.lastRow, false)
}

// failures lays out what there is to fix: the chart, the top causes, the
// change by cause and the matrix the chart is drawn from.
func (sm *summary) failures() error {
	chartRow := sm.row
	charted := min(len(sm.t.collections), chartCollections)
	sm.row += chartRows(charted) + 1
	sm.topCauses()
	sm.changeByCause()
	sm.progressBlock()
	hdr, first, last := sm.matrix()
	if sm.g.err != nil {
		return sm.g.err
	}
	return sm.chart(chartRow, hdr, first, min(last, first+chartCollections-1))
}

func (run Run) chartCauses() int {
	if run.ChartCauses <= 0 {
		return DefaultChartCauses
	}
	return min(run.ChartCauses, MaxChartCauses)
}

// splitCauses keeps the n most frequent causes apart and folds the others
// into "other"; folding a single cause would only rename it.
func splitCauses(byCount []*causeTally, n int) (shown, folded []*causeTally) {
	if len(byCount) <= n+1 {
		return byCount, nil
	}
	return byCount[:n], byCount[n:]
}

// widths sizes the Summary's columns to what they hold: labels, causes
// and collection IDs in A, titles and collection names in B (wrapping past
// a maximum), numbers after; the run's details span B to the last column.
func (sm *summary) widths() {
	a, bw := 0.0, 0.0
	for _, l := range summaryLabels {
		a = max(a, textUnits(l, true))
	}
	for i, ct := range sm.t.byCount() {
		if i < topCauses {
			title, _ := sm.t.describe(sm.run, ct.bucket)
			bw = max(bw, textUnits(cellText(title), false))
		}
		a = max(a, textUnits(ct.bucket, false))
	}
	for _, c := range sm.t.collections {
		a = max(a, textUnits(c.id, false))
		bw = max(bw, textUnits(cellText(collectionLabel(c)), false))
	}
	sm.g.width(1, clampWidth(a, 14, 30))
	sm.g.width(2, clampWidth(bw, 22, 45))
	sm.last = max(minSummaryCols, 2+len(sm.shown)+min(len(sm.folded), 1)+1)
	for c := 3; c <= sm.last; c++ {
		sm.g.width(c, numberWidth)
	}
}

// summaryLabels are the bold labels of column A.
var summaryLabels = []string{"Site", "From", "Until", "Late messages", "Time zone", "Filter", "Route", "Started", "Finished",
	"Took", "Sheets per collection", "Log copy links", "Counts", "Failures", "Classified", "No detail", "Unclassified",
	"Logs not read", "New since last run", "Recurring", "Arrived late", "Fixed since last run", "Top causes", "Cause",
	"Collection ID", "Total"}

func (sm *summary) runBlock(lay *layout) {
	g, s, run := sm.g, sm.s, sm.run
	title := "Failed deployments"
	if run.Site != "" {
		title += " at " + run.Site
	}
	g.merge(1, 1, sm.last)
	g.text(1, 1, title, s.title)
	sm.row = 3
	label := func(l string) int {
		r := sm.row
		g.text(r, 1, l, s.bold)
		sm.row++
		return r
	}
	value := func(l, v string) { g.wrapped(label(l), 2, sm.last, v, s.wrap, false) }
	value("Site", run.Site)
	g.date(label("From"), 2, run.Since, s.date)
	g.date(label("Until"), 2, run.Until, s.date)
	if !run.Lookback.IsZero() {
		value("Late messages", sm.lateNote())
	}
	value("Time zone", zoneLabel(run.Location, run.Until))
	value("Filter", run.Filter)
	value("Route", run.Route)
	g.date(label("Started"), 2, run.Started, s.date)
	g.date(label("Finished"), 2, run.Finished, s.date)
	r := label("Took")
	if d := run.Finished.Sub(run.Started); !run.Started.IsZero() && !run.Finished.IsZero() && d >= 0 {
		g.num(r, 2, d.Round(time.Second).Seconds()/86400, s.duration)
	}
	value("Sheets per collection", lay.perCollNote)
	value("Log copy links", linksNote(run, sm.t.kept))
	sm.row++
}

// linksNote says where the Log copy links lead, and when they work.
func linksNote(run Run, kept int) string {
	switch {
	case kept == 0:
		return "none: no copy of a log was kept beside this workbook"
	case run.LinkBase != "":
		return "open the copies published at " + run.LinkBase + ", wherever this workbook is opened"
	}
	return "work only where this workbook sits beside its logs folder, not in a copy attached to a mail; " +
		"set report.link_base to where the reports folder is published to make them work anywhere"
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
	headers := []string{"Counts", "This run"}
	if prev != nil {
		headers = append(headers, "Previous run", "Change")
	}
	sm.headers(headers...)
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

// headers writes a table's header row from column A, wrapping each header
// in its column.
func (sm *summary) headers(hs ...string) {
	for i, h := range hs {
		sm.g.wrapped(sm.row, i+1, i+1, h, sm.s.wrapHeader, true)
	}
	sm.row++
}

// heading writes a heading over the Summary's width.
func (sm *summary) heading(h string) {
	sm.g.wrapped(sm.row, 1, sm.last, h, sm.s.boldWrap, true)
	sm.row++
}

// causeCell writes a cause id in its colour.
func (sm *summary) causeCell(row, col int, bucket string) {
	st, err := sm.g.st.causeStyle(Colour(bucket, sm.run.Causes), false)
	sm.g.keep(err)
	sm.g.wrapped(row, col, col, bucket, st, false)
}

// topCauses lists the most frequent causes with what to do about them.
func (sm *summary) topCauses() {
	g, s := sm.g, sm.s
	sm.heading("Top causes")
	sm.headers("Cause", "Title", "Failures", "Share")
	g.wrapped(sm.row-1, 5, sm.last, "Remediation", s.wrapHeader, true)
	for i, ct := range sm.t.byCount() {
		if i == topCauses {
			break
		}
		title, remediation := sm.t.describe(sm.run, ct.bucket)
		sm.causeCell(sm.row, 1, ct.bucket)
		g.wrapped(sm.row, 2, 2, title, s.wrap, false)
		g.num(sm.row, 3, float64(ct.count), s.integer)
		g.num(sm.row, 4, float64(ct.count)/float64(sm.t.counts.Failures), s.percent)
		g.wrapped(sm.row, 5, sm.last, remediation, s.wrap, false)
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
	sm.heading("Change since last run by cause")
	sm.headers("Cause", "This run", "Previous run", "Change")
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
		sm.causeCell(sm.row, 1, b)
		g.num(sm.row, 2, float64(now), s.integer)
		g.num(sm.row, 3, float64(before), s.integer)
		g.num(sm.row, 4, float64(now-before), s.change)
		sm.row++
	}
	sm.row++
}

// matrix writes collections × the causes shown apart, the others folded
// into one column, with totals both ways, and returns the header row and
// the first and last collection rows.
func (sm *summary) matrix() (hdr, first, last int) {
	cols := matrixColumns(sm.run, sm.shown)
	if len(sm.folded) > 0 {
		cols = append(cols, foldedColumn(sm.folded))
	}
	m := &matrix{g: sm.g, s: sm.s, t: sm.t, cols: cols}
	sm.heading("Failures per collection and cause (each failure in exactly one column)")
	hdr, first, last = m.write(sm.row)
	sm.row = last + 2
	if len(sm.folded) > 0 {
		note := fmt.Sprintf("%s: %d causes with fewer failures. The sheet %s shows every cause per collection.",
			cols[len(cols)-1].header, len(sm.folded), sheetMatrix)
		sm.g.wrapped(sm.row, 1, sm.last, note, sm.s.wrap, false)
		sm.row++
	}
	sm.row++
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
// matrix rows first..last, a series per column of the matrix but its
// total, in the causes' colours. It is as wide as the Summary's columns,
// so it prints on the page with them. The Summary is written with the cell
// API, so the chart is kept (a chart added to a streamed sheet is dropped).
func (sm *summary) chart(at, hdr, first, last int) error {
	cols := matrixColumns(sm.run, sm.shown)
	if len(sm.folded) > 0 {
		cols = append(cols, foldedColumn(sm.folded))
	}
	series := make([]excelize.ChartSeries, 0, len(cols))
	ref := sheetSummary // needs no quotes
	for j, mc := range cols {
		col, err := excelize.ColumnNumberToName(3 + j)
		if err != nil {
			return err
		}
		series = append(series, excelize.ChartSeries{
			Name:       fmt.Sprintf("%s!$%s$%d", ref, col, hdr),
			Categories: fmt.Sprintf("%s!$B$%d:$B$%d", ref, first, last),
			Values:     fmt.Sprintf("%s!$%s$%d:$%s$%d", ref, col, first, col, last),
			Fill:       excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{mc.colour}},
		})
	}
	title := "Causes per collection"
	if len(sm.t.collections) > chartCollections {
		title = fmt.Sprintf("Causes in the %d collections with most failures", chartCollections)
	}
	width := 0
	for c := 1; c <= sm.last; c++ {
		width += columnPixels(sm.g.colWidth(c))
	}
	vary := false
	gap := uint(60)
	overlap := 100
	return sm.g.f.AddChart(sheetSummary, fmt.Sprintf("A%d", at), &excelize.Chart{
		Type:       excelize.BarStacked,
		Series:     series,
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend:     excelize.ChartLegend{Position: "right"},
		Dimension:  excelize.ChartDimension{Width: uint(width - 8), Height: uint(chartHeight(last - first + 1))},
		VaryColors: &vary,
		GapWidth:   &gap,
		Overlap:    &overlap,
		XAxis:      excelize.ChartAxis{ReverseOrder: true, Font: excelize.Font{Color: "000000"}},
		YAxis:      excelize.ChartAxis{MajorGridLines: true, Font: excelize.Font{Color: "000000"}},
		Format:     excelize.GraphicOptions{OffsetX: 4, OffsetY: 4},
	})
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
