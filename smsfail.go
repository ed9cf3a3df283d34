// Package smsfail holds the values that pass between the stages of the job:
// the failures the site database reports (query), what reading each client's
// log gave (fetch), and the cause read out of it (classify). The report and
// the mail are built from Results.
package smsfail

import (
	"iter"
	"strings"
	"time"
)

// Failure is the latest failure of one advertised program on one machine,
// as the site database tells it.
type Failure struct {
	Machine    string // NetBIOS name as the client reported it
	ResourceID int64  // 0 when the machine is unknown to v_R_System
	Domain     string
	OS         string
	SiteCode   string

	AdvertisementID   string
	AdvertisementName string
	PackageID         string
	PackageName       string
	PackageVersion    string
	ProgramName       string
	CommandLine       string
	CollectionID      string
	CollectionName    string

	ExitCode      int64
	ExitCodeKnown bool      // false when no insertion string held an integer
	Time          time.Time // latest failure, UTC
	Count         int       // failures of this advertisement on this machine in the window
	RecordID      int64     // status message of the latest failure (0 on the client-status route)
}

// Key identifies a failure: one machine, one advertisement.
func (f Failure) Key() string { return f.Machine + "\x00" + f.AdvertisementID }

// FetchStatus says what became of the attempt to read a client's log.
type FetchStatus string

// Statuses of reading a log. Only FetchOK and FetchTruncated carry a
// Finding; the others are reported apart from causes.
const (
	FetchOK           FetchStatus = "ok"
	FetchTruncated    FetchStatus = "log-too-large" // read up to the cap, classified on what was read
	FetchUnreachable  FetchStatus = "unreachable"   // refused, timeout, no route, name not resolved
	FetchAccessDenied FetchStatus = "access-denied" // logon failure, share permission
	FetchShareMissing FetchStatus = "share-missing"
	FetchLogMissing   FetchStatus = "log-missing"
	FetchReadError    FetchStatus = "read-error"
	FetchBadHost      FetchStatus = "bad-host-name" // never fetched: the name cannot be part of a UNC path
	FetchNotTried     FetchStatus = "not-tried"     // the run was cancelled before this host's turn
)

// Read reports whether the log's content reached classification.
func (o FetchStatus) Read() bool { return o == FetchOK || o == FetchTruncated }

// Fetch is what reading one failing client's log gave.
type Fetch struct {
	Status  FetchStatus
	Error   string    // the underlying error, for every status but FetchOK
	UNC     string    // the log's path as an admin would type it: \\HOST\admin$\svcpack.log
	Kept    string    // the kept copy, relative to the run's folder (slash-separated); empty if none
	Size    int64     // bytes read
	ModTime time.Time // the log's last write time on the client, when known
	Tried   time.Time
	// Via names the reader when the source handed the host to another,
	// as the SMB source does with a host speaking SMB 1 only ("smbclient
	// ... as DOMAIN\user"); empty otherwise.
	Via string
}

// Evidence is one line of a log that supports a finding.
type Evidence struct {
	Line int    `json:"line"` // 1-based line number in the decoded log
	Text string `json:"text"`
}

// Code is one code found in a log, such as an update.exe extended error
// code or an MSI error number.
type Code struct {
	Kind  string `json:"kind"` // extended, masked, msi-error, system-error, action-exit, hresult, return-value
	Value string `json:"value"`
	Text  string `json:"text,omitempty"` // what the code means, from the embedded tables
}

// LogKind is the kind of log, detected from its content.
type LogKind string

// Log kinds.
const (
	KindUpdateExe  LogKind = "update-exe"  // svcpack.log, KB*.log
	KindMSIVerbose LogKind = "msi-verbose" // MSI verbose log
	KindMSIEvent   LogKind = "msi-event"   // MsiInstaller event-log text
	KindUnknown    LogKind = "unknown"
)

// Finding is the cause read out of one log, with what proved it.
type Finding struct {
	Kind        LogKind    `json:"kind"`
	Cause       string     `json:"cause"` // a cause identifier: catalog-install-failed, custom-action-failed, ...
	Title       string     `json:"title"`
	Remediation string     `json:"remediation"`
	Codes       []Code     `json:"codes"`
	Action      string     `json:"action,omitempty"` // the failing MSI action
	Evidence    []Evidence `json:"evidence"`
	Rule        string     `json:"rule"`       // id of the rule that decided
	Confidence  string     `json:"confidence"` // how directly the evidence decided: high, medium, low
}

// Cause identifiers the job itself decides, apart from the rules.
const (
	CauseNoDetail     = "no-detail"
	CauseUnclassified = "unclassified"
)

// MarkStatus is what the history says of a failure against the failures
// still open from earlier nights.
type MarkStatus string

// Mark statuses.
const (
	MarkNew       MarkStatus = "new"       // not open before this run
	MarkRecurring MarkStatus = "recurring" // reported by an earlier night and not fixed since
)

// Result is one failure carried through the whole job.
type Result struct {
	Failure Failure
	Fetch   Fetch
	Finding *Finding // nil unless Fetch.Status.Read()
}

// NotReadPrefix marks the bucket of a failure whose log could not be read:
// "not read: unreachable". It keeps fetch outcomes apart from the causes
// read out of logs ("access-denied" is both).
const NotReadPrefix = "not read: "

// Bucket is the one column of a summary a result is counted in: the cause
// read out of its log (unclassified when no rule decided), else
// NotReadPrefix and the fetch outcome. The workbook, the history and the
// mail all count by it, so their numbers agree.
func (r Result) Bucket() string {
	switch {
	case r.Finding != nil && r.Finding.Cause != "":
		return r.Finding.Cause
	case r.Finding != nil || r.Fetch.Status.Read():
		return CauseUnclassified
	case r.Fetch.Status == "":
		return NotReadPrefix + "unknown"
	}
	return NotReadPrefix + string(r.Fetch.Status)
}

// NotRead reports whether a bucket is that of a log that was not read.
func NotRead(bucket string) bool { return strings.HasPrefix(bucket, NotReadPrefix) }

// Counts are a run's headline numbers.
type Counts struct {
	Failures     int // failures the site database reported
	Classified   int // logs read and a cause found
	NoDetail     int // logs read that show the failure but not why
	Unclassified int // logs read that no rule explained
	NotRead      int // logs not read: unreachable, denied, missing, ...
	Unreachable  int // of those, hosts that could not be reached at all

	// ByBucket counts results per Bucket.
	ByBucket map[string]int
}

// Add counts one result.
func (c *Counts) Add(r Result) {
	if c.ByBucket == nil {
		c.ByBucket = map[string]int{}
	}
	b := r.Bucket()
	c.Failures++
	c.ByBucket[b]++
	switch {
	case NotRead(b):
		c.NotRead++
		if r.Fetch.Status == FetchUnreachable {
			c.Unreachable++
		}
	case b == CauseNoDetail:
		c.NoDetail++
	case b == CauseUnclassified:
		c.Unclassified++
	default:
		c.Classified++
	}
}

// Count counts results.
func Count(results iter.Seq[Result]) Counts {
	c := Counts{ByBucket: map[string]int{}}
	for r := range results {
		c.Add(r)
	}
	return c
}
