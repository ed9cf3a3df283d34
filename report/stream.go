package report

import (
	"context"
	"iter"

	"golang.org/x/sync/errgroup"

	"smsfail"
)

// rowBatch is how many rows pass at a time from the goroutine that reads
// and renders the results to the one that writes them.
const rowBatch = 512

// row is one result rendered for the streamed sheets.
type row struct {
	failure []cell
	unreach []cell // nil when the log was read
	colour  string // the cause's
	coll    string // collection ID
}

// stream writes Failures, Unreachable and the per-collection sheets in
// one pass over the results in order. Reading and rendering the results
// runs beside the stream writer, which takes most of the time; results
// come grouped by collection, so at most one per-collection sheet is open
// at a time.
func (b *book) stream(ctx context.Context, run Run, t *tally, ord *order, results iter.Seq[smsfail.Result], lay *layout) error {
	g, ctx := errgroup.WithContext(ctx)
	full := make(chan []row, 4)
	free := make(chan []row, 6)
	g.Go(func() error {
		defer close(full)
		return produceRows(ctx, run, t, ord, results, full, free)
	})
	g.Go(func() error {
		return b.consumeRows(ctx, run, t, lay, full, free)
	})
	return g.Wait()
}

// produceRows renders the results in order into batches of rows.
func produceRows(ctx context.Context, run Run, t *tally, ord *order, results iter.Seq[smsfail.Result], full chan<- []row, free <-chan []row) error {
	nf, nu := len(failureColumns(run)), len(unreachableColumns())
	rd := renderer{run: run}
	colours := map[string]string{} // by cause: derived once, not per row
	batch := newBatch(free)
	send := func() error {
		select {
		case full <- batch:
			batch = newBatch(free)
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	err := ord.each(ctx, results, func(r smsfail.Result) error {
		batch = batch[:len(batch)+1]
		rw := &batch[len(batch)-1]
		if len(rw.failure) != nf {
			rw.failure, rw.unreach = make([]cell, nf), make([]cell, nu)
		}
		bucket := r.Bucket()
		colour, ok := colours[bucket]
		if !ok {
			colour = Colour(bucket, run.Causes)
			colours[bucket] = colour
		}
		rw.colour, rw.coll = colour, r.Failure.CollectionID
		rd.failure(r, rw.failure)
		rw.unreach = rw.unreach[:0]
		if smsfail.NotRead(bucket) {
			rw.unreach = rw.unreach[:nu]
			rd.unreachable(r, rw.unreach)
		}
		if len(batch) == cap(batch) {
			return send()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = send()
	}
	return err
}

// newBatch takes an empty batch back from the writer, or makes one.
func newBatch(free <-chan []row) []row {
	select {
	case b := <-free:
		return b[:0]
	default:
		return make([]row, 0, rowBatch)
	}
}

// consumeRows writes the batches of rows to the streamed sheets.
func (b *book) consumeRows(ctx context.Context, run Run, t *tally, lay *layout, full <-chan []row, free chan<- []row) error {
	fcols := failureColumns(run)
	failures := b.table(lay.failures, "Failures", fcols, t.failures, t.counts.Failures, "No failures in this window.")
	unreach := b.table(lay.unreachable, "Unreachable", unreachableColumns(), t.unreachable, t.counts.NotRead, "Every log was read.")
	if err := failures.open(); err != nil {
		return err
	}
	if err := unreach.open(); err != nil {
		return err
	}
	var coll *streamTable
	seen := map[string]bool{}
	for {
		var batch []row
		var ok bool
		select {
		case batch, ok = <-full:
		case <-ctx.Done():
			return ctx.Err()
		}
		if !ok {
			break
		}
		for i := range batch {
			rw := &batch[i]
			if err := failures.write(rw.failure, rw.colour); err != nil {
				return err
			}
			if sheets, ok := lay.perColl[rw.coll]; ok {
				var err error
				if coll, err = b.switchCollection(coll, sheets, t.collections[rw.coll], seen, fcols, t.failures); err != nil {
					return err
				}
				if err := coll.write(rw.failure, rw.colour); err != nil {
					return err
				}
			}
			if len(rw.unreach) > 0 {
				if err := unreach.write(rw.unreach, rw.colour); err != nil {
					return err
				}
			}
		}
		select {
		case free <- batch:
		default:
		}
	}
	for _, tb := range []*streamTable{failures, unreach, coll} {
		if tb != nil {
			if err := tb.finish(); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}
