package mail

import (
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Trend is the last nights at a glance: "is it getting better?".
type Trend struct {
	Nights []TrendNight // oldest first, one per day
	// Causes are the causes the chart draws, most failures first, with
	// "other" last when the rest are summed; Colors gives each its RGB
	// colour ("4472C4"), the same as in the workbook's charts.
	Causes []string
	Colors map[string]string
	Titles map[string]string // a title per cause, where known

	SinceLast  []CauseMove   // causes that moved most since the night before
	OverWindow []CauseMove   // and since the first night of the trend
	Longest    []LongFailure // failures open for the most nights
	Worst      []Deployment  // deployments with the highest failure rate

	// Image is the Content-ID of the chart embedded in the mail; Send
	// sets it when it could draw the chart.
	Image string
}

// TrendNight is one day of the trend.
type TrendNight struct {
	Date                                     time.Time
	State                                    string // "ran", "failed" or "did not run"
	Failures, New, Recurring, Fixed, NotRead int
	Causes                                   map[string]int
}

// Ran reports whether the night wrote its report.
func (n TrendNight) Ran() bool { return n.State == "ran" }

// CauseMove is one cause's failures on two nights.
type CauseMove struct {
	Cause       string
	Before, Now int
}

// LongFailure is a failure open for many nights.
type LongFailure struct {
	Machine, AdvertisementID, Cause string
	Nights                          int
}

// Deployment is an advertisement's progress.
type Deployment struct {
	AdvertisementID, Name                  string
	Targeted, Succeeded, Failed, NotReport int
	Rate                                   float64  // failure rate, 0 to 1
	PreviousRate                           *float64 // the night before; nil when unknown
}

// mailTrendNights is how many nights the text of the mail lists; the
// chart shows them all.
const mailTrendNights = 7

// headline is a count of the last night with its change since the night
// that ran before it.
type headline struct {
	Label  string
	Now    int
	Change string // "+3", "-2", "="; "" with no night before
}

// trendView is what the templates show of the trend.
type trendView struct {
	*Trend
	Last      *TrendNight
	Headlines []headline
	Recent    []TrendNight // the last nights, newest first
	TopCauses []CauseMove  // the last night's causes with their change
}

func newTrendView(t *Trend) *trendView {
	if t == nil || len(t.Nights) == 0 {
		return nil
	}
	v := &trendView{Trend: t}
	var last, before *TrendNight
	for i := len(t.Nights) - 1; i >= 0; i-- {
		n := &t.Nights[i]
		if len(v.Recent) < mailTrendNights {
			v.Recent = append(v.Recent, *n)
		}
		if !n.Ran() {
			continue
		}
		if last == nil {
			last = n
		} else if before == nil {
			before = n
		}
	}
	v.Last = last
	if last == nil {
		return v
	}
	p := message.NewPrinter(language.English)
	for _, h := range []struct {
		label string
		get   func(TrendNight) int
	}{
		{"failures", func(n TrendNight) int { return n.Failures }},
		{"new", func(n TrendNight) int { return n.New }},
		{"recurring", func(n TrendNight) int { return n.Recurring }},
		{"fixed", func(n TrendNight) int { return n.Fixed }},
		{"logs not read", func(n TrendNight) int { return n.NotRead }},
	} {
		hl := headline{Label: h.label, Now: h.get(*last)}
		if before != nil {
			hl.Change = delta(p, hl.Now, h.get(*before))
		}
		v.Headlines = append(v.Headlines, hl)
	}
	for _, c := range t.Causes {
		m := CauseMove{Cause: c, Now: causeCount(t, *last, c)}
		if before != nil {
			m.Before = causeCount(t, *before, c)
		}
		if m.Now > 0 {
			v.TopCauses = append(v.TopCauses, m)
		}
	}
	return v
}

// causeCount is a night's failures of a charted cause, "other" summing
// the causes not charted.
func causeCount(t *Trend, n TrendNight, cause string) int {
	if cause != "other" {
		return n.Causes[cause]
	}
	sum := 0
	for c, k := range n.Causes {
		charted := false
		for _, tc := range t.Causes {
			charted = charted || tc == c
		}
		if !charted {
			sum += k
		}
	}
	return sum
}

// Templates of the trend's part of the body.
const (
	trendTemplateTextName = "templates/trend.txt.tmpl"
	trendTemplateHTMLName = "templates/trend.html.tmpl"
)

// trendFuncs adds what the trend's templates use.
func trendFuncs(p *message.Printer, funcs map[string]any) {
	funcs["trendView"] = newTrendView
	funcs["day"] = func(t time.Time) string { return t.Format("2006-01-02 Mon") }
	funcs["pct"] = func(r float64) string { return p.Sprintf("%.1f%%", 100*r) }
	funcs["points"] = func(now float64, before *float64) string {
		return p.Sprintf("%+.1f points", 100*(now-*before))
	}
	funcs["color"] = func(v *trendView, cause string) string {
		if c, ok := v.Colors[cause]; ok {
			return c
		}
		return "A0A0A0"
	}
	funcs["causeTitle"] = func(v *trendView, cause string) string {
		if t := v.Titles[cause]; t != "" {
			return t + " (" + cause + ")"
		}
		return cause
	}
}
