package report

import "smsfail"

// outcomeText says what a log that could not be read means for the admin.
type outcomeText struct {
	Title       string
	Remediation string
}

// outcomeInfo describes a fetch outcome for the Summary and the sheets.
func outcomeInfo(o smsfail.Outcome) outcomeText {
	switch o {
	case smsfail.OutcomeUnreachable:
		return outcomeText{"Log not read: host unreachable",
			"Check that the machine is on and on the network, that its name resolves, and that TCP 445 (File and Printer Sharing) is open to the server running smsfail."}
	case smsfail.OutcomeAccessDenied:
		return outcomeText{"Log not read: access denied on the admin share",
			"Give the job's account local administrator rights on the client (usually through a domain group), or check the account's password."}
	case smsfail.OutcomeShareMissing:
		return outcomeText{"Log not read: admin share missing",
			"Administrative shares are turned off on the client (AutoShareWks / AutoShareServer = 0): turn them back on, or point the log location at another share."}
	case smsfail.OutcomeLogMissing:
		return outcomeText{"Log not read: no log where expected",
			"The program may not have started, cleaned up after itself, or logs elsewhere: check the log location configured for this package or program."}
	case smsfail.OutcomeReadError:
		return outcomeText{"Log not read: read error",
			"The connection broke or the file was locked while reading: the next run tries again; read the error text if it persists."}
	case smsfail.OutcomeBadHost:
		return outcomeText{"Log not read: machine name not usable",
			"The site database holds a machine name that cannot be part of a network path: check the client's record in the site."}
	case smsfail.OutcomeNotTried:
		return outcomeText{"Log not read: run stopped before this host",
			"The run was cancelled or ran out of time before reaching this host: run the job again."}
	}
	return outcomeText{"Log not read: " + string(o), "Read the error text; run the job again."}
}

// Groups the Causes sheet shows for what the rules do not group.
const (
	groupNotRead      = "log not read"
	groupNoDetail     = "no detail"
	groupUnclassified = "unclassified"
	groupOther        = "other"
)

// groupOf returns the group of a Summary column.
func groupOf(run Run, bucket string) string {
	switch {
	case smsfail.NotRead(bucket):
		return groupNotRead
	case bucket == smsfail.CauseNoDetail:
		return groupNoDetail
	case bucket == smsfail.CauseUnclassified:
		return groupUnclassified
	}
	if g := run.Causes[bucket].Group; g != "" {
		return g
	}
	return groupOther
}
