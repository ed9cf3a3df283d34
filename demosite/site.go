package demosite

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// program is how an advertised program runs and where it logs.
type program struct {
	kind        logKind
	recurring   bool    // mandatory assignment rerun nightly while it fails
	failRate    float64 // share of runs that end in a failure
	rebootRate  float64 // share of successes that end in 3010 (message 10022)
	otherCodes  []otherCode
	causes      []weighted // causes of its 1603s, matching its log kind
	logFile     string     // update.exe: file under admin$; MSI /l*v: path on C:
	msiProduct  string     // MSI ProductName
	msiPackage  string     // .msi file name
	productCode string
}

// otherCode is a failure exit code other than 1603 and how often it comes.
type otherCode struct {
	code  int64
	share float64 // of failures
	cause string  // what the client's log shows for it
}

type weighted struct {
	cause  string
	weight int
}

type logKind int

const (
	kindServicePack logKind = iota // update.exe, %windir%\svcpack.log
	kindHotfix                     // update.exe, %windir%\KB<n>.log
	kindMSIPath                    // msiexec /l*v C:\...
	kindMSIPolicy                  // msiexec logged by policy to %windir%\Temp\MSI*.LOG, UTF-16LE
)

type collection struct {
	id, name, comment string
}

type advertisement struct {
	id, name      string
	packageID     string
	packageName   string
	version       string
	manufacturer  string
	programName   string
	commandLine   string
	collectionID  string
	presentTime   time.Time
	comment       string
	prog          program
	targetsClient func(c *client) bool
}

// client is one machine of the site.
type client struct {
	resourceID  int64
	name        string // NetBIOS name as v_R_System holds it
	reported    string // name the client puts in its status messages
	domain      string
	os          string
	windir      string // C:\WINNT or C:\WINDOWS
	locale      locale
	tzOffset    time.Duration // local time = UTC + tzOffset
	known       bool          // has a v_R_System record
	nullColumns bool          // some of its v_R_System columns are NULL
	finance     bool
	pilot       bool
	unreachable bool // no client folder at all
	forceFail   bool // fails the advertisement every client gets, whatever the dice say
	newerAttrs  bool // its messages also carry attributes 400 and 402
	lowerIDs    bool // its messages carry the attributes' IDs in lower case
}

type locale int

const (
	localeEnglish locale = iota
	localeGerman         // English UI, German regional settings: decimal comma
	localeRussian        // Russian UI: decimal comma, localized MSI messages in cp1251
)

// site is the whole generated site before it is written.
type site struct {
	code        string
	now, since  time.Time
	collections []collection
	adverts     []*advertisement
	clients     []*client
	server      string // the site server's NetBIOS name
}

const firstResourceID = 16777220

func newSite(r *rand.Rand, opts Options) *site {
	s := &site{
		code:   opts.SiteCode,
		now:    opts.Now,
		since:  opts.Now.Add(-time.Duration(opts.Days) * 24 * time.Hour),
		server: opts.SiteCode + "SMS01",
	}
	s.collections = []collection{
		{"SMS00001", "All Systems", "All Systems"},
		{s.code + "00011", "Windows 2000 workstations", "Workstations running Windows 2000 Professional"},
		{s.code + "00012", "Finance workstations", "Finance department, floors 2 and 3"},
		{s.code + "00013", `Pilot: Sales & Marketing [EMEA] / Berlin\Munich * phase 2? (Acrobat)`, "Pilot group for the desktop refresh"},
	}
	s.adverts = s.newAdverts()
	s.clients = newClients(r, opts)
	return s
}

func (s *site) newAdverts() []*advertisement {
	c := s.code
	present := s.since.Add(-36 * time.Hour).Truncate(time.Hour)
	return []*advertisement{
		{
			id: c + "2000A", name: "Windows 2000 SP4 - mandatory",
			packageID: c + "0000B", packageName: "Windows 2000 Service Pack 4", version: "SP4",
			manufacturer: "Microsoft", programName: "W2KSP4",
			commandLine: `i386\update\update.exe -u -n -z -q`, collectionID: c + "00011",
			presentTime: present, comment: "Unattended, no reboot; rerun if failed",
			prog: program{kind: kindServicePack, recurring: true, failRate: 0.085, rebootRate: 0.4,
				logFile: "svcpack.log", causes: servicePackCauses},
			targetsClient: func(cl *client) bool { return cl.windir == `C:\WINNT` },
		},
		{
			id: c + "2000B", name: "MS04-011 KB835732",
			packageID: c + "0000C", packageName: "Security Update for Windows 2000 (KB835732)", version: "1.0",
			manufacturer: "Microsoft", programName: "KB835732 quiet",
			commandLine: `Windows2000-KB835732-x86-ENU.EXE /quiet /norestart /n`, collectionID: c + "00012",
			presentTime: present.Add(6 * time.Hour), comment: "MS04-011",
			prog: program{kind: kindHotfix, recurring: true, failRate: 0.09, rebootRate: 0.7,
				logFile: "KB835732.log", causes: hotfixCauses,
				otherCodes: []otherCode{{code: 2, share: 0.12, cause: "log-missing"}}},
			targetsClient: func(cl *client) bool { return cl.finance },
		},
		{
			id: c + "2000C", name: "Adobe Reader 7.0.9",
			packageID: c + "0000D", packageName: "Adobe Reader", version: "7.0.9",
			manufacturer: "Adobe Systems", programName: "Per-system unattended",
			commandLine:  `msiexec /i AdbeRdr709_en_US.msi /qn REBOOT=ReallySuppress /l*v C:\Temp\AdbeRdr709.log`,
			collectionID: c + "00013", presentTime: present.Add(12 * time.Hour), comment: "Pilot first",
			prog: program{kind: kindMSIPath, failRate: 0.11, logFile: `C:\Temp\AdbeRdr709.log`,
				causes: msiCauses, msiProduct: "Adobe Reader 7.0.9", msiPackage: "AdbeRdr709_en_US.msi",
				productCode: "{AC76BA86-7AD7-1033-7B44-A70900000002}",
				otherCodes:  []otherCode{{code: 1618, share: 0.15, cause: "another-install-running"}}},
			targetsClient: func(cl *client) bool { return cl.pilot },
		},
		{
			id: c + "2000D", name: "Symantec AntiVirus 10.1 client",
			packageID: c + "0000E", packageName: "Symantec AntiVirus", version: "10.1.5.5000",
			manufacturer: "Symantec", programName: "Unmanaged client silent",
			commandLine:  `msiexec /i "Symantec AntiVirus.msi" /qn RUNLIVEUPDATE=0 NETWORKTYPE=2 REBOOT=ReallySuppress`,
			collectionID: "SMS00001", presentTime: present.Add(18 * time.Hour), comment: "Replaces McAfee VirusScan 7",
			prog: program{kind: kindMSIPolicy, recurring: true, failRate: 0.06,
				causes: msiCauses, msiProduct: "Symantec AntiVirus", msiPackage: "Symantec AntiVirus.msi",
				productCode: "{BA4B71D1-898E-4306-AE87-8BA6B3F3E1E6}"},
			targetsClient: func(cl *client) bool { return true },
		},
	}
}

