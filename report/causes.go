package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// writeCauses lists every cause met and every reason a log was not read:
// title, group, count, share, the rules that decided and the remediation,
// each row in a tint of its cause's colour and the cause in the colour.
func writeCauses(b *book, run Run, t *tally) error {
	s, err := newSummaryStyles(b.st)
	if err != nil {
		return err
	}
	g := &grid{f: b.f, st: b.st, sheet: sheetCauses, loc: run.Location}
	headers := []string{"Cause", "Title", "Group", "Failures", "Share", "Rules that fired", "Remediation"}
	for i, w := range []float64{28, 50, 16, 10, 9, 40, 90} {
		g.width(i+1, w)
	}
	for i, h := range headers {
		g.text(1, i+1, h, s.header)
	}
	g.keep(b.f.SetPanes(g.sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	row := 2
	for _, ct := range t.causeList() {
		if err := causeRow(g, run, t, ct, row); err != nil {
			return err
		}
		row++
	}
	if row == 2 {
		g.text(row, 1, "No failures in this window.", 0)
	}
	g.used(max(row-1, 2), len(headers))
	g.fitRows()
	g.dimension()
	if g.err != nil {
		return g.err
	}
	return b.printSetup(g.sheet, g.lastCol, g.lastRow, true)
}

// causeRow writes one cause's row of the Causes sheet.
func causeRow(g *grid, run Run, t *tally, ct *causeTally, row int) error {
	colour := Colour(ct.bucket, run.Causes)
	title, remediation := t.describe(run, ct.bucket)
	cause, err := g.st.causeStyle(colour, false)
	if err != nil {
		return err
	}
	text, err := g.st.get(styleKey{kind: kindText, fill: tint(colour), wrap: true})
	if err != nil {
		return err
	}
	num, err := g.st.get(styleKey{kind: kindNumber, fill: tint(colour)})
	if err != nil {
		return err
	}
	pct, err := g.st.custom("percent-"+tint(colour), &excelize.Style{
		CustomNumFmt: strPtr(percentFormat),
		Fill:         excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{tint(colour)}},
		Alignment:    &excelize.Alignment{Vertical: "top"},
	})
	if err != nil {
		return err
	}
	g.wrapped(row, 1, 1, ct.bucket, cause, false)
	g.wrapped(row, 2, 2, title, text, false)
	g.wrapped(row, 3, 3, groupOf(run, ct.bucket), text, false)
	g.num(row, 4, float64(ct.count), num)
	g.num(row, 5, float64(ct.count)/float64(t.counts.Failures), pct)
	g.wrapped(row, 6, 6, rulesText(ct.rules), text, false)
	g.wrapped(row, 7, 7, remediation, text, false)
	return nil
}

// rulesText lists the rules that decided a cause, most used first:
// "msi-1722 (12), custom-action-exit (3)".
func rulesText(rules map[string]int) string {
	ids := sortedKeys(rules)
	slices.SortStableFunc(ids, func(a, b string) int { return rules[b] - rules[a] })
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%s (%d)", id, rules[id])
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// writeFixed lists the failures of the previous run that have since
// succeeded. It streams them as Failures is: after a night of a million
// failures a fix can bring as many.
func writeFixed(b *book, run Run, sheets []string) error {
	fixed := make([]int, len(run.Fixed)) // an order, not a copy of the failures
	for i := range fixed {
		fixed[i] = i
	}
	slices.SortStableFunc(fixed, func(i, j int) int {
		a, b := run.Fixed[i], run.Fixed[j]
		return cmpStrings(a.CollectionID, b.CollectionID, a.AdvertisementID, b.AdvertisementID, a.Machine, b.Machine)
	})
	cols, rd := fixedColumns(), renderer{run: run}
	cells, widths := make([]cell, len(cols)), make(columnWidths, len(cols))
	for _, i := range fixed {
		rd.fixed(run.Fixed[i], cells)
		widths.add(cells, cols)
	}
	tb := b.table(sheets, "Fixed", cols, widths, len(run.Fixed), "")
	if err := tb.open(); err != nil {
		return err
	}
	for _, i := range fixed {
		rd.fixed(run.Fixed[i], cells)
		if err := tb.write(cells, Colour(run.Fixed[i].Cause, run.Causes)); err != nil {
			return err
		}
	}
	return tb.finish()
}

// cmpStrings compares pairs of strings in turn: a1 with b1, then a2 with b2...
func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}
