package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// writeCauses lists every cause met and every reason a log was not read:
// title, group (coloured as in Failures), count, share, the rules that
// decided and the remediation.
func writeCauses(b *book, run RunInfo, t *tally) error {
	s, err := newSummaryStyles(b.st)
	if err != nil {
		return err
	}
	g := &grid{f: b.f, st: b.st, sheet: sheetCauses, loc: run.Location}
	headers := []string{"Cause", "Title", "Group", "Failures", "Share", "Rules that fired", "Remediation"}
	for i, h := range headers {
		g.text(1, i+1, h, s.header)
	}
	for i, w := range []float64{28, 50, 16, 10, 9, 40, 90} {
		g.width(i+1, w)
	}
	g.keep(b.f.SetPanes(sheetCauses, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
	row := 2
	for _, ct := range t.causeList() {
		title, remediation := t.Describe(ct.bucket)
		group := groupOf(run, ct.bucket)
		text, err := b.st.get(styleKey{kind: kindText, fill: fillOf(t.groups, group), wrap: true})
		if err != nil {
			return err
		}
		num, err := b.st.get(styleKey{kind: kindNumber, fill: fillOf(t.groups, group)})
		if err != nil {
			return err
		}
		pct, err := b.st.custom("percent-"+fillOf(t.groups, group), &excelize.Style{
			CustomNumFmt: strPtr(percentFormat),
			Fill:         excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{fillOf(t.groups, group)}},
			Alignment:    &excelize.Alignment{Vertical: "top"},
		})
		if err != nil {
			return err
		}
		g.text(row, 1, ct.bucket, text)
		g.text(row, 2, title, text)
		g.text(row, 3, group, text)
		g.num(row, 4, float64(ct.count), num)
		g.num(row, 5, float64(ct.count)/float64(t.counts.Failures), pct)
		g.text(row, 6, rulesText(ct.rules), text)
		g.paragraph(row, 7, remediation, text)
		row++
	}
	if row == 2 {
		g.text(row, 1, "No failures in this window.", 0)
	}
	return g.err
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
func writeFixed(b *book, run RunInfo, sheets []string) error {
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
	tb := b.table(sheets, "Fixed", cols, widths, "")
	if err := tb.open(); err != nil {
		return err
	}
	for _, i := range fixed {
		rd.fixed(run.Fixed[i], cells)
		if err := tb.write(cells, ""); err != nil {
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
