package mail

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"sort"
	"strings"
	texttemplate "text/template"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Summary is what the mail tells of a run.
type Summary struct {
	Site          string    // site code or name
	Advertisement string    // the one advertisement a run by hand covered, "" for all
	Date          time.Time // the run's date, for the subject
	Since, Until  time.Time // the window of status messages covered

	Failures     int // failures the site database reported
	Classified   int // logs read and a cause found
	NoDetail     int // logs read that said nothing useful
	Unclassified int // logs read that no rule explained
	Unread       int // logs not read: unreachable, denied, missing, ...
	Unreachable  int // hosts that could not be reached at all

	// Late counts the failures, among Failures, from before the window:
	// a night looking back found them arriving late. LateFrom is the
	// earliest one's time.
	Late     int
	LateFrom time.Time

	Trend       *Trend       // the last nights, from the history; nil without
	Change      *Change      // nil on the first night or for a run by hand
	Collections []Collection // causes per targeted collection

	// OpenAt is where an admin opens the workbook: its path under the
	// published report folder, or its absolute path; Workbook when empty.
	OpenAt string

	// The workbook; Send fills these from the file it is given.
	Workbook     string
	WorkbookSize int64
	Attached     bool
	AttachLimit  int64
	// RelayLimit is the relay's SIZE when the message with the workbook
	// (MessageSize bytes) would not fit in it, or -1 when the relay
	// refused it as too large without announcing a size; 0 otherwise.
	RelayLimit  int64
	MessageSize int64
}

// Change is what changed since the last night.
type Change struct {
	PreviousUntil time.Time // the end of the last night's window
	New           int
	Recurring     int
	Fixed         int
	StillOpen     int // failing on an earlier night, neither seen again nor fixed
	Causes        []CauseChange
}

// CauseChange is one cause's count now and the night before.
type CauseChange struct {
	Cause  string // identifier
	Title  string
	Colour string // "RRGGBB", the cause's colour in the workbook; "" for none
	Now    int
	Before int
}

// Collection is one collection the failing advertisements target.
type Collection struct {
	ID       string
	Name     string
	Failures int
	Causes   []Cause
}

// Cause is one cause's count within a collection.
type Cause struct {
	ID          string
	Title       string
	Colour      string // "RRGGBB", the cause's colour in the workbook; "" for none
	Remediation string
	Count       int
}

// How much of the detail the mail shows; the workbook has all of it.
const (
	maxCollections       = 15
	maxCausesPerColl     = 5
	maxCauseChanges      = 12
	timeLayout           = "2006-01-02 15:04 MST"
	bodyTemplateTextName = "templates/body.txt.tmpl"
	bodyTemplateHTMLName = "templates/body.html.tmpl"
)

//go:embed templates
var templates embed.FS

// view is the summary trimmed and sorted for the templates.
type view struct {
	Summary
	Collections      []Collection
	MoreCollections  int
	Causes           []CauseChange
	MoreCauses       int
	Window           string
	LateFrom         string
	Previous         string
	WorkbookName     string
	WorkbookAt       string // where to open it
	WorkbookSizeText string
	LimitText        string
	RelayLimitText   string
	MessageSizeText  string
}

