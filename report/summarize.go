package report

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"

	"smsfail"
)

// Summary is what a run found, counted in one pass over its results: the
// workbook's Summary sheet, the mail and the terminal all show this one,
// so their numbers agree by construction.
type Summary struct {
	counts      smsfail.Counts
	collections map[string]*collectionTally
	causes      map[string]*causeTally
	marks       map[smsfail.MarkStatus]int // results per history status
	late        int                        // results from before the window, found by looking back
	lateFrom    time.Time                  // the earliest of them
	kept        int                        // results whose log was copied beside the workbook
	hosts       map[string]bool            // hosts that could not be reached, upper case
	info        map[string]CauseInfo       // what the rules in effect say of each cause
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

// Summarize counts results for run: the counts, the causes met and the
// collections, the failures that arrived late and, with run.Marks, how
// many are new and recurring.
func Summarize(ctx context.Context, run RunInfo, results iter.Seq[smsfail.Result]) (*Summary, error) {
	s := newSummary(run)
	for r := range results {
		if s.counts.Failures%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.add(run, r)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

func newSummary(run RunInfo) *Summary {
	return &Summary{
		counts:      smsfail.Counts{ByBucket: map[string]int{}},
		collections: map[string]*collectionTally{},
		causes:      map[string]*causeTally{},
		marks:       map[smsfail.MarkStatus]int{},
		hosts:       map[string]bool{},
		info:        run.Causes,
	}
}

func (s *Summary) add(run RunInfo, r smsfail.Result) {
	s.counts.Add(r)
	b := r.Bucket()
	f := r.Failure
	c := s.collections[f.CollectionID]
	if c == nil {
		c = &collectionTally{id: f.CollectionID, byBucket: map[string]int{}}
		s.collections[f.CollectionID] = c
	}
	c.total++
	c.byBucket[b]++
	if n := f.CollectionName; n != "" && (c.name == "" || n < c.name) {
		c.name = n // the same name whatever the order the results come in
	}
	ct := s.causes[b]
	if ct == nil {
		ct = &causeTally{bucket: b, rules: map[string]int{}}
		s.causes[b] = ct
	}
	ct.count++
	if r.Fetch.Kept != "" {
		s.kept++
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
		s.marks[status]++
	}
	if run.late(f) {
		s.late++
		if s.lateFrom.IsZero() || f.Time.Before(s.lateFrom) {
			s.lateFrom = f.Time
		}
	}
	if r.Fetch.Status == smsfail.FetchUnreachable {
		s.hosts[strings.ToUpper(f.Machine)] = true
	}
}

func minNonEmpty(a, b string) string {
	if a == "" || (b != "" && b < a) {
		return b
	}
	return a
}

// Counts are the headline numbers, with the failures per bucket.
func (s *Summary) Counts() smsfail.Counts { return s.counts }

// UnreachableHosts counts the hosts, not the failures, that could not be
// reached.
func (s *Summary) UnreachableHosts() int { return len(s.hosts) }

// Late counts the failures that arrived late, found by a night that looked
// back before its window, and gives the earliest one's time.
func (s *Summary) Late() (n int, earliest time.Time) { return s.late, s.lateFrom }

// CauseCount is one column of the Summary: a cause read out of logs, or a
// reason logs were not read, with the failures counted in it.
type CauseCount struct {
	Bucket      string
	Title       string
	Remediation string
	Count       int
}

// Causes lists the Summary's columns in its order: causes read out of
// logs, most frequent first, then no-detail and unclassified, then the
// logs not read.
func (s *Summary) Causes() []CauseCount {
	list := s.causeList()
	out := make([]CauseCount, len(list))
	for i, ct := range list {
		title, remediation := s.Describe(ct.bucket)
		out[i] = CauseCount{Bucket: ct.bucket, Title: title, Remediation: remediation, Count: ct.count}
	}
	return out
}

// CollectionCount is one collection met, with its failures per bucket.
type CollectionCount struct {
	ID       string
	Name     string
	Failures int
	ByBucket map[string]int
}

// Collections lists the collections met in the order of their IDs.
func (s *Summary) Collections() []CollectionCount {
	list := s.collectionsByID()
	out := make([]CollectionCount, len(list))
	for i, c := range list {
		out[i] = CollectionCount{ID: c.id, Name: c.name, Failures: c.total, ByBucket: c.byBucket}
	}
	return out
}

// collectionList returns the collections met, most failures first.
func (s *Summary) collectionList() []*collectionTally {
	list := make([]*collectionTally, 0, len(s.collections))
	for _, c := range s.collections {
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
func (s *Summary) causeList() []*causeTally {
	list := make([]*causeTally, 0, len(s.causes))
	for _, c := range s.causes {
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
func (s *Summary) byCount() []*causeTally {
	list := s.causeList()
	slices.SortStableFunc(list, func(a, b *causeTally) int { return b.count - a.count })
	return list
}

// Describe gives the title and remediation of a bucket: for a log not
// read, what its fetch outcome means; for a cause, what the rules in
// effect say, else what its findings said, else its id.
func (s *Summary) Describe(bucket string) (title, remediation string) {
	if smsfail.NotRead(bucket) {
		o := outcomeInfo(smsfail.FetchStatus(bucket[len(smsfail.NotReadPrefix):]))
		return o.Title, o.Remediation
	}
	info := s.info[bucket]
	title, remediation = info.Title, info.Remediation
	if ct := s.causes[bucket]; ct != nil {
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
func (s *Summary) collectionsByID() []*collectionTally {
	list := s.collectionList()
	slices.SortFunc(list, func(a, b *collectionTally) int { return strings.Compare(a.id, b.id) })
	return list
}

// Texts are the title, remediation and colour of every cause the rules in
// effect describe, with the causes met that they do not describe titled
// from their findings: what the mail shows of each cause.
func (s *Summary) Texts() map[string]CauseInfo {
	texts := make(map[string]CauseInfo, len(s.info)+len(s.causes))
	maps.Copy(texts, s.info)
	for b, ct := range s.causes {
		if _, ok := texts[b]; ok || ct.title == "" && ct.remediation == "" {
			continue
		}
		texts[b] = CauseInfo{Title: ct.title, Remediation: ct.remediation}
	}
	return texts
}

// Colour is the colour of a Summary column, "RRGGBB", as the workbook
// shows it.
func (s *Summary) Colour(bucket string) string { return Colour(bucket, s.info) }
