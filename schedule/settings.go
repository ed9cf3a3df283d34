package schedule

import (
	"errors"
	"time"

	"smsfail"
)

// Settings say when `smsfail serve` runs the job: the schedule section of
// the configuration file.
type Settings struct {
	Cron     string        `yaml:"cron"`     // 5 fields or a descriptor, optionally after CRON_TZ=Zone
	TimeZone string        `yaml:"timezone"` // the zone Cron is read in; the site's when empty
	Grace    time.Duration `yaml:"grace"`    // see Options.Grace
	// Location is TimeZone loaded, set when the configuration loads.
	Location *time.Location `yaml:"-"`
}

// DefaultSettings: no schedule, ten minutes' grace.
func DefaultSettings() Settings { return Settings{Grace: 10 * time.Minute} }

// Check finds the settings that cannot work, Cron read in Location; the
// keys are those of the schedule section.
func (s Settings) Check() error {
	var es smsfail.SettingErrors
	if s.Cron != "" && s.Location != nil {
		if err := Parse(s.Cron, s.Location); err != nil {
			es.Add("cron", "%q is not a cron schedule (5 fields like \"30 6 * * *\", @daily, @every 12h, optionally after CRON_TZ=Europe/London): %v", s.Cron, errors.Unwrap(err))
		}
	}
	es.Positive("grace", s.Grace)
	return es.Err()
}
