package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// maxDataRows is how many rows under its header an Excel sheet holds.
const maxDataRows = excelize.TotalRows - 1

// streamTable writes rows to one or more sheets through excelize's stream
// writer: a header row frozen at the top, columns sized to their content,
// each row filled with its group's colour, and an Excel table with filter
// buttons over it. When the rows outgrow a sheet they continue on the next
// of its sheets.
type streamTable struct {
	b       *book
	f       *excelize.File
	st      *styles
	sheets  []string // the sheets it fills, created beforehand in workbook order
	table   string   // table name; sheets after the first get a number
	cols    []column
	widths  columnWidths
	perRows int    // data rows per sheet
	rows    int    // data rows in all, known before the first is written
	empty   string // what an empty table says instead

	sw    *excelize.StreamWriter
	sheet int // index in sheets of the sheet being written
	row   int // last row written on it
	total int
	cells []excelize.Cell
	vals  []any
}

// open starts the first sheet; it must be called before the table's rows
// are written, as the stream writer wants widths and panes first.
func (t *streamTable) open() error {
	t.vals, t.cells = make([]any, len(t.cols)), make([]excelize.Cell, len(t.cols))
	if t.perRows <= 0 {
		t.perRows = maxDataRows
	}
	return t.start(0)
}

func (t *streamTable) start(i int) error {
	// The stream writer writes the sheet's dimension and page settings as
	// they are when it starts: the rows this sheet gets are known already.
	onSheet := max(1, min(t.perRows, t.rows-i*t.perRows))
	last, err := excelize.CoordinatesToCellName(len(t.cols), onSheet+1)
	if err != nil {
		return err
	}
	if err := t.f.SetSheetDimension(t.sheets[i], "A1:"+last); err != nil {
		return err
	}
	if err := t.b.printSetup(t.sheets[i], len(t.cols), onSheet+1, true); err != nil {
		return err
	}
	sw, err := t.f.NewStreamWriter(t.sheets[i])
	if err != nil {
		return fmt.Errorf("cannot start sheet %s: %w", t.sheets[i], err)
	}
	t.sw, t.sheet, t.row = sw, i, 1
	for c, col := range t.cols {
		// The header keeps room for its filter button.
		w := max(min(t.widths[c], col.max), displayWidth(col.header, 255)+3) + 1
		if err := sw.SetColWidth(c+1, c+1, float64(w)); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	hs, err := t.st.header()
	if err != nil {
		return err
	}
	for c, col := range t.cols {
		t.vals[c] = excelize.Cell{StyleID: hs, Value: col.header}
	}
	return sw.SetRow("A1", t.vals)
}

// write adds one row, the whole row in a tint of colour and its cause in
// colour itself.
func (t *streamTable) write(cells []cell, colour string) error {
	if t.row-1 == t.perRows {
		if err := t.finish(); err != nil {
			return err
		}
		if t.sheet+1 == len(t.sheets) {
			return fmt.Errorf("more rows than the %d sheets made for table %s", len(t.sheets), t.table)
		}
		if err := t.start(t.sheet + 1); err != nil {
			return err
		}
	}
	ids, err := t.st.row(colour)
	if err != nil {
		return err
	}
	for i, c := range cells {
		if c.kind == kindEmpty {
			t.vals[i] = nil // the row's style fills it
			continue
		}
		// Pointers to cells kept for the table's life: the stream writer
		// takes *Cell, and boxing a Cell for every value would allocate.
		v := &t.cells[i]
		*v = excelize.Cell{StyleID: ids[c.kind]}
		switch c.kind {
		case kindText, kindCause:
			v.Value = c.text
		case kindNumber:
			v.Value = c.num
		case kindDate:
			v.Value = c.date
		case kindLink:
			v.Value, v.Formula = c.text, c.formula
		}
		t.vals[i] = v
	}
	t.row++
	t.total++
	cellName, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	// The row's own style colours the whole row, empty cells included, and
	// spares the stream writer looking up a style for each cell.
	return t.sw.SetRow(cellName, t.vals, excelize.RowOpts{StyleID: ids[kindText]})
}

// finish ends the sheet being written: the table over its rows, or a line
// saying there are none.
func (t *streamTable) finish() error {
	if t.row == 1 {
		if err := t.sw.SetRow("A2", []any{t.empty}); err != nil {
			return err
		}
	} else {
		last, err := excelize.CoordinatesToCellName(len(t.cols), t.row)
		if err != nil {
			return err
		}
		name := t.table
		if t.sheet > 0 {
			// "Collection1_2", never "Collection12": that may be another's.
			name = fmt.Sprintf("%s_%d", t.table, t.sheet+1)
		}
		noStripes := false
		if err := t.sw.AddTable(&excelize.Table{
			Range: "A1:" + last, Name: name, StyleName: "TableStyleLight1", ShowRowStripes: &noStripes,
		}); err != nil {
			return fmt.Errorf("cannot add table %s: %w", name, err)
		}
	}
	if err := t.sw.Flush(); err != nil {
		return fmt.Errorf("cannot finish sheet %s: %w", t.sheets[t.sheet], err)
	}
	return nil
}

// sheetsFor returns how many sheets n rows take.
func sheetsFor(n, perRows int) int {
	if perRows <= 0 {
		perRows = maxDataRows
	}
	return max(1, (n+perRows-1)/perRows)
}
