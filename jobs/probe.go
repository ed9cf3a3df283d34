package jobs

import (
	"context"
	"time"

	"smsfail"
	"smsfail/query"
)

// Failures is the query stage alone: the failures of the configured filter
// in [since, until), for `smsfail check` to prove the site database with
// the very query a run sends.
func (j *Job) Failures(ctx context.Context, since, until time.Time) ([]smsfail.Failure, query.Route, error) {
	f := j.Filter
	f.Since, f.Until = since.UTC(), until.UTC()
	return j.query(ctx, f)
}

// Read is the fetch and classify stages alone, without keeping the logs
// read, for `smsfail check` to prove the log source on a few failures.
func (j *Job) Read(ctx context.Context, failures []smsfail.Failure) []smsfail.Result {
	return j.fetchAndClassify(ctx, failures, "")
}
