package report

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"smsfail"
)

// tally is what the first pass over the results learns: the counts for the
// Summary, the causes met, the collections, the column widths the streamed
// sheets need before their first row, and whether the results already come
// in the workbook's order.
type tally struct {
	counts      smsfail.Counts
	sorted      bool
	collections map[string]*collectionTally
	causes      map[string]*causeTally
	marks       map[string]int // results per history status
	late        int            // results from before the window, found by looking back
	lateFrom    time.Time      // the earliest of them
	kept        int            // results whose log was copied beside the workbook
	failures    columnWidths
	unreachable columnWidths
}

type collectionTally struct {
	id, name string
	total    int
	byBucket map[string]int
}

type causeTally struct {
	bucket      string
	count       int
	rules       map[string]int
	title       string // from the findings, when the rules in effect have none
	remediation string
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

// tallyResults makes the first pass over results.
func tallyResults(ctx context.Context, run Run, results iter.Seq[smsfail.Result]) (*tally, error) {
	t := &tally{
		counts:      smsfail.Counts{ByBucket: map[string]int{}},
		sorted:      true,
		collections: map[string]*collectionTally{},
		causes:      map[string]*causeTally{},
		marks:       map[string]int{},
	}
	fcols, ucols := failureColumns(run), unreachableColumns()
	t.failures, t.unreachable = make(columnWidths, len(fcols)), make(columnWidths, len(ucols))
	fcells, ucells := make([]cell, len(fcols)), make([]cell, len(ucols))
	rd := renderer{run: run, widthsOnly: true}
	var prev smsfail.Result
	for r := range results {
		if t.counts.Failures%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if t.counts.Failures > 0 && Compare(prev, r) > 0 {
			t.sorted = false
		}
		prev = r
		t.add(run, r)
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

func (t *tally) add(run Run, r smsfail.Result) {
	t.counts.Add(r)
	b := r.Bucket()
	f := r.Failure
	c := t.collections[f.CollectionID]
	if c == nil {
		c = &collectionTally{id: f.CollectionID, byBucket: map[string]int{}}
		t.collections[f.CollectionID] = c
	}
	c.total++
	c.byBucket[b]++
	if n := f.CollectionName; n != "" && (c.name == "" || n < c.name) {
		c.name = n // the same name whatever the order the results come in
	}
	ct := t.causes[b]
	if ct == nil {
		ct = &causeTally{bucket: b, rules: map[string]int{}}
		t.causes[b] = ct
	}
	ct.count++
	if r.Fetch.Kept != "" {
		t.kept++
	}
	if fd := r.Finding; fd != nil {
		if fd.Rule != "" {
			ct.rules[fd.Rule]++
		}
		ct.title = minNonEmpty(ct.title, fd.Title)
		ct.remediation = minNonEmpty(ct.remediation, fd.Remediation)
	}
	if run.Marks != nil {
		status, _ := run.Marks(r)
		t.marks[status]++
	}
	if run.late(f) {
		t.late++
		if t.lateFrom.IsZero() || f.Time.Before(t.lateFrom) {
			t.lateFrom = f.Time
		}
	}
}

func minNonEmpty(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

// collectionList returns the collections met, most failures first.
func (t *tally) collectionList() []*collectionTally {
	list := make([]*collectionTally, 0, len(t.collections))
	for _, c := range t.collections {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b *collectionTally) int {
		if a.total != b.total {
			return b.total - a.total
		}
		return strings.Compare(a.id, b.id)
	})
	return list
}

// causeList returns the Summary's columns: causes read out of logs, most
// frequent first, then no-detail and unclassified, then the logs not read.
func (t *tally) causeList() []*causeTally {
	list := make([]*causeTally, 0, len(t.causes))
	for _, c := range t.causes {
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b *causeTally) int {
		if ra, rb := bucketRank(a.bucket), bucketRank(b.bucket); ra != rb {
			return ra - rb
		}
		if a.count != b.count {
			return b.count - a.count
		}
		return strings.Compare(a.bucket, b.bucket)
	})
	return list
}

func bucketRank(b string) int {
	switch {
	case smsfail.NotRead(b):
		return 3
	case b == smsfail.CauseUnclassified:
		return 2
	case b == smsfail.CauseNoDetail:
		return 1
	}
	return 0
}

// byCount returns the causes most frequent first, whatever their kind.
func (t *tally) byCount() []*causeTally {
	list := t.causeList()
	slices.SortStableFunc(list, func(a, b *causeTally) int { return b.count - a.count })
	return list
}

// describe returns the title and remediation of a Summary column.
func (t *tally) describe(run Run, bucket string) (title, remediation string) {
	if smsfail.NotRead(bucket) {
		o := outcomeInfo(smsfail.Outcome(bucket[len(smsfail.NotReadPrefix):]))
		return o.Title, o.Remediation
	}
	info := run.Causes[bucket]
	title, remediation = info.Title, info.Remediation
	if ct := t.causes[bucket]; ct != nil {
		title = cmp.Or(title, ct.title)
		remediation = cmp.Or(remediation, ct.remediation)
	}
	if title == "" {
		title = fmt.Sprintf("cause %s", bucket)
	}
	return title, remediation
}

// collectionsByID returns the collections met in the order of their IDs,
// the order the Failures sheet lists them in.
func (t *tally) collectionsByID() []*collectionTally {
	list := t.collectionList()
	slices.SortFunc(list, func(a, b *collectionTally) int { return strings.Compare(a.id, b.id) })
	return list
}
