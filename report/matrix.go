package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// matrixColumn is one column of a collections × causes matrix: one
// cause, or the causes folded into "other".
type matrixColumn struct {
	header  string
	colour  string
	buckets []string
	total   int
}

func (mc matrixColumn) count(c *collectionTally) int {
	n := 0
	for _, b := range mc.buckets {
		n += c.byBucket[b]
	}
	return n
}

// matrixColumns gives each cause a column of its own, in its colour.
func matrixColumns(run Run, causes []*causeTally) []matrixColumn {
	cols := make([]matrixColumn, len(causes))
	for i, ct := range causes {
		cols[i] = matrixColumn{header: ct.bucket, colour: Colour(ct.bucket, run.Causes), buckets: []string{ct.bucket}, total: ct.count}
	}
	return cols
}

// foldedColumn counts the causes folded into "other" in one column.
func foldedColumn(folded []*causeTally) matrixColumn {
	mc := matrixColumn{header: fmt.Sprintf("other (%d causes)", len(folded)), colour: otherColour}
	for _, ct := range folded {
		mc.buckets = append(mc.buckets, ct.bucket)
		mc.total += ct.count
	}
	return mc
}

// matrix writes collections × causes with totals both ways, every
// failure in exactly one column, the collections with most failures
// first.
type matrix struct {
	g    *grid
	s    summaryStyles
	t    *tally
	cols []matrixColumn
}

// write writes the matrix with its header at row hdr and returns the
// header row and the first and last collection rows.
func (m *matrix) write(hdr int) (int, int, int) {
	g, s := m.g, m.s
	g.wrapped(hdr, 1, 1, "Collection ID", s.wrapHeader, true)
	g.wrapped(hdr, 2, 2, "Collection", s.wrapHeader, true)
	for j, mc := range m.cols {
		st, err := g.st.causeStyle(mc.colour, true)
		g.keep(err)
		g.wrapped(hdr, 3+j, 3+j, mc.header, st, true)
	}
	totalCol := 3 + len(m.cols)
	g.wrapped(hdr, totalCol, totalCol, "Total", s.wrapHeader, true)
	row := hdr
	for _, c := range m.t.collectionList() {
		row++
		g.wrapped(row, 1, 1, c.id, s.wrap, false)
		g.wrapped(row, 2, 2, collectionLabel(c), s.wrap, false)
		for j, mc := range m.cols {
			if n := mc.count(c); n > 0 {
				g.num(row, 3+j, float64(n), s.integer)
			}
		}
		g.num(row, totalCol, float64(c.total), s.bold)
	}
	first, last := hdr+1, row
	row++
	g.text(row, 1, "Total", s.bold)
	for j, mc := range m.cols {
		g.num(row, 3+j, float64(mc.total), s.bold)
	}
	g.num(row, totalCol, float64(m.t.counts.Failures), s.bold)
	return hdr, first, last
}

// writeMatrixSheet writes every cause per collection, which the Summary
// folds past its top causes.
func writeMatrixSheet(b *book, run Run, t *tally) error {
	s, err := newSummaryStyles(b.st)
	if err != nil {
		return err
	}
	g := &grid{f: b.f, st: b.st, sheet: sheetMatrix, loc: run.Location}
	m := &matrix{g: g, s: s, t: t, cols: matrixColumns(run, t.causeList())}
	a, bw := textUnits("Collection ID", true), textUnits("Collection", true)
	for _, c := range t.collections {
		a = max(a, textUnits(c.id, false))
		bw = max(bw, textUnits(cellText(collectionLabel(c)), false))
	}
	g.width(1, clampWidth(a, 14, 30))
	g.width(2, clampWidth(bw, 22, 45))
	for c := 3; c <= 3+len(m.cols); c++ {
		g.width(c, numberWidth)
	}
	m.write(1)
	if t.counts.Failures == 0 {
		g.wrapped(3, 1, 2, "No failures in this window.", s.wrap, false)
	}
	g.keep(b.f.SetPanes(sheetMatrix, &excelize.Panes{Freeze: true, XSplit: 2, YSplit: 1, TopLeftCell: "C2", ActivePane: "bottomRight"}))
	g.fitRows()
	g.dimension()
	if g.err != nil {
		return g.err
	}
	return b.printSetup(sheetMatrix, g.lastCol, g.lastRow, true)
}
