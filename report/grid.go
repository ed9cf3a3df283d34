package report

import (
	"maps"
	"slices"
	"time"

	"github.com/xuri/excelize/v2"
)

// grid writes cells of a small sheet through excelize's cell API, keeping
// the first error so that a sheet's layout reads as a list of cells. It
// keeps what the sheet's print settings and row heights need: the columns'
// widths, the lines each row's wrapped text takes and the last cell used.
type grid struct {
	f     *excelize.File
	st    *styles
	sheet string
	loc   *time.Location
	err   error

	widths  map[int]float64 // column → width, as set
	lines   map[int]int     // row → lines its tallest wrapped cell takes
	lastRow int
	lastCol int
}

// used notes that a cell holds something.
func (g *grid) used(row, col int) {
	g.lastRow, g.lastCol = max(g.lastRow, row), max(g.lastCol, col)
}

// colWidth returns the width of a column, Excel's default when not set.
func (g *grid) colWidth(col int) float64 {
	if w, ok := g.widths[col]; ok {
		return w
	}
	return defaultWidth
}

// span returns the width of the columns from col to last.
func (g *grid) span(col, last int) float64 {
	w := 0.0
	for c := col; c <= last; c++ {
		w += g.colWidth(c)
	}
	return w
}

// wrapped writes s in a cell that wraps, merged over the columns col to
// last, and makes its row tall enough for it.
func (g *grid) wrapped(row, col, last int, s string, style int, bold bool) {
	if last > col {
		g.merge(row, col, last)
	}
	g.paragraph(row, col, s, style)
	g.needLines(row, wrapLines(cellParagraph(s), g.span(col, last), bold))
}

func (g *grid) needLines(row, n int) {
	if g.lines == nil {
		g.lines = map[int]int{}
	}
	g.lines[row] = max(g.lines[row], n)
}

func (g *grid) merge(row, col, last int) {
	if g.err != nil {
		return
	}
	g.keep(g.f.MergeCell(g.sheet, g.ref(row, col), g.ref(row, last)))
	g.used(row, last)
}

// fitRows sets the height of every row whose wrapped text takes more than
// one line: Excel does not grow a row for a merged cell, nor LibreOffice
// for a row it is told the height of.
func (g *grid) fitRows() {
	for _, row := range slices.Sorted(maps.Keys(g.lines)) {
		if n := g.lines[row]; n > 1 && g.err == nil {
			g.keep(g.f.SetRowHeight(g.sheet, row, float64(n)*lineHeight))
		}
	}
}

// dimension records the range the sheet uses, for readers that trust it.
func (g *grid) dimension() {
	if g.err != nil || g.lastRow == 0 {
		return
	}
	g.keep(g.f.SetSheetDimension(g.sheet, "A1:"+g.ref(g.lastRow, g.lastCol)))
}

func (g *grid) ref(row, col int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil && g.err == nil {
		g.err = err
	}
	return name
}

func (g *grid) style(row, col, style int) {
	if style == 0 || g.err != nil {
		return
	}
	ref := g.ref(row, col)
	g.keep(g.f.SetCellStyle(g.sheet, ref, ref, style))
}

// text writes s as a one-line text cell, whatever it looks like.
func (g *grid) text(row, col int, s string, style int) {
	g.put(row, col, cellText(s), style)
}

// paragraph writes s as a text cell that may hold several lines.
func (g *grid) paragraph(row, col int, s string, style int) {
	g.put(row, col, cellParagraph(s), style)
}

func (g *grid) put(row, col int, s string, style int) {
	if g.err != nil {
		return
	}
	if s != "" {
		g.keep(g.f.SetCellStr(g.sheet, g.ref(row, col), keepEscapesLiteral(s)))
		g.used(row, col)
	}
	g.style(row, col, style)
}

func (g *grid) num(row, col int, n float64, style int) {
	if g.err != nil {
		return
	}
	g.keep(g.f.SetCellFloat(g.sheet, g.ref(row, col), n, -1, 64))
	g.used(row, col)
	g.style(row, col, style)
}

// date writes t as a date cell in the run's time zone; a time Excel cannot
// show leaves the cell empty.
func (g *grid) date(row, col int, t time.Time, style int) {
	if n, ok := excelDate(t, g.loc); ok {
		g.num(row, col, n, style)
	}
}

func (g *grid) width(col int, w float64) {
	if g.err != nil {
		return
	}
	name, err := excelize.ColumnNumberToName(col)
	if err != nil {
		g.keep(err)
		return
	}
	g.keep(g.f.SetColWidth(g.sheet, name, name, w))
	if g.widths == nil {
		g.widths = map[int]float64{}
	}
	g.widths[col] = w
}

func (g *grid) keep(err error) {
	if err != nil && g.err == nil {
		g.err = err
	}
}

// summaryStyles are the styles of the small sheets.
type summaryStyles struct {
	title, bold, header, wrapHeader, date, duration, integer, change, percent, wrap, boldWrap int
}

func newSummaryStyles(st *styles) (summaryStyles, error) {
	var s summaryStyles
	var err error
	header, err := st.header()
	if err != nil {
		return s, err
	}
	s.header = header
	defs := []struct {
		id    *int
		name  string
		style *excelize.Style
	}{
		{&s.title, "title", &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&s.bold, "bold", &excelize.Style{Font: &excelize.Font{Bold: true}}},
		{&s.wrapHeader, "wrap-header", &excelize.Style{
			Font:      &excelize.Font{Bold: true},
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		}},
		{&s.date, "date", &excelize.Style{CustomNumFmt: strPtr(dateFormat), Alignment: &excelize.Alignment{Horizontal: "left"}}},
		{&s.duration, "duration", &excelize.Style{CustomNumFmt: strPtr(durationFormat), Alignment: &excelize.Alignment{Horizontal: "left"}}},
		{&s.integer, "integer", &excelize.Style{CustomNumFmt: strPtr(integerFormat)}},
		{&s.change, "change", &excelize.Style{CustomNumFmt: strPtr("+0;-0;0")}},
		{&s.percent, "percent", &excelize.Style{CustomNumFmt: strPtr(percentFormat)}},
		{&s.wrap, "wrap", &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&s.boldWrap, "bold-wrap", &excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
	}
	for _, d := range defs {
		if *d.id, err = st.custom(d.name, d.style); err != nil {
			return s, err
		}
	}
	return s, nil
}

// causeStyle is the style of a cell naming a cause: the cause's colour,
// in a font readable on it, wrapping; bold for a header.
func (s *styles) causeStyle(colour string, header bool) (int, error) {
	name := "cause-" + colour
	st := &excelize.Style{
		Font:      &excelize.Font{Color: textOn(colour), Bold: header},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
	}
	if header {
		name = "cause-header-" + colour
		st.Border = []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}}
	}
	return s.custom(name, st)
}