// Body renders the summary as plain text and HTML.
func Body(s Summary) (text, html string) {
	v := newView(s)
	p := message.NewPrinter(language.English)
	funcs := map[string]any{
		"n":     func(i int) string { return p.Sprintf("%d", i) },
		"delta": func(now, before int) string { return delta(p, now, before) },
		"more":  func(c Collection) int { return len(c.Causes) - min(len(c.Causes), maxCausesPerColl) },
		"top": func(c Collection) []Cause {
			return c.Causes[:min(len(c.Causes), maxCausesPerColl)]
		},
		"label": func(id, name string) string {
			if name == "" {
				return id
			}
			return name + " (" + id + ")"
		},
		"title": func(id, title string) string {
			if title == "" {
				return id
			}
			return title
		},
		"plural": func(n int, word string) string {
			if n == 1 {
				return p.Sprintf("%d %s", n, word)
			}
			return p.Sprintf("%d %ss", n, word)
		},
		"indent": func(s string) string { return strings.ReplaceAll(s, "\n", "\n        ") },
	}
	trendFuncs(p, funcs)
	var tb, hb bytes.Buffer
	tt := texttemplate.Must(texttemplate.New("body.txt.tmpl").Funcs(funcs).ParseFS(templates, bodyTemplateTextName, trendTemplateTextName))
	ht := htmltemplate.Must(htmltemplate.New("body.html.tmpl").Funcs(funcs).ParseFS(templates, bodyTemplateHTMLName, trendTemplateHTMLName))
	// The templates are embedded and their data is plain values: an
	// execution error is a bug in this package, caught by its tests.
	if err := tt.Execute(&tb, v); err != nil {
		panic(err)
	}
	if err := ht.Execute(&hb, v); err != nil {
		panic(err)
	}
	return tb.String(), hb.String()
}

func newView(s Summary) view {
	v := view{Summary: s}
	if !s.Since.IsZero() && !s.Until.IsZero() {
		v.Window = s.Since.Format(timeLayout) + " to " + s.Until.Format(timeLayout)
	}
	if s.Late > 0 && !s.LateFrom.IsZero() {
		v.LateFrom = s.LateFrom.Format(timeLayout)
	}
	colls := append([]Collection(nil), s.Collections...)
	sort.SliceStable(colls, func(i, j int) bool {
		if colls[i].Failures != colls[j].Failures {
			return colls[i].Failures > colls[j].Failures
		}
		return colls[i].ID < colls[j].ID
	})
	for i := range colls {
		causes := append([]Cause(nil), colls[i].Causes...)
		sort.SliceStable(causes, func(a, b int) bool {
			if causes[a].Count != causes[b].Count {
				return causes[a].Count > causes[b].Count
			}
			return causes[a].ID < causes[b].ID
		})
		colls[i].Causes = causes
	}
	v.Collections = colls[:min(len(colls), maxCollections)]
	v.MoreCollections = len(colls) - len(v.Collections)
	if s.Change != nil {
		changes := append([]CauseChange(nil), s.Change.Causes...)
		sort.SliceStable(changes, func(i, j int) bool {
			if changes[i].Now != changes[j].Now {
				return changes[i].Now > changes[j].Now
			}
			if changes[i].Before != changes[j].Before {
				return changes[i].Before > changes[j].Before
			}
			return changes[i].Cause < changes[j].Cause
		})
		v.Causes = changes[:min(len(changes), maxCauseChanges)]
		v.MoreCauses = len(changes) - len(v.Causes)
		if !s.Change.PreviousUntil.IsZero() {
			v.Previous = s.Change.PreviousUntil.Format(timeLayout)
		}
	}
	if s.Workbook != "" {
		v.WorkbookName = baseName(s.Workbook)
		v.WorkbookAt = s.OpenAt
		if v.WorkbookAt == "" {
			v.WorkbookAt = s.Workbook
		}
		v.WorkbookSizeText = size(s.WorkbookSize)
		v.LimitText = size(s.AttachLimit)
		v.RelayLimitText = size(s.RelayLimit)
		v.MessageSizeText = size(s.MessageSize)
	}
	return v
}

// baseName takes the last element of a Windows or Unix path: the job may
// show a UNC path while running on Linux.
func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func delta(p *message.Printer, now, before int) string {
	switch d := now - before; {
	case d > 0:
		return p.Sprintf("+%d", d)
	case d < 0:
		return p.Sprintf("-%d", -d)
	default:
		return "="
	}
}

func size(n int64) string {
	const unit = 1024
	switch {
	case n < unit:
		return message.NewPrinter(language.English).Sprintf("%d bytes", n)
	case n < unit*unit:
		return message.NewPrinter(language.English).Sprintf("%.1f KiB", float64(n)/unit)
	default:
		return message.NewPrinter(language.English).Sprintf("%.1f MiB", float64(n)/(unit*unit))
	}
}
