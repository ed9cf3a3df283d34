package demosite

import (
	"math/rand/v2"
	"slices"
	"time"
)

// Message IDs the generator writes.
const (
	msgReceived       = 10002
	msgStarted        = 10005
	msgFailed         = 10006
	msgSucceeded      = 10008
	msgRebootRequired = 10022
)

// attempt is one run of a program on a client.
type attempt struct {
	start, end time.Time // UTC: 10005 at start, the outcome message at end
}

// assignment is one advertisement on one client and what became of it in
// the window.
type assignment struct {
	c        *client
	ad       *advertisement
	received time.Time // 10002; zero when it arrived before the window
	runs     []attempt // empty: the client was off all week
	exit     int64     // exit code of every run (0: success)
	outcome  int       // message ID of every run's outcome

	// For failures only.
	cause   string // cause id, log-missing, unreachable or bad-host-name
	logPath string // relative, slash-separated; empty when no log was written
}

func (a *assignment) failed() bool { return a.outcome == msgFailed }

// newAssignments decides, advertisement by advertisement and client by
// client, when each program ran and how it ended.
func newAssignments(r *rand.Rand, s *site, days int) []*assignment {
	var as []*assignment
	for _, ad := range s.adverts {
		for _, c := range s.clients {
			if !ad.targetsClient(c) {
				continue
			}
			as = append(as, newAssignment(r, s, ad, c, days))
		}
	}
	forceFailures(s, as)
	return as
}

func newAssignment(r *rand.Rand, s *site, ad *advertisement, c *client, days int) *assignment {
	a := &assignment{c: c, ad: ad}
	if r.Float64() < 0.04 {
		return a // switched off all week: no status at all
	}
	first := firstNight(r, days)
	a.exit, a.outcome = outcome(r, ad.prog)
	a.runs = append(a.runs, nightlyRun(r, s.since, first, a.failed()))
	if received := a.runs[0].start.Add(-time.Duration(1+r.IntN(120)) * time.Minute); !received.Before(s.since) {
		a.received = received
	}
	if a.failed() && ad.prog.recurring && a.exit == 1603 {
		for n := first + 1; n < days; n++ {
			if r.Float64() < 0.85 { // the client is on that night
				a.runs = append(a.runs, nightlyRun(r, s.since, n, true))
			}
		}
	}
	return a
}

// firstNight: most clients run a new advertisement the first night they
// see it; the rest when they are next switched on.
func firstNight(r *rand.Rand, days int) int {
	switch x := r.Float64(); {
	case x < 0.55 || days == 1:
		return 0
	case x < 0.75:
		return 1
	default:
		return r.IntN(days)
	}
}

func outcome(r *rand.Rand, p program) (int64, int) {
	if r.Float64() >= p.failRate {
		if r.Float64() < p.rebootRate {
			return 3010, msgRebootRequired
		}
		return 0, msgSucceeded
	}
	x := r.Float64()
	for _, o := range p.otherCodes {
		if x < o.share {
			return o.code, msgFailed
		}
		x -= o.share
	}
	return 1603, msgFailed
}

// nightlyRun places a run inside night n of the window, so that every
// message of it lies in [since, since+days).
func nightlyRun(r *rand.Rand, since time.Time, n int, failed bool) attempt {
	start := since.Add(time.Duration(n)*24*time.Hour + 30*time.Minute +
		time.Duration(r.Int64N(int64(23*time.Hour))))
	d := time.Duration(120+r.IntN(1380)) * time.Second
	if failed {
		d = time.Duration(20+r.IntN(600)) * time.Second
	}
	start = start.Truncate(time.Millisecond)
	return attempt{start: start, end: start.Add(d + time.Duration(r.IntN(1000))*time.Millisecond)}
}

// forceFailures makes the machine whose name arrived damaged, and one
// whose discovery record is gone, fail the advertisement that targets
// every client, so every site shows both.
func forceFailures(s *site, as []*assignment) {
	for _, a := range as {
		if !a.c.forceFail || a.ad.collectionID != "SMS00001" {
			continue
		}
		if len(a.runs) == 0 {
			a.runs = []attempt{{start: s.since.Add(3 * time.Hour), end: s.since.Add(3*time.Hour + 95*time.Second)}}
		}
		a.exit, a.outcome = 1603, msgFailed
	}
}

// assignCauses decides, for every failure, what its client's log will
// show: first which clients cannot be reached and which logs are gone,
// then a cause for each remaining 1603, covering every cause the site's
// programs can show before repeating any.
func assignCauses(r *rand.Rand, s *site, as []*assignment) {
	failing := slices.DeleteFunc(slices.Clone(as), func(a *assignment) bool { return !a.failed() })
	markUnreachable(r, s, failing)
	used := map[string]bool{}
	missing := 0
	for i, a := range failing {
		switch {
		case a.c.name == s.code+"-??13":
			a.cause = "bad-host-name"
		case a.c.unreachable:
			a.cause = "unreachable"
		case a.exit != 1603:
			a.cause = otherCause(a)
		case (missing == 0 && i >= 3) || r.Float64() < 0.04:
			a.cause = "log-missing"
			missing++
		default:
			a.cause = nextCause(r, a.ad.prog.causes, used)
		}
	}
	ensureLocales(failing)
}

func markUnreachable(r *rand.Rand, s *site, failing []*assignment) {
	marked := 0
	for i, a := range failing {
		if a.c.name == s.code+"-??13" {
			continue
		}
		if (marked == 0 && i >= 5) || r.Float64() < 0.035 {
			a.c.unreachable = true
			marked++
		}
	}
}

func otherCause(a *assignment) string {
	for _, o := range a.ad.prog.otherCodes {
		if o.code == a.exit {
			return o.cause
		}
	}
	return "log-missing"
}

// nextCause returns the first of the program's causes the site has not
// shown yet, else a weighted choice.
func nextCause(r *rand.Rand, ws []weighted, used map[string]bool) string {
	for _, w := range ws {
		if !used[w.cause] {
			used[w.cause] = true
			return w.cause
		}
	}
	return pick(r, ws)
}

// ensureLocales makes sure the site shows a localized MSI log and an
// update.exe log with decimal commas, whatever the dice said.
func ensureLocales(failing []*assignment) {
	var msi, upd *assignment
	russianMSI, commaUpd := false, false
	for _, a := range failing {
		if !a.hasLog() {
			continue
		}
		switch k := a.ad.prog.kind; {
		case k == kindMSIPath || k == kindMSIPolicy:
			russianMSI = russianMSI || a.c.locale == localeRussian
			if msi == nil {
				msi = a
			}
		default:
			commaUpd = commaUpd || a.c.locale != localeEnglish
			if upd == nil {
				upd = a
			}
		}
	}
	if msi != nil && !russianMSI {
		msi.c.locale, msi.c.tzOffset = localeRussian, 3*time.Hour
	}
	if upd != nil && !commaUpd && upd.c.locale == localeEnglish {
		upd.c.locale, upd.c.tzOffset = localeGerman, time.Hour
	}
}

// hasLog reports whether the client's log for this failure is written.
func (a *assignment) hasLog() bool {
	switch a.cause {
	case "", "log-missing", "unreachable", "bad-host-name":
		return false
	}
	return true
}
