package history

import "fmt"

// Retention of the nights' failures (state.keep_nights).
const (
	// DefaultKeepNights is a year of nights and a margin.
	DefaultKeepNights = 400
	// MinKeepNights keeps the failures a night looks back through for
	// late messages (failures.late, at most 90 days), with a margin.
	MinKeepNights = 100
	maxKeepNights = 100_000
)

// CheckKeepNights says why n cannot be RunSpec.KeepNights from the
// configuration, or "" when it can.
func CheckKeepNights(n int) string {
	if n != 0 && (n < MinKeepNights || n > maxKeepNights) {
		return fmt.Sprintf("must be 0 (keep every night) or between %d and %d: a night looks back up to 90 days for late failures (got %d)",
			MinKeepNights, maxKeepNights, n)
	}
	return ""
}
