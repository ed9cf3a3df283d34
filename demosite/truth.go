package demosite

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"smsfail"
)

// Truth is what the generator put in the site: every failing machine and
// advertisement in the window, and what its client's log shows.
type Truth struct {
	Seed     int64     `json:"seed"`
	SiteCode string    `json:"site_code"`
	Now      time.Time `json:"now"`   // end of the window (exclusive)
	Since    time.Time `json:"since"` // start of the window (inclusive)
	Clients  int       `json:"clients"`
	Messages int       `json:"messages"` // rows in v_StatusMessage

	// Failures holds one entry per machine and advertisement that failed
	// in the window, of every exit code, ordered by machine and
	// advertisement. Default gives the ones the job reports by default.
	Failures []TruthFailure `json:"failures"`

	// Oddities counts, by name, the changes Perturb made to the site for
	// each oddity it was asked for (0: no victim was left for it).
	Oddities map[string]int `json:"oddities,omitempty"`
}

// TruthFailure is one machine's failure of one advertisement.
type TruthFailure struct {
	Machine         string    `json:"machine"`     // as the job sees it (v_R_System name when known)
	ResourceID      int64     `json:"resource_id"` // 0: unknown to v_R_System
	AdvertisementID string    `json:"advertisement_id"`
	CollectionID    string    `json:"collection_id"`
	ExitCode        int64     `json:"exit_code"`
	ExitUnknown     bool      `json:"exit_unknown,omitempty"` // no exit code can be read: the job keeps it whatever the filter
	Count           int       `json:"count"`                  // failures in the window
	Time            time.Time `json:"time"`                   // latest failure (UTC)
	// Times are every failure's time (UTC), oldest first: what each
	// night's window holds.
	Times []time.Time `json:"times"`

	// Cause is a cause id from the cause list, or one of the outcomes
	// log-missing, unreachable (no client folder) and bad-host-name (a
	// machine name that must never reach a UNC path).
	Cause string          `json:"cause"`
	Log   string          `json:"log,omitempty"` // slash-separated, relative to the site folder
	Kind  smsfail.LogKind `json:"kind,omitempty"`
	Lang  string          `json:"lang,omitempty"` // en, de (decimal comma), ru (localized MSI)
}

// Default returns the failures with exit code 1603, which the job reports
// without a filter.
func (t *Truth) Default() []TruthFailure { return t.WithExitCode(1603) }

// WithExitCode returns the failures with one exit code, and those whose
// exit code cannot be read, which the job keeps whatever it filters.
func (t *Truth) WithExitCode(code int64) []TruthFailure {
	var out []TruthFailure
	for _, f := range t.Failures {
		if f.ExitCode == code || f.ExitUnknown {
			out = append(out, f)
		}
	}
	return out
}

// ReadTruth reads the truth.json a generation wrote.
func ReadTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the demo site's truth: %w", err)
	}
	var t Truth
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("cannot decode %s: %w", path, err)
	}
	return &t, nil
}

func newTruth(opts Options, s *site, as []*assignment, messages int) *Truth {
	t := &Truth{Seed: opts.Seed, SiteCode: s.code, Now: s.now, Since: s.since,
		Clients: len(s.clients), Messages: messages, Failures: []TruthFailure{}}
	for _, a := range as {
		if !a.failed() || len(a.runs) == 0 {
			continue
		}
		f := TruthFailure{
			Machine: hostName(a.c), AdvertisementID: a.ad.id, CollectionID: a.ad.collectionID,
			ExitCode: a.exit, Count: len(a.runs), Time: msgTime(a.runs[len(a.runs)-1].end),
			Cause: a.cause, Log: a.logPath, Lang: langOf(a.c),
		}
		for _, run := range a.runs {
			f.Times = append(f.Times, msgTime(run.end))
		}
		if a.c.known {
			f.ResourceID = a.c.resourceID
		}
		if a.hasLog() {
			f.Kind = smsfail.KindUpdateExe
			if k := a.ad.prog.kind; k == kindMSIPath || k == kindMSIPolicy {
				f.Kind = smsfail.KindMSIVerbose
			}
		}
		t.Failures = append(t.Failures, f)
	}
	t.sortFailures()
	return t
}

func (t *Truth) sortFailures() {
	slices.SortFunc(t.Failures, func(x, y TruthFailure) int {
		if c := strings.Compare(strings.ToUpper(x.Machine), strings.ToUpper(y.Machine)); c != 0 {
			return c
		}
		return strings.Compare(x.AdvertisementID, y.AdvertisementID)
	})
}

func langOf(c *client) string {
	switch c.locale {
	case localeGerman:
		return "de"
	case localeRussian:
		return "ru"
	}
	return "en"
}
