package demosite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// message is one status message of an advertised program.
type message struct {
	time    time.Time
	id      int
	a       *assignment
	variant insVariant
}

// insVariant is how a client laid out the insertion strings of a 10006.
type insVariant uint8

const (
	insPlain   insVariant = iota // adv, package, program, exit code
	insExtra                     // ... and the user context after the exit code
	insShifted                   // user context at index 3, exit code at 4
)

// programMessages lists every message of every assignment in time order.
func programMessages(r *rand.Rand, as []*assignment) []message {
	var ms []message
	failures := 0
	for _, a := range as {
		if !a.received.IsZero() {
			ms = append(ms, message{time: a.received, id: msgReceived, a: a})
		}
		for _, run := range a.runs {
			ms = append(ms, message{time: run.start, id: msgStarted, a: a})
			m := message{time: run.end, id: a.outcome, a: a}
			if a.outcome == msgFailed {
				m.variant = failureVariant(r, failures)
				failures++
			}
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(x, y message) int { return x.time.Compare(y.time) })
	return ms
}

// failureVariant makes a few clients lay out their insertion strings
// differently, as real sites show, so a reader that trusts one position
// blindly goes wrong here.
func failureVariant(r *rand.Rand, n int) insVariant {
	switch {
	case n == 2:
		return insShifted
	case n == 4:
		return insExtra
	}
	switch x := r.Float64(); {
	case x < 0.015:
		return insShifted
	case x < 0.03:
		return insExtra
	}
	return insPlain
}

func (m message) insertionStrings() []string {
	a := m.a
	pkg := a.ad.packageID
	if !a.c.newerAttrs {
		pkg = a.ad.packageName // older clients name the package instead
	}
	s := []string{a.ad.id, pkg, a.ad.programName}
	code := strconv.FormatInt(a.exit, 10)
	switch {
	case m.id == msgRebootRequired:
		s = append(s, code)
	case m.id != msgFailed:
	case m.variant == insExtra:
		s = append(s, code, `NT AUTHORITY\SYSTEM`)
	case m.variant == insShifted:
		s = append(s, `NT AUTHORITY\SYSTEM`, code)
	default:
		s = append(s, code)
	}
	return s
}

// background gives the messages of other components that fill the table
// between the program messages, in time order: the query must skip them.
type background struct {
	r      *rand.Rand
	s      *site
	n, i   int
	start  time.Time
	stride float64
}

type backgroundKind struct {
	id        int
	component string
	server    bool
	text      string
}

var backgroundKinds = []backgroundKind{
	{500, "SMS_DISTRIBUTION_MANAGER", true, "SMS_DISTRIBUTION_MANAGER"},
	{502, "SMS_POLICY_PROVIDER", true, "SMS_POLICY_PROVIDER"},
	{2703, "SMS_INVENTORY_DATA_LOADER", true, "MIF"},
	{10203, "Inventory Agent", false, "Hardware"},
	{10204, "Inventory Agent", false, "Software"},
	{10402, "Software Metering Agent", false, "usage"},
	{10600, "Client Health", false, "ccmexec"},
}

func newBackground(r *rand.Rand, s *site, n int) *background {
	span := float64(s.now.Sub(s.since))
	stride := 0.0
	if n > 0 {
		stride = span / float64(n)
	}
	return &background{r: r, s: s, n: n, start: s.since, stride: stride}
}

// peek returns the time of the next background message, or false when
// there is none left.
func (b *background) peek() (time.Time, bool) {
	if b.i >= b.n {
		return time.Time{}, false
	}
	return msgTime(b.start.Add(time.Duration(float64(b.i) * b.stride))), true
}

// msgWriter writes status messages with their attributes and insertion
// strings, numbering them as the site server would.
type msgWriter struct {
	msgs, attrs, ins *inserter
	site             string
	record           int64
	written          int
}

func newMsgWriter(ctx context.Context, tx *sql.Tx, site string) (*msgWriter, error) {
	// ConfigMgr numbers records from 2^56 on (bigint): past int32, as a
	// reader must expect.
	w := &msgWriter{site: site, record: 1 << 56}
	var err error
	if w.msgs, err = newInserter(ctx, tx, "v_StatusMessage", 10); err != nil {
		return nil, err
	}
	if w.attrs, err = newInserter(ctx, tx, "v_StatMsgAttributes", 4); err != nil {
		return nil, err
	}
	if w.ins, err = newInserter(ctx, tx, "v_StatMsgInsStrings", 3); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *msgWriter) program(ctx context.Context, m message) error {
	w.record++
	w.written++
	sev, typ := severityInformational, typeMilestone
	switch m.id {
	case msgFailed:
		sev = severityError
	case msgReceived:
		typ = typeDetail
	}
	t := msgTime(m.time)
	if err := w.msgs.add(ctx, w.record, m.id, m.a.c.reported, t, w.site, "Software Distribution",
		"SMS Client", sev, typ, 0); err != nil {
		return err
	}
	id := func(s string) string {
		if m.a.c.lowerIDs {
			return strings.ToLower(s)
		}
		return s
	}
	if err := w.attrs.add(ctx, w.record, 401, id(m.a.ad.id), t); err != nil {
		return err
	}
	if m.a.c.newerAttrs {
		if err := w.attrs.add(ctx, w.record, 400, id(m.a.ad.packageID), t); err != nil {
			return err
		}
		if err := w.attrs.add(ctx, w.record, 402, id(m.a.ad.collectionID), t); err != nil {
			return err
		}
	}
	for i, v := range m.insertionStrings() {
		if err := w.ins.add(ctx, w.record, i, v); err != nil {
			return err
		}
	}
	return nil
}

func (w *msgWriter) background(ctx context.Context, b *background, t time.Time) error {
	b.i++
	w.record++
	w.written++
	k := backgroundKinds[b.r.IntN(len(backgroundKinds))]
	machine := b.s.server
	if !k.server {
		machine = b.s.clients[b.r.IntN(len(b.s.clients))].reported
	}
	if err := w.msgs.add(ctx, w.record, k.id, machine, t, w.site, k.component,
		"SMS Client", severityInformational, typeMilestone, 0); err != nil {
		return err
	}
	return w.ins.add(ctx, w.record, 0, k.text)
}

func (w *msgWriter) close(ctx context.Context) error {
	for _, in := range []*inserter{w.msgs, w.attrs, w.ins} {
		if err := in.close(ctx); err != nil {
			return err
		}
	}
	return nil
}

// writeMessages writes the program messages merged in time with the
// background, which fills the table up to total messages (0: a light
// background of two messages per client and day).
func writeMessages(ctx context.Context, tx *sql.Tx, r *rand.Rand, s *site, ms []message, total, days int) (int, error) {
	n := total - len(ms)
	if total == 0 {
		n = 2 * len(s.clients) * days
	}
	w, err := newMsgWriter(ctx, tx, s.code)
	if err != nil {
		return 0, err
	}
	bg := newBackground(r, s, max(n, 0))
	for _, m := range ms {
		for t, ok := bg.peek(); ok && !t.After(m.time); t, ok = bg.peek() {
			if err := w.background(ctx, bg, t); err != nil {
				return 0, err
			}
		}
		if err := w.program(ctx, m); err != nil {
			return 0, err
		}
		if w.written%10000 == 0 && ctx.Err() != nil {
			return 0, fmt.Errorf("cannot finish the status messages: %w", ctx.Err())
		}
	}
	for t, ok := bg.peek(); ok; t, ok = bg.peek() {
		if err := w.background(ctx, bg, t); err != nil {
			return 0, err
		}
	}
	return w.written, w.close(ctx)
}
