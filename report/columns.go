package report

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"smsfail"
)

// cellKind says how a value is stored, so that nothing is left to guessing:
// IDs and names stay text whatever they look like, numbers are numbers and
// times are dates.
type cellKind uint8

const (
	kindEmpty cellKind = iota
	kindText
	kindNumber
	kindDate
	kindLink  // a HYPERLINK() formula built by the job, showing text
	kindCause // a cause id, shown in the cause's own colour
)

// cell is one value of a row before it becomes an Excel cell.
type cell struct {
	kind    cellKind
	text    string  // kindText, kindLink: what the cell shows
	formula string  // kindLink
	num     int64   // kindNumber
	date    float64 // kindDate, as an Excel serial
}

func textCell(s string) cell {
	if s == "" {
		return cell{}
	}
	return cell{kind: kindText, text: cellText(s)}
}

func numberCell(n int64) cell { return cell{kind: kindNumber, num: n} }

func causeCell(id string) cell {
	c := textCell(id)
	if c.kind == kindText {
		c.kind = kindCause
	}
	return c
}

func (c cell) width(limit int) int {
	switch c.kind {
	case kindText, kindLink, kindCause:
		return displayWidth(c.text, limit)
	case kindNumber:
		var buf [24]byte
		return len(strconv.AppendInt(buf[:0], c.num, 10))
	case kindDate:
		return len("2006-01-02 15:04:05")
	}
	return 0
}

// column is one column of a streamed sheet.
type column struct {
	header string
	max    int // widest the column is made, in characters
}

// failureColumns lists the Failures sheet's columns; the history columns
// are there only when the run has history.
func failureColumns(run Run) []column {
	cols := []column{
		{"Collection ID", 12}, {"Collection", 40}, {"Advertisement ID", 12}, {"Advertisement", 40},
		{"Package ID", 12}, {"Package", 40}, {"Program", 30}, {"Machine", 20}, {"Domain", 16},
		{"Operating system", 36}, {"Latest failure (" + run.Location.String() + ")", 19},
		{"Exit code", 12}, {"Failures", 8}, {"Cause", 26}, {"Cause title", 50},
		{"Codes", 40}, {"Failing action", 30}, {"Evidence", 90}, {"Remediation", 70},
		{"Log copy", 50}, {"Log path", 60},
	}
	if run.Marks != nil {
		cols = append(cols, column{"History", 16}, column{"Nights", 7})
	}
	return cols
}

// renderer turns results into rows. The first pass over the results only
// measures the rows, and skips what has no bearing on a column's width.
type renderer struct {
	run        Run
	widthsOnly bool
}

// failure fills cells with the Failures row of r.
func (rd renderer) failure(r smsfail.Result, cells []cell) {
	run := rd.run
	f := r.Failure
	b := r.Bucket()
	title, remediation := causeText(run, r, b)
	cells[0], cells[1] = textCell(f.CollectionID), textCell(f.CollectionName)
	cells[2], cells[3] = textCell(f.AdvertisementID), textCell(f.AdvertisementName)
	cells[4], cells[5] = textCell(f.PackageID), textCell(packageName(f))
	cells[6], cells[7] = textCell(f.ProgramName), textCell(f.Machine)
	cells[8], cells[9] = textCell(f.Domain), textCell(f.OS)
	cells[10] = rd.date(f.Time)
	cells[11] = cell{}
	if f.ExitCodeKnown {
		cells[11] = numberCell(f.ExitCode)
	}
	cells[12], cells[13] = numberCell(int64(f.Count)), causeCell(b)
	cells[14], cells[15] = textCell(title), textCell(codesText(r.Finding))
	cells[16], cells[17] = textCell(actionText(r.Finding)), textCell(evidenceText(r))
	cells[18], cells[19] = textCell(remediation), rd.link(r.Fetch.Kept)
	cells[20] = textCell(r.Fetch.UNC)
	if run.Marks != nil {
		status, nights := run.Marks(r)
		if run.late(f) {
			status += lateMark
		}
		cells[21], cells[22] = textCell(status), cell{}
		if nights > 0 {
			cells[22] = numberCell(int64(nights))
		}
	}
}

