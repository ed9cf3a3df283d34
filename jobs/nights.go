package jobs

import (
	"fmt"
	"time"

	"smsfail"
)

// Nights are the settings of the nightly series, from the failures
// section of the configuration file.
type Nights struct {
	// Window is how far back a nightly run looks when no earlier night
	// says where to start; 24 hours when zero.
	Window time.Duration `yaml:"window"`
	// Late is how far before its window a nightly run also reads, for
	// failures that reached the site database after the night their time
	// belongs to had run (a client off the network sends its messages
	// when it returns); the failures the nights already reported are left
	// out. Zero, or no History, reads no further back; a run by hand
	// never does.
	Late time.Duration `yaml:"late"`
}

// DefaultNights: a day's window, three days looked back for late failures.
func DefaultNights() Nights { return Nights{Window: 24 * time.Hour, Late: 3 * 24 * time.Hour} }

// MaxLate is the longest look back for late failures: the longest a site
// is likely to keep status messages.
const MaxLate = 90 * 24 * time.Hour

// Check finds the settings that cannot work; the keys are those of the
// failures section.
func (n Nights) Check() error {
	var es smsfail.SettingErrors
	es.Positive("window", n.Window)
	// Status messages are kept 30 days by default; reading further back
	// every night costs query time and finds nothing the site still has.
	if n.Late > MaxLate {
		es.Add("late", "must be at most %s: the site database keeps status messages 30 days by default (got %s; 0 turns the look back off)",
			days(MaxLate), days(n.Late))
	}
	return es.Err()
}

// days writes a duration in whole days when it is some, as the file does.
func days(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
