package report

import (
	"fmt"
	"iter"
	"strconv"
	"time"

	"smsfail"
)

// site is the time zone the tests show dates in: an offset that differs
// from UTC, with daylight saving.
var testZone = mustZone("Europe/Berlin")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var testCauses = map[string]CauseInfo{
	"catalog-install-failed": {Title: "Catalog database broken", Remediation: "Reset CatRoot2 and restart Cryptographic Services.", Group: "client"},
	"custom-action-failed":   {Title: "A custom action failed", Remediation: "Run the action's command by hand as SYSTEM.", Group: "package"},
	"disk-space":             {Title: "Not enough disk space", Remediation: "Free space on the system drive.", Group: "client"},
	"no-detail":              {Title: "The log shows the failure but no cause", Remediation: "Reboot and retry; enable custom action logging."},
	"unclassified":           {Title: "No rule matched", Remediation: "Read the evidence lines; add a rule."},
}

func testRun() RunInfo {
	return RunInfo{
		Site:                "PS1 - Primary site",
		Since:               time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		Until:               time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC),
		Filter:              "all advertisements, exit code 1603",
		Route:               "messages",
		Started:             time.Date(2024, 3, 2, 0, 5, 0, 0, time.UTC),
		Finished:            time.Date(2024, 3, 2, 0, 7, 30, 0, time.UTC),
		Location:            testZone,
		PerCollectionSheets: 10,
		Causes:              testCauses,
	}
}

// result builds one result; cause "" with an outcome that is not read
// gives a log that could not be read.
func result(coll, adv, machine, cause string, outcome smsfail.FetchStatus) smsfail.Result {
	r := smsfail.Result{
		Failure: smsfail.Failure{
			Machine: machine, Domain: "CORP", OS: "Microsoft Windows XP Professional", SiteCode: "PS1",
			AdvertisementID: adv, AdvertisementName: "Deploy " + adv, PackageID: "PS100012",
			PackageName: "Office 2003 SP3", PackageVersion: "11.0", ProgramName: "Install quiet",
			CollectionID: coll, CollectionName: "Workstations " + coll,
			ExitCode: 1603, ExitCodeKnown: true, Count: 2,
			Time: time.Date(2024, 3, 1, 19, 47, 56, 0, time.UTC),
		},
		Fetch: smsfail.Fetch{
			Status: outcome,
			UNC:    `\\` + machine + `\admin$\svcpack.log`,
			Tried:  time.Date(2024, 3, 2, 0, 6, 0, 0, time.UTC),
		},
	}
	if outcome.Read() {
		r.Fetch.Kept = "logs/" + machine + "/svcpack.log"
		r.Finding = &smsfail.Finding{
			Kind: smsfail.KindUpdateExe, Cause: cause, Title: "finding title " + cause,
			Remediation: "finding remediation " + cause, Rule: "rule-" + cause,
			Codes:    []smsfail.Code{{Kind: "extended", Value: "0xf01e"}, {Kind: "masked", Value: "0x643"}},
			Evidence: []smsfail.Evidence{{Line: 412, Text: "Update.exe extended error code = 0xf01e"}, {Line: 413, Text: "masked"}},
		}
	} else {
		r.Fetch.Error = fmt.Sprintf("cannot reach %s: %s", machine, outcome)
	}
	return r
}

// sample is a small site: two collections, causes of every kind, logs not
// read for several reasons.
func sample() []smsfail.Result {
	ok := smsfail.FetchOK
	return []smsfail.Result{
		result("PS10001A", "PS120001", "PC003", "catalog-install-failed", ok),
		result("PS10001A", "PS120001", "PC001", "catalog-install-failed", ok),
		result("PS10001A", "PS120001", "PC002", "disk-space", ok),
		result("PS10001A", "PS120002", "PC001", "custom-action-failed", smsfail.FetchTruncated),
		result("PS10001A", "PS120002", "PC004", "no-detail", ok),
		result("PS10001B", "PS120001", "PC010", "unclassified", ok),
		result("PS10001B", "PS120001", "PC011", "", smsfail.FetchUnreachable),
		result("PS10001B", "PS120001", "PC012", "", smsfail.FetchAccessDenied),
		result("PS10001B", "PS120003", "PC013", "", smsfail.FetchLogMissing),
		result("PS10001B", "PS120003", "PC014", "access-denied", ok),
	}
}

// generated yields n results made on the fly, in the workbook's order when
// sorted is true, so that a benchmark measures the writer and not the input:
// strings that repeat (collections, advertisements, findings) are made once,
// and each result costs a machine name and its two paths.
func generated(n, collections int, sorted bool) iter.Seq[smsfail.Result] {
	causes := []string{"catalog-install-failed", "custom-action-failed", "disk-space", "file-in-use", "source-missing", "no-detail", "unclassified"}
	outcomes := []smsfail.FetchStatus{smsfail.FetchUnreachable, smsfail.FetchAccessDenied, smsfail.FetchLogMissing}
	perColl := max(1, n/collections)
	colls, collNames := make([]string, collections), make([]string, collections)
	for i := range colls {
		colls[i] = fmt.Sprintf("PS1%05d", i)
		collNames[i] = "Workstations " + colls[i]
	}
	advs, advNames := make([]string, 13), make([]string, 13)
	for i := range advs {
		advs[i] = fmt.Sprintf("PS12%04d", i)
		advNames[i] = "Deploy " + advs[i]
	}
	read := make([]smsfail.Result, len(causes))
	for i, c := range causes {
		read[i] = result("", "", "", c, smsfail.FetchOK)
	}
	unread := make([]smsfail.Result, len(outcomes))
	for i, o := range outcomes {
		unread[i] = result("", "", "", "", o)
		unread[i].Fetch.Error = "cannot reach the host: " + string(o)
	}
	return func(yield func(smsfail.Result) bool) {
		var buf []byte
		for k := range n {
			i := k
			if !sorted {
				i = int((uint64(k) * 2654435761) % uint64(n)) // a permutation when n is not a multiple of it
			}
			var r smsfail.Result
			if i%10 == 9 {
				r = unread[i%len(outcomes)]
			} else {
				r = read[i%len(causes)]
			}
			c, a := min(i/perColl, collections-1), (i%perColl)*13/perColl
			buf = strconv.AppendInt(append(buf[:0], "PC"...), int64(10_000_000+i), 10)
			machine := string(buf)
			f := &r.Failure
			f.Machine, f.CollectionID, f.AdvertisementID = machine, colls[c], advs[a]
			f.CollectionName, f.AdvertisementName = collNames[c], advNames[a]
			f.Time = f.Time.Add(time.Duration(i) * time.Second)
			r.Fetch.UNC = `\\` + machine + `\admin$\svcpack.log`
			if r.Finding != nil {
				r.Fetch.Kept = "logs/" + machine + "/svcpack.log"
			}
			if !yield(r) {
				return
			}
		}
	}
}