// causeText returns the title and remediation shown for r: the rules' in
// effect, else the finding's own, else what the fetch outcome means.
func causeText(run Run, r smsfail.Result, bucket string) (title, remediation string) {
	if smsfail.NotRead(bucket) {
		o := outcomeInfo(r.Fetch.Outcome)
		return o.Title, o.Remediation
	}
	info := run.Causes[bucket]
	title, remediation = info.Title, info.Remediation
	if r.Finding != nil {
		title = cmp.Or(title, r.Finding.Title)
		remediation = cmp.Or(remediation, r.Finding.Remediation)
	}
	if r.Fetch.Outcome == smsfail.OutcomeTruncated {
		title += " (log read up to the size cap)"
	}
	return title, remediation
}

func packageName(f smsfail.Failure) string {
	if f.PackageVersion == "" {
		return f.PackageName
	}
	return f.PackageName + " " + f.PackageVersion
}

// codesText lists a finding's codes: "extended 0xf01e; masked 0x643".
func codesText(fd *smsfail.Finding) string {
	if fd == nil || len(fd.Codes) == 0 {
		return ""
	}
	var b strings.Builder
	for i, c := range fd.Codes {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Kind)
		b.WriteByte(' ')
		b.WriteString(c.Value)
	}
	return b.String()
}

func actionText(fd *smsfail.Finding) string {
	if fd == nil {
		return ""
	}
	return fd.Action
}

// evidenceText returns the key evidence of r: the first line of the
// finding's evidence with its line number, or why the log was not read.
func evidenceText(r smsfail.Result) string {
	if r.Finding == nil {
		return r.Fetch.Error
	}
	if len(r.Finding.Evidence) == 0 {
		return ""
	}
	e := r.Finding.Evidence[0]
	return "line " + strconv.Itoa(e.Line) + ": " + e.Text
}

// date shows t as a date in the run's time zone; a time Excel cannot
// show (zero, before 1901) leaves the cell empty.
func (rd renderer) date(t time.Time) cell {
	if rd.widthsOnly {
		return cell{kind: kindDate} // every date is as wide
	}
	if n, ok := excelDate(t, rd.run.Location); ok {
		return cell{kind: kindDate, date: n}
	}
	return cell{}
}

// link links to the kept copy of a log: where the run's folder is
// published when it is, else relative to the workbook. A path the formula
// cannot carry is shown as text, without a link.
func (rd renderer) link(kept string) cell {
	if kept == "" {
		return cell{}
	}
	if rd.widthsOnly {
		return textCell(kept) // shown the same, link or not
	}
	if f, ok := linkFormula(kept, rd.run.LinkBase); ok {
		return cell{kind: kindLink, text: kept, formula: f}
	}
	return textCell(kept)
}

// unreachableColumns lists the Unreachable sheet's columns.
func unreachableColumns() []column {
	return []column{
		{"Machine", 20}, {"Domain", 16}, {"Collection ID", 12}, {"Collection", 40},
		{"Advertisement ID", 12}, {"Advertisement", 40}, {"Outcome", 16}, {"Error", 90},
		{"Log path", 60}, {"Tried", 19},
	}
}

// unreachable fills cells with the Unreachable row of r.
func (rd renderer) unreachable(r smsfail.Result, cells []cell) {
	f := r.Failure
	cells[0], cells[1] = textCell(f.Machine), textCell(f.Domain)
	cells[2], cells[3] = textCell(f.CollectionID), textCell(f.CollectionName)
	cells[4], cells[5] = textCell(f.AdvertisementID), textCell(f.AdvertisementName)
	cells[6], cells[7] = textCell(string(r.Fetch.Outcome)), textCell(r.Fetch.Error)
	cells[8], cells[9] = textCell(r.Fetch.UNC), rd.date(r.Fetch.Tried)
}

// fixedColumns lists the Fixed sheet's columns.
func fixedColumns() []column {
	return []column{
		{"Machine", 20}, {"Collection ID", 12}, {"Collection", 40}, {"Advertisement ID", 12},
		{"Advertisement", 40}, {"Cause", 26}, {"Last failed", 19}, {"Fixed", 19}, {"Nights failing", 8},
	}
}

// fixed fills cells with the Fixed row of fx.
func (rd renderer) fixed(fx FixedFailure, cells []cell) {
	cells[0], cells[1] = textCell(fx.Machine), textCell(fx.CollectionID)
	cells[2], cells[3] = textCell(fx.CollectionName), textCell(fx.AdvertisementID)
	cells[4], cells[5] = textCell(fx.AdvertisementName), causeCell(fx.Cause)
	cells[6], cells[7], cells[8] = rd.date(fx.LastFailed), rd.date(fx.Fixed), cell{}
	if fx.Nights > 0 {
		cells[8] = numberCell(int64(fx.Nights))
	}
}
