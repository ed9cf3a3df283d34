package report

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/xuri/excelize/v2"

	"smsfail"
)

// Sheet names of the workbook.
const (
	sheetSummary     = "Summary"
	sheetFailures    = "Failures"
	sheetUnreachable = "Unreachable"
	sheetCauses      = "Causes"
	sheetMatrix      = "Causes per collection"
	sheetFixed       = "Fixed"
)

// perCollectionRowLimit bounds the rows the per-collection sheets repeat.
// excelize keeps a streamed sheet in memory until the workbook is saved
// unless its XML outgrows 16 MB, and a site's collections rarely do: each
// row costs about 1.5 KB, three times that while the buffers grow and the
// garbage waits. At 200,000 rows in 20 collections the peak was 970 MB; at
// this many, within the 250 MB the workbook is allowed. Past it the filter
// buttons of Failures serve as well.
const perCollectionRowLimit = 20_000

// book is a workbook being built.
type book struct {
	f           *excelize.File
	st          *styles
	names       *sheetNames
	perRow      int // data rows per sheet; maxDataRows but in tests
	perCollRows int // failures past which no sheet per collection is made
	footer      string
}

// layout is the sheets decided before any is written.
type layout struct {
	failures    []string
	unreachable []string
	fixed       []string            // none without history
	perColl     map[string][]string // collection ID → its sheets, when made
	perCollNote string              // why there are per-collection sheets or not
}

// build fills the workbook: the sheets in the order admins read them, the
// streamed ones in one pass over the results in order.
func (b *book) build(ctx context.Context, run Run, t *tally, ord *order, results iter.Seq[smsfail.Result]) error {
	b.st, b.names, b.footer = newStyles(b.f), newSheetNames(), footerText(run)
	if b.perRow <= 0 {
		b.perRow = maxDataRows
	}
	if b.perCollRows <= 0 {
		b.perCollRows = perCollectionRowLimit
	}
	if err := b.f.SetSheetName("Sheet1", b.names.name(sheetSummary, "")); err != nil {
		return err
	}
	lay, err := b.createSheets(run, t)
	if err != nil {
		return err
	}
	if err := b.stream(ctx, run, t, ord, results, lay); err != nil {
		return err
	}
	if err := writeSummary(b, run, t, lay); err != nil {
		return fmt.Errorf("cannot write the Summary sheet: %w", err)
	}
	if err := writeCauses(b, run, t); err != nil {
		return fmt.Errorf("cannot write the Causes sheet: %w", err)
	}
	if err := writeMatrixSheet(b, run, t); err != nil {
		return fmt.Errorf("cannot write the %s sheet: %w", sheetMatrix, err)
	}
	if len(lay.fixed) > 0 {
		if err := writeFixed(b, run, lay.fixed); err != nil {
			return fmt.Errorf("cannot write the Fixed sheet: %w", err)
		}
	}
	if err := writeTrendSheets(b, run); err != nil {
		return err
	}
	// The Summary, first, is the active sheet already. SetActiveSheet would
	// read every sheet back, the streamed ones included, into memory.
	return b.properties(run)
}

// properties names the tool and its version as the workbook's author and
// application, where Excel's File > Info and Explorer's details show them.
func (b *book) properties(run Run) error {
	version := cmp.Or(run.Version, smsfail.Version())
	tool := creator + " " + version
	props := &excelize.DocProperties{
		Title:          cellText("smsfail report " + run.Site),
		Subject:        "Failed deployments and their causes",
		Creator:        tool,
		LastModifiedBy: tool,
		Description:    cellText(describeRun(run, tool)),
		Version:        version,
	}
	if !run.Finished.IsZero() {
		// The run's time, not the clock's: the same run gives the same bytes.
		props.Created = run.Finished.UTC().Format(time.RFC3339)
		props.Modified = props.Created
	}
	if err := b.f.SetDocProps(props); err != nil {
		return err
	}
	return b.f.SetAppProps(&excelize.AppProperties{Application: "smsfail"})
}

// describeRun says what the workbook reports on, for its description.
func describeRun(run Run, tool string) string {
	const layout = "2006-01-02 15:04"
	d := "Failed deployments"
	if run.Site != "" {
		d += " at " + run.Site
	}
	if !run.Since.IsZero() && !run.Until.IsZero() {
		d += ", " + run.Since.In(run.Location).Format(layout) + " to " + run.Until.In(run.Location).Format(layout) + " (" + run.Location.String() + ")"
	}
	return d + ", written by " + tool + "."
}