// Causes of 1603 per log kind, weighted by how often admins meet them.
var (
	servicePackCauses = []weighted{
		{"catalog-install-failed", 6}, {"disk-space", 5}, {"package-damaged", 2},
		{"setup-canceled", 3}, {"install-incomplete", 2}, {"registry-access-denied", 2},
		{"access-denied", 2}, {"no-detail", 1},
	}
	hotfixCauses = []weighted{
		{"catalog-install-failed", 5}, {"prerequisite-failed", 4}, {"migration-blocked", 3},
		{"package-damaged", 1}, {"setup-canceled", 2}, {"install-incomplete", 1},
		{"registry-access-denied", 1}, {"access-denied", 1},
	}
	msiCauses = []weighted{
		{"custom-action-failed", 6}, {"service-start-failed", 3}, {"registry-access-denied", 3},
		{"file-in-use", 4}, {"source-missing", 3}, {"invalid-drive", 1},
		{"assembly-install-failed", 1}, {"installer-database-error", 1}, {"disk-space", 2},
		{"no-detail", 2}, {"unclassified", 1},
	}
)

const (
	osWin2000    = "Microsoft Windows NT Workstation 5.0"
	osXP         = "Microsoft Windows NT Workstation 5.1"
	osServer2000 = "Microsoft Windows NT Server 5.0"
	domain       = "KIDNET"
)

func newClients(r *rand.Rand, opts Options) []*client {
	cs := make([]*client, 0, opts.Clients)
	for i := 1; i <= opts.Clients; i++ {
		c := &client{
			resourceID: firstResourceID + int64(i)*4,
			name:       fmt.Sprintf("%s-PC%05d", opts.SiteCode, i),
			domain:     domain,
			known:      true,
		}
		c.reported = c.name
		switch x := r.Float64(); {
		case x < 0.86:
			c.os, c.windir = osWin2000, `C:\WINNT`
		case x < 0.97:
			c.os, c.windir = osXP, `C:\WINDOWS`
		default:
			c.os, c.windir = osServer2000, `C:\WINNT`
		}
		switch x := r.Float64(); {
		case x < 0.82:
			c.locale, c.tzOffset = localeEnglish, 0
		case x < 0.92:
			c.locale, c.tzOffset = localeGerman, time.Hour
		default:
			c.locale, c.tzOffset = localeRussian, 3*time.Hour
		}
		c.finance = r.Float64() < 0.25
		c.pilot = r.Float64() < 0.35
		c.newerAttrs = r.Float64() < 0.5
		c.nullColumns = r.Float64() < 0.01
		if r.Float64() < 0.02 {
			// Older clients report their name as it was typed at setup.
			c.reported = strings.ToLower(c.name)
		} else if i%53 == 17 {
			c.reported = titleCase(c.name) // Kid-Pc00017, as typed by another hand
		}
		// A few send the IDs of their messages' attributes in lower case.
		c.lowerIDs = i%61 == 29
		if r.Float64() < 0.003 {
			// Its discovery record was deleted after it ran: the site knows
			// the machine only from its status messages.
			c.known = false
		}
		cs = append(cs, c)
	}
	if len(cs) >= 20 {
		// Codepage damage: a machine named in Cyrillic reaches the site as
		// question marks. Such a name must never become part of a UNC path.
		bad := cs[len(cs)/2+7]
		bad.reported, bad.name, bad.known = opts.SiteCode+"-??13", opts.SiteCode+"-??13", false
		bad.pilot, bad.finance, bad.forceFail = true, true, true
		gone := cs[len(cs)/3+5]
		gone.known, gone.forceFail = false, true
	}
	return cs
}

func pick(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	n := r.IntN(total)
	for _, w := range ws {
		if n < w.weight {
			return w.cause
		}
		n -= w.weight
	}
	return ws[len(ws)-1].cause
}

// titleCase writes each part of a name between dashes with one capital.
func titleCase(name string) string {
	parts := strings.Split(strings.ToLower(name), "-")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "-")
}
