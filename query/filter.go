package query

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Route is the way failures are read from the site database.
type Route string

// Routes.
const (
	// RouteMessages reads status messages 10006 (and 10007): every SMS and
	// ConfigMgr version has them.
	RouteMessages Route = "messages"
	// RouteClientStatus reads v_ClientAdvertisementStatus, the last state
	// of each client and advertisement (ConfigMgr 2007 and later); cheaper
	// on large sites.
	RouteClientStatus Route = "client-status"
	// RouteAuto takes client-status where the view exists, else messages.
	RouteAuto Route = "auto"
)

// Message IDs of advertised programs the job reads.
const (
	MsgProgramFailed        = 10006 // non-zero exit code
	MsgProgramFailedMIF     = 10007 // a status MIF reported failure
	MsgProgramSucceeded     = 10008
	MsgProgramSucceededMIF  = 10009
	MsgProgramRebootPending = 10022 // success, restart pending (3010, 3011, 1641, 1604)
)

// Filter selects the failures to report.
type Filter struct {
	ExitCodes   []int64 // nil: 1603; a record whose exit code is unknown is always kept
	AnyExitCode bool    // ignore ExitCodes

	MessageIDs []int // failure messages; nil: 10006 (add 10007 for status MIF failures)

	Advertisements []string // advertisement IDs; empty: all
	Collections    []string // targeted collection IDs; empty: all
	SiteCode       string   // empty: all

	Since, Until time.Time // window [Since, Until), compared as UTC; zero Until: now; zero Since: Until - 24 h

	// ExitCodeIndex is the insertion string holding the exit code (0-based).
	// 0 means the default, 3: index 0 holds the advertisement ID.
	ExitCodeIndex int

	machines []string // only these machine names, as the messages give them
	nameless bool     // only the messages without a machine name
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9]{8}$`)

// ValidAdvertisementID reports whether s is an advertisement ID: eight
// letters or digits (a site code and five hex digits, like KID2000A).
func ValidAdvertisementID(s string) bool { return idPattern.MatchString(s) }

// ValidCollectionID reports whether s is a collection ID (SMS00001,
// KID00011).
func ValidCollectionID(s string) bool { return idPattern.MatchString(s) }

var sitePattern = regexp.MustCompile(`^[A-Za-z0-9]{3}$`)

// normalize fills the defaults and checks the values.
func (f Filter) normalize(now time.Time) (Filter, error) {
	if f.ExitCodes == nil {
		f.ExitCodes = []int64{1603}
	}
	if f.MessageIDs == nil {
		f.MessageIDs = []int{MsgProgramFailed}
	}
	if f.ExitCodeIndex == 0 {
		f.ExitCodeIndex = 3
	}
	if f.Until.IsZero() {
		f.Until = now
	}
	if f.Since.IsZero() {
		f.Since = f.Until.Add(-24 * time.Hour)
	}
	f.Since, f.Until = f.Since.UTC(), f.Until.UTC()
	f.Advertisements = upperAll(f.Advertisements)
	f.Collections = upperAll(f.Collections)
	f.SiteCode = strings.ToUpper(f.SiteCode)
	return f, f.check()
}

func (f Filter) check() error {
	switch {
	case !f.Since.Before(f.Until):
		return fmt.Errorf("the window is empty: since %s is not before until %s",
			f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	case f.ExitCodeIndex < 0:
		return fmt.Errorf("exit code index %d is negative", f.ExitCodeIndex)
	case len(f.MessageIDs) == 0:
		return fmt.Errorf("no failure message IDs to read")
	case f.SiteCode != "" && !sitePattern.MatchString(f.SiteCode):
		return fmt.Errorf("site code %q is not three letters or digits", f.SiteCode)
	}
	for _, id := range f.Advertisements {
		if !ValidAdvertisementID(id) {
			return fmt.Errorf("advertisement ID %q is not eight letters or digits (like KID2000A)", id)
		}
	}
	for _, id := range f.Collections {
		if !ValidCollectionID(id) {
			return fmt.Errorf("collection ID %q is not eight letters or digits (like SMS00001)", id)
		}
	}
	return nil
}

func upperAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		out = append(out, strings.ToUpper(strings.TrimSpace(s)))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (f Filter) wantsExitCode(code int64) bool {
	return f.AnyExitCode || slices.Contains(f.ExitCodes, code)
}

// insString is one insertion string of a status message.
type insString struct {
	index int
	value string
}

// readExitCode finds the exit code among a message's insertion strings:
// at the configured index; where that is not an integer, the last
// insertion string that is; else none, with the reason.
func readExitCode(ins []insString, index int) (code int64, ok bool, reason string) {
	for _, s := range ins {
		if s.index == index {
			if c, ok := parseCode(s.value); ok {
				return c, true, ""
			}
		}
	}
	for i := len(ins) - 1; i >= 0; i-- {
		if c, ok := parseCode(ins[i].value); ok {
			return c, true, ""
		}
	}
	if len(ins) == 0 {
		return 0, false, "the message has no insertion strings"
	}
	return 0, false, fmt.Sprintf("no insertion string holds an integer (index %d: %s)", index, describeIndex(ins, index))
}

func describeIndex(ins []insString, index int) string {
	for _, s := range ins {
		if s.index == index {
			return strconv.Quote(s.value)
		}
	}
	return "missing"
}

// parseCode reads an exit code written as decimal (1603, -2147024891) or
// hexadecimal (0x643).
func parseCode(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		v, err := strconv.ParseUint(h, 16, 32)
		return int64(int32(uint32(v))), err == nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