// creator is the workbook's creator in its document properties: how
// CheckReplaceable knows a workbook smsfail wrote.
const creator = "smsfail"

// createSheets adds every sheet in workbook order and decides which
// per-collection sheets there are.
func (b *book) createSheets(run Run, t *tally) (*layout, error) {
	lay := &layout{perColl: map[string][]string{}}
	lay.failures = b.numbered(sheetFailures, sheetsFor(t.counts.Failures, b.perRow))
	lay.unreachable = b.numbered(sheetUnreachable, sheetsFor(t.counts.NotRead, b.perRow))
	add := []string{}
	add = append(add, lay.failures...)
	add = append(add, lay.unreachable...)
	add = append(add, b.names.name(sheetCauses, ""), b.names.name(sheetMatrix, ""))
	if len(run.Fixed) > 0 {
		lay.fixed = b.numbered(sheetFixed, sheetsFor(len(run.Fixed), b.perRow))
		add = append(add, lay.fixed...)
	}
	add = append(add, b.trendSheets(run)...)
	add = append(add, b.perCollectionSheets(run, t, lay)...)
	for _, name := range add {
		if _, err := b.f.NewSheet(name); err != nil {
			return nil, fmt.Errorf("cannot add sheet %q: %w", name, err)
		}
	}
	return lay, nil
}

// perCollectionSheets names the sheets of each collection, if the run
// makes them, and says why it does or not.
func (b *book) perCollectionSheets(run Run, t *tally, lay *layout) []string {
	n := len(t.collections)
	switch {
	case run.PerCollectionSheets <= 0:
		lay.perCollNote = "not made (turned off)"
		return nil
	case n == 0:
		lay.perCollNote = "none: no failures"
		return nil
	case n > run.PerCollectionSheets:
		lay.perCollNote = fmt.Sprintf("not made: %d collections, more than the %d configured", n, run.PerCollectionSheets)
		return nil
	case t.counts.Failures > b.perCollRows:
		lay.perCollNote = fmt.Sprintf("not made: %d failures, more than %d; filter the Failures sheet", t.counts.Failures, b.perCollRows)
		return nil
	}
	lay.perCollNote = "one sheet per collection, after Causes"
	var all []string
	for _, c := range t.collectionsByID() {
		first := b.names.name(c.name, collectionFallback(c.id))
		names := []string{first}
		for i := 2; i <= sheetsFor(c.total, b.perRow); i++ {
			names = append(names, b.names.name(fmt.Sprintf("%s (%d)", first, i), ""))
		}
		lay.perColl[c.id] = names
		all = append(all, names...)
	}
	return all
}

func collectionFallback(id string) string {
	if id == "" {
		return "No collection"
	}
	return id
}

// numbered names n sheets for one table: "Failures", "Failures (2)", ...
func (b *book) numbered(base string, n int) []string {
	names := []string{b.names.name(base, "")}
	for i := 2; i <= n; i++ {
		names = append(names, b.names.name(fmt.Sprintf("%s (%d)", base, i), ""))
	}
	return names
}

// switchCollection returns the table of collection id, finishing the one
// before it when the collection changes.
func (b *book) switchCollection(cur *streamTable, sheets []string, c *collectionTally, seen map[string]bool, cols []column, widths columnWidths) (*streamTable, error) {
	if cur != nil && cur.sheets[0] == sheets[0] {
		return cur, nil
	}
	if cur != nil {
		if err := cur.finish(); err != nil {
			return nil, err
		}
	}
	if seen[c.id] {
		return nil, errResultsChanged
	}
	seen[c.id] = true
	tb := b.table(sheets, fmt.Sprintf("Collection%d", len(seen)), cols, widths, c.total, "")
	return tb, tb.open()
}

func (b *book) table(sheets []string, name string, cols []column, widths columnWidths, rows int, empty string) *streamTable {
	return &streamTable{b: b, f: b.f, st: b.st, sheets: sheets, table: name, cols: cols, widths: widths, perRows: b.perRow, rows: rows, empty: empty}
}
