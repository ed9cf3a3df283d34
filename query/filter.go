package query

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"smsfail"
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

// Filter selects the failures to report: the failures section of the
// configuration file, with the window a run adds.
type Filter struct {
	ExitCodes   []int64 `yaml:"exit_codes"` // nil: 1603; a record whose exit code is unknown is always kept
	AnyExitCode bool    `yaml:"-"`          // ignore ExitCodes

	MessageIDs []int `yaml:"message_ids"` // failure messages; nil: 10006 (add 10007 for status MIF failures)

	Advertisements []string `yaml:"advertisements"` // advertisement IDs; empty: all
	Collections    []string `yaml:"collections"`    // targeted collection IDs; empty: all
	SiteCode       string   `yaml:"site_code"`      // empty: all

	Since, Until time.Time `yaml:"-"` // window [Since, Until), compared as UTC; zero Until: now; zero Since: Until - 24 h

	// ExitCodeIndex is the insertion string holding the exit code (0-based).
	// 0 means the default, 3: index 0 holds the advertisement ID.
	ExitCodeIndex int `yaml:"exit_code_index"`

	machines []string // only these machine names, as the messages give them
	nameless bool     // only the messages without a machine name
}

// DefaultFilter is the filter an empty failures section gives: exit code
// 1603 in message 10006, read from insertion string 3.
func DefaultFilter() Filter {
	return Filter{ExitCodes: []int64{1603}, MessageIDs: []int{MsgProgramFailed}, ExitCodeIndex: 3}
}

// Check finds the values of f that cannot select a failure; the keys are
// those of the failures section.
func (f Filter) Check() error {
	var es smsfail.SettingErrors
	if len(f.ExitCodes) == 0 && !f.AnyExitCode {
		es.Add("exit_codes", "give at least one exit code (1603 is the usual one)")
	}
	for i, id := range f.MessageIDs {
		if id != MsgProgramFailed && id != MsgProgramFailedMIF {
			es.Add(fmt.Sprintf("message_ids[%d]", i), "%d is not a program-failure message (10006 exit code, 10007 status MIF)", id)
		}
	}
	if len(f.MessageIDs) == 0 {
		es.Add("message_ids", "give at least one message ID (10006)")
	}
	for i, id := range f.Advertisements {
		if !ValidAdvertisementID(id) {
			es.Add(fmt.Sprintf("advertisements[%d]", i), "%q is not an advertisement ID (8 letters or digits, like KID2000A)", id)
		}
	}
	for i, id := range f.Collections {
		if !ValidCollectionID(id) {
			es.Add(fmt.Sprintf("collections[%d]", i), "%q is not a collection ID (8 letters or digits, like KID00012)", id)
		}
	}
	if err := CheckSiteCode(f.SiteCode); err != "" {
		es.Add("site_code", "%s", err)
	}
	// The query reads index 0 as "the default", so 0 cannot be passed on.
	if f.ExitCodeIndex == 0 {
		es.Add("exit_code_index", "insertion string 0 holds the advertisement ID, never the exit code: give 1 to 20 (3, the default, is where clients put it)")
	} else {
		es.Between("exit_code_index", f.ExitCodeIndex, 1, 20)
	}
	return es.Err()
}

// CheckSiteCode says what is wrong with a site code, "" when it is one
// or is empty.
func CheckSiteCode(code string) string {
	if code != "" && !sitePattern.MatchString(code) {
		return fmt.Sprintf("%q is not a site code (3 letters or digits, like KID)", code)
	}
	return ""
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
	d := DefaultFilter()
	if f.ExitCodes == nil {
		f.ExitCodes = d.ExitCodes
	}
	if f.MessageIDs == nil {
		f.MessageIDs = d.MessageIDs
	}
	if f.ExitCodeIndex == 0 {
		f.ExitCodeIndex = d.ExitCodeIndex
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

// check is Check and a window that holds some time.
func (f Filter) check() error {
	if !f.Since.Before(f.Until) {
		return fmt.Errorf("the window is empty: since %s is not before until %s",
			f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	if err := f.Check(); err != nil {
		return fmt.Errorf("cannot select failures: %w", err)
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
