package query

import (
	"database/sql"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"smsfail"
)

// groupKey identifies a machine and advertisement the way the site
// database compares them: case-insensitively (SQL_Latin1_General_CP1_CI_AS),
// trailing spaces ignored (SQL Server pads to equal length before it
// compares).
func groupKey(machine, advert string) string {
	return strings.ToUpper(strings.TrimSpace(machine)) + "\x00" + strings.ToUpper(strings.TrimSpace(advert))
}

func str(s sql.NullString) string { return strings.TrimSpace(s.String) }

// candidate is one failure of a machine and advertisement as one route
// read it, with why its exit code is unknown when it is.
type candidate struct {
	fl     smsfail.Failure
	reason string
}

// merger gathers a route's failures by machine and advertisement, however
// they reached it (the messages of a name written in two cases, two
// current records of one name, the view and the messages of a machine the
// view does not know), and hands on one failure per key: the latest, under
// the name v_R_System has, counted once over all of them.
type merger struct {
	byKey map[string]*candidate
	skips map[string]int // rows left out, by reason
	log   *slog.Logger
}

func newMerger(log *slog.Logger) *merger {
	return &merger{byKey: map[string]*candidate{}, skips: map[string]int{}, log: log}
}

// countMode says how the counts of two candidates of one key add up.
type countMode int

const (
	countSum countMode = iota // disjoint messages: add
	countMax                  // the same messages counted twice (the view's rows): the larger
)

func (m *merger) add(c candidate, mode countMode) {
	k := groupKey(c.fl.Machine, c.fl.AdvertisementID)
	old, ok := m.byKey[k]
	if !ok {
		m.byKey[k] = &c
		return
	}
	n := old.fl.Count + c.fl.Count
	if mode == countMax {
		n = max(old.fl.Count, c.fl.Count)
	}
	latest, other := old, &c
	if later(c.fl, old.fl) {
		latest, other = &c, old
	}
	merged := *latest
	if merged.fl.ResourceID == 0 && other.fl.ResourceID != 0 {
		merged.fl.Machine, merged.fl.ResourceID = other.fl.Machine, other.fl.ResourceID
		merged.fl.Domain, merged.fl.OS = other.fl.Domain, other.fl.OS
	}
	merged.fl.Count = n
	m.byKey[k] = &merged
}

// later: the later failure; at the same time, the one v_R_System knows,
// then the later message.
func later(a, b smsfail.Failure) bool {
	if c := a.Time.Compare(b.Time); c != 0 {
		return c > 0
	}
	if (a.ResourceID != 0) != (b.ResourceID != 0) {
		return a.ResourceID != 0
	}
	return a.RecordID > b.RecordID
}

// deliver hands on the failures the filter wants, ordered by machine and
// advertisement, and logs how many rows were left out.
func (m *merger) deliver(f Filter, fn func(smsfail.Failure) error) error {
	if n := sum(m.skips); n > 0 {
		args := []any{"rows", n}
		for _, r := range slices.Sorted(maps.Keys(m.skips)) {
			args = append(args, r, m.skips[r])
		}
		m.log.Warn("site database: rows skipped that could not be read", args...)
	}
	for _, k := range slices.Sorted(maps.Keys(m.byKey)) {
		c := m.byKey[k]
		fl := c.fl
		if !fl.ExitCodeKnown {
			m.log.Warn("site database: exit code unknown, failure kept", "machine", fl.Machine,
				"advertisement", fl.AdvertisementID, "record", fl.RecordID, "reason", c.reason)
		} else if !f.wantsExitCode(fl.ExitCode) {
			continue
		}
		if fl.Machine == "" {
			m.log.Warn("site database: failure without a machine name kept as a report row", "advertisement", fl.AdvertisementID,
				"record", fl.RecordID, "count", fl.Count)
		}
		if err := fn(fl); err != nil {
			return err
		}
	}
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// scanRow reads a row into dest, whose elements are sql.Null* values. A
// cell that cannot be read as its column's type (a RecordID held as text,
// a time the driver could not parse) is read leniently, and where that
// fails too it becomes NULL: its index is returned, and the row is judged
// without it rather than stopping the night.
func scanRow(rows *sqlx.Rows, dest []any) (bad []int, raw []any, err error) {
	if err := rows.Scan(dest...); err == nil {
		return nil, nil, nil
	}
	raw = make([]any, len(dest))
	ptrs := make([]any, len(dest))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, nil, err
	}
	for i, d := range dest {
		if !lenient(d, raw[i]) {
			bad = append(bad, i)
		}
	}
	return bad, raw, nil
}

// lenient assigns v to d (a *sql.NullInt64, *sql.NullString or
// *sql.NullTime), reading numbers and times written as text; it leaves d
// NULL and reports false when v cannot be read.
func lenient(d any, v any) bool {
	s, _ := d.(sql.Scanner)
	if s == nil {
		return false
	}
	if err := s.Scan(v); err == nil {
		return true
	}
	_ = s.Scan(nil)
	text := strings.TrimSpace(fmt.Sprint(v))
	if b, ok := v.([]byte); ok {
		text = strings.TrimSpace(string(b))
	}
	switch d := d.(type) {
	case *sql.NullInt64:
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			*d = sql.NullInt64{Int64: n, Valid: true}
			return true
		}
	case *sql.NullTime:
		if t, ok := parseTime(text); ok {
			*d = sql.NullTime{Time: t, Valid: true}
			return true
		}
	}
	return false
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04", "2006-01-02",
}

// parseTime reads a time a site stored as text; without a zone it is UTC,
// as the views' times are.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSuffix(s, "Z")
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// badCells logs the cells of a row that could not be read and were taken
// as NULL, naming the columns and a short form of what they held.
func badCells(log *slog.Logger, what string, cols []string, bad []int, raw []any) {
	for _, i := range bad {
		v := fmt.Sprint(raw[i])
		if b, ok := raw[i].([]byte); ok {
			v = string(b)
		}
		log.Warn("site database: value that cannot be read taken as NULL", "in", what, "column", cols[i],
			"value", shorten(v, 40))
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d bytes)", len(s))
}
