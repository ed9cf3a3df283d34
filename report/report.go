// Package report writes the Excel workbook admins open every morning: a
// Summary of the run with causes per collection and a chart, every failure
// with its evidence, the hosts whose log could not be read, the causes met
// and, for sites with few collections, a sheet per collection.
//
// The workbook is built from values only (smsfail.Result and a Run), streamed
// so that a million failures fit in a bounded amount of memory, and written
// to a temporary file that is renamed into place: a crash or a cancelled run
// never leaves a half-written workbook under the final name.
package report

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"time"

	"smsfail"
)

// Run describes the run a workbook reports on. Only Location,
// PerCollectionSheets, Causes and the history fields change what the sheets
// hold; the rest is shown on the Summary as given.
type Run struct {
	Site   string    // site code and name, as the Summary should show it
	Since  time.Time // the window the site database was asked about
	Until  time.Time
	Filter string // what was asked for: advertisements, collections, exit codes
	Route  string // which query route answered: messages, client-status

	Started  time.Time
	Finished time.Time

	// Location is the site's time zone: every date in the workbook is shown
	// as a wall-clock time there. Nil means UTC.
	Location *time.Location

	// PerCollectionSheets makes a sheet per collection when the run met at
	// most this many collections; 0 never does.
	PerCollectionSheets int

	// Causes gives title, remediation and group per cause id, from the rules
	// in effect. A cause met but missing here is shown with the title and
	// remediation its findings carry.
	Causes map[string]CauseInfo

	// Marks tells, per result, what the nightly history knows of it: status
	// MarkNew or MarkRecurring, and for how many nights it has failed.
	// Nil when there is no history: the workbook then has no history columns.
	Marks func(smsfail.Result) (status string, nights int)
	// Fixed lists failures of the previous run that have since succeeded.
	Fixed []FixedFailure
	// Previous holds the counts of the previous run, for the change since
	// then; nil when there was none.
	Previous *smsfail.Counts
	// ChartCauses is how many causes, the most frequent, the Summary's
	// chart and matrix show apart; the others are folded into "other".
	// DefaultChartCauses when zero.
	ChartCauses int

	// LinkBase is where the folder holding the workbook is published, a
	// UNC path or a URL, such as \\SMSSRV\reports$\KID-2026-12-03-072107:
	// the Log copy links point there, so they work wherever the workbook
	// is opened, the copy attached to a mail too. "" links relative to
	// the workbook, which works only beside its logs folder.
	LinkBase string

	// Version is the tool's version the workbook's properties give;
	// smsfail.Version() when empty.
	Version string

	// Lookback is where a nightly run began reading, before Since, for
	// failures that reached the site database late; zero when it did not.
	// A failure from before Since is then marked late, and the Summary
	// says how many there were.
	Lookback time.Time
	// Trend is the history's last nights, for the Trend sheet; nil
	// makes none.
	Trend *Trend
	// Progress is every advertisement of the night with how far it has
	// got, for the Progress sheet and the Summary; none makes neither.
	Progress []DeploymentProgress
}

// late reports whether f is from before the window: a failure that a
// night looking back found arriving late.
func (run Run) late(f smsfail.Failure) bool {
	return !run.Lookback.IsZero() && f.Time.Before(run.Since)
}

// CauseInfo is what the rules in effect say about a cause id.
type CauseInfo struct {
	Title       string
	Remediation string
	// Group is the family of causes it belongs to, shown on the Causes
	// sheet.
	Group string
	// Colour is the cause's colour, "RRGGBB", in the chart, the rows, the
	// matrix and the mail; "" derives one from the cause's id.
	Colour string
}

// History statuses a Run.Marks function returns.
const (
	MarkNew       = "new"
	MarkRecurring = "recurring"
	// lateMark follows the status of a failure that arrived late.
	lateMark = " (late)"
)

// FixedFailure is a failure the previous run reported that the site has
// since seen succeed.
type FixedFailure struct {
	Machine           string
	AdvertisementID   string
	AdvertisementName string
	CollectionID      string
	CollectionName    string
	Cause             string    // the cause it had when it last failed
	LastFailed        time.Time // its latest failure
	Fixed             time.Time // when success was seen; zero when unknown
	Nights            int       // nights it had been reported failing
}

// Compare orders results as the workbook lists them: by collection,
// advertisement and machine, machine names ignoring ASCII case as Windows
// does. Sorting the results with
// slices.SortStableFunc(rs, report.Compare) before Write lets Write stream
// them in a single pass.
func Compare(a, b smsfail.Result) int {
	if c := cmp.Compare(a.Failure.CollectionID, b.Failure.CollectionID); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Failure.AdvertisementID, b.Failure.AdvertisementID); c != 0 {
		return c
	}
	return compareFold(a.Failure.Machine, b.Failure.Machine)
}

// compareFold compares a and b as strings.Compare does on their ASCII
// upper case, without making the upper-case copies: it runs for every pair
// of neighbouring results.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if 'a' <= ca && ca <= 'z' {
			ca -= 'a' - 'A'
		}
		if 'a' <= cb && cb <= 'z' {
			cb -= 'a' - 'A'
		}
		if ca != cb {
			return cmp.Compare(ca, cb)
		}
	}
	return cmp.Compare(len(a), len(b))
}

// Write writes the workbook for run and results to path. results may be
// iterated several times and must yield the same results each time: once
// to count them and size the columns, once to write them when they come
// sorted by Compare, else once more to order them plus once for every
// 65,536 results. The workbook is written beside path under a temporary
// name and renamed into place; on any error, or when ctx is cancelled,
// nothing is left under the temporary name and whatever was at path is
// untouched. The same run and results give the same bytes.
func Write(ctx context.Context, path string, run Run, results iter.Seq[smsfail.Result]) error {
	return write(ctx, path, run, results, limits{})
}

// limits are the sizes Write works with, made small by tests to reach
// what otherwise takes a million rows.
type limits struct {
	rowsPerSheet int // data rows per sheet; 0 for Excel's maximum
	perCollRows  int // failures past which no sheet per collection is made; 0 for perCollectionRowLimit
	orderChunk   int // results held per pass over unsorted input; 0 for orderChunk
}

func write(ctx context.Context, path string, run Run, results iter.Seq[smsfail.Result], lim limits) error {
	if run.Location == nil {
		run.Location = time.UTC
	}
	t, err := tallyResults(ctx, run, results)
	if err != nil {
		return fmt.Errorf("cannot write workbook %s: %w", path, err)
	}
	ord, err := newOrder(ctx, t, results, lim.orderChunk)
	if err != nil {
		return fmt.Errorf("cannot write workbook %s: %w", path, err)
	}
	err = writeAtomic(ctx, path, func(b *book) error {
		b.perRow, b.perCollRows = lim.rowsPerSheet, lim.perCollRows
		return b.build(ctx, run, t, ord, results)
	})
	if err != nil {
		return fmt.Errorf("cannot write workbook %s: %w", path, err)
	}
	return nil
}
