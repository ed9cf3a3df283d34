package fetch

import "context"

// await runs a blocking call and returns when it does or ctx ends; a
// result that arrives too late is released with drop.
func await[T any](ctx context.Context, call func() (T, error), drop func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := call()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		go func() {
			if r := <-done; r.err == nil && drop != nil {
				drop(r.v)
			}
		}()
		var zero T
		return zero, ctx.Err()
	}
}
