package report

import (
	"time"

	"github.com/xuri/excelize/v2"
)

// grid writes cells of a small sheet through excelize's cell API, keeping
// the first error so that a sheet's layout reads as a list of cells.
type grid struct {
	f     *excelize.File
	st    *styles
	sheet string
	loc   *time.Location
	err   error
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
	}
	g.style(row, col, style)
}

func (g *grid) num(row, col int, n float64, style int) {
	if g.err != nil {
		return
	}
	g.keep(g.f.SetCellFloat(g.sheet, g.ref(row, col), n, -1, 64))
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
}

func (g *grid) keep(err error) {
	if err != nil && g.err == nil {
		g.err = err
	}
}

// summaryStyles are the styles of the small sheets.
type summaryStyles struct {
	title, bold, header, wrapHeader, date, duration, integer, change, percent, wrap int
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
	}
	for _, d := range defs {
		if *d.id, err = st.custom(d.name, d.style); err != nil {
			return s, err
		}
	}
	return s, nil
}
