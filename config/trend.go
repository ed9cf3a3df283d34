package config

import (
	"fmt"
	"time"
)

// Defaults of the trend and of the history's retention.
const (
	DefaultTrendNights    = 30
	DefaultProgressWindow = 30 * 24 * time.Hour // status messages are kept 30 days by default
	DefaultKeepNights     = 400                 // a year of nights and a margin
	maxTrendNights        = 366
	// minKeepNights keeps the failures a night looks back through for
	// late messages (failures.late, at most 90 days), with a margin.
	minKeepNights = 100
)

// validateTrend checks the trend's settings and the history's retention.
func (c *Config) validateTrend(p *problems) {
	between(p, "report.trend_nights", c.Report.TrendNights, 0, maxTrendNights)
	if w := c.Report.ProgressWindow.D(); w < 24*time.Hour || w > 366*24*time.Hour {
		p.add("report.progress_window", "must be between 1d and 366d (got %s)", formatDays(w))
	}
	if k := c.State.KeepNights; k != 0 && (k < minKeepNights || k > 100_000) {
		p.add("state.keep_nights", "must be 0 (keep every night) or between %d and 100000: a night looks back up to 90 days for late failures (got %d)", minKeepNights, k)
	}
}

// formatDays shows a duration in whole days when it is one.
func formatDays(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
