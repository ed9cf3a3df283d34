package report

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"

	"smsfail"
)

// orderChunk is how many results a pass over unsorted results holds in
// memory: each pass picks the next orderChunk results of the sorted order.
const orderChunk = 1 << 16

// errResultsChanged reports results that did not yield the same sequence on
// every pass.
var errResultsChanged = errors.New("results changed between passes over them")

// order yields results in the workbook's order (Compare) in bounded memory.
// Results that already come in that order are passed through; otherwise
// the position of every result in the sorted order is computed once, and
// each further pass keeps only the next orderChunk of them. Results that
// compare equal keep the order they came in.
type order struct {
	n     int
	chunk int
	pos   []int32 // sorted position of the i-th result; nil when already sorted
}

func newOrder(ctx context.Context, t *tally, results iter.Seq[smsfail.Result], chunk int) (*order, error) {
	if chunk <= 0 {
		chunk = orderChunk
	}
	o := &order{n: t.counts.Failures, chunk: chunk}
	if t.sorted {
		return o, nil
	}
	type key struct {
		coll, adv int32
		idx       int32
		machine   string
	}
	colls, advs := map[string]int32{}, map[string]int32{}
	keys := make([]key, 0, o.n)
	for r := range results {
		if len(keys)%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if len(keys) == o.n {
			return nil, errResultsChanged
		}
		keys = append(keys, key{intern(colls, r.Failure.CollectionID), intern(advs, r.Failure.AdvertisementID), int32(len(keys)), r.Failure.Machine})
	}
	if len(keys) != o.n {
		return nil, errResultsChanged
	}
	collRank, advRank := ranks(colls), ranks(advs)
	slices.SortFunc(keys, func(a, b key) int {
		if c := collRank[a.coll] - collRank[b.coll]; c != 0 {
			return int(c)
		}
		if c := advRank[a.adv] - advRank[b.adv]; c != 0 {
			return int(c)
		}
		if c := compareFold(a.machine, b.machine); c != 0 {
			return c
		}
		return int(a.idx - b.idx)
	})
	o.pos = make([]int32, o.n)
	for p, k := range keys {
		o.pos[k.idx] = int32(p)
	}
	return o, nil
}

// intern numbers the distinct strings it is given.
func intern(m map[string]int32, s string) int32 {
	i, ok := m[s]
	if !ok {
		i = int32(len(m))
		m[s] = i
	}
	return i
}

// ranks maps each interned number to the rank of its string in sorted order.
func ranks(m map[string]int32) []int32 {
	strs := make([]string, len(m))
	for s, i := range m {
		strs[i] = s
	}
	byName := make([]int32, len(m))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(strs[a], strs[b]) })
	rank := make([]int32, len(m))
	for r, i := range byName {
		rank[i] = int32(r)
	}
	return rank
}

// each calls fn with every result in order.
func (o *order) each(ctx context.Context, results iter.Seq[smsfail.Result], fn func(smsfail.Result) error) error {
	if o.pos == nil {
		return o.passThrough(ctx, results, fn)
	}
	buf := make([]smsfail.Result, min(o.chunk, o.n))
	for lo := 0; lo < o.n; lo += o.chunk {
		hi := min(lo+o.chunk, o.n)
		i := 0
		for r := range results {
			if i%4096 == 0 && ctx.Err() != nil {
				return ctx.Err()
			}
			if i == o.n {
				return errResultsChanged
			}
			if p := int(o.pos[i]); p >= lo && p < hi {
				buf[p-lo] = r
			}
			i++
		}
		if i != o.n {
			return errResultsChanged
		}
		for _, r := range buf[:hi-lo] {
			if err := fn(r); err != nil {
				return err
			}
		}
		clear(buf)
	}
	return nil
}

func (o *order) passThrough(ctx context.Context, results iter.Seq[smsfail.Result], fn func(smsfail.Result) error) error {
	i := 0
	var prev smsfail.Result
	for r := range results {
		if i%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if i == o.n || (i > 0 && Compare(prev, r) > 0) {
			return errResultsChanged
		}
		if err := fn(r); err != nil {
			return err
		}
		prev = r
		i++
	}
	if i != o.n {
		return fmt.Errorf("%w: %d results, then %d", errResultsChanged, o.n, i)
	}
	return nil
}
