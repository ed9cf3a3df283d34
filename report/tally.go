package report

import (
	"context"
	"iter"

	"smsfail"
)

// tally is what the first pass over the results learns besides their
// Summary: the column widths the streamed sheets need before their first
// row, and whether the results already come in the workbook's order.
type tally struct {
	*Summary
	sorted      bool
	failures    columnWidths
	unreachable columnWidths
}

// columnWidths tracks the widest cell of each column of a streamed sheet.
type columnWidths []int

func (w columnWidths) add(cells []cell, cols []column) {
	for i, c := range cells {
		// A text is never wider than its length in bytes: most cells are
		// settled without measuring them.
		if w[i] >= cols[i].max || (c.kind == kindText || c.kind == kindLink || c.kind == kindCause) && len(c.text) <= w[i] {
			continue
		}
		if n := c.width(cols[i].max); n > w[i] {
			w[i] = n
		}
	}
}

// tallyResults makes the first pass over results; it counts them only
// when run brings no Summary.
func tallyResults(ctx context.Context, run RunInfo, results iter.Seq[smsfail.Result]) (*tally, error) {
	t := &tally{Summary: run.Summary, sorted: true}
	count := t.Summary == nil
	if count {
		t.Summary = newSummary(run)
	}
	fcols, ucols := failureColumns(run), unreachableColumns()
	t.failures, t.unreachable = make(columnWidths, len(fcols)), make(columnWidths, len(ucols))
	fcells, ucells := make([]cell, len(fcols)), make([]cell, len(ucols))
	rd := renderer{run: run, widthsOnly: true}
	var prev smsfail.Result
	n := 0
	for r := range results {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if n > 0 && Compare(prev, r) > 0 {
			t.sorted = false
		}
		prev = r
		n++
		if count {
			t.Summary.add(run, r)
		}
		rd.failure(r, fcells)
		t.failures.add(fcells, fcols)
		if smsfail.NotRead(r.Bucket()) {
			rd.unreachable(r, ucells)
			t.unreachable.add(ucells, ucols)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return t, nil
}
