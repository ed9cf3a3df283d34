package demosite

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// updLog writes an update.exe log (svcpack.log, KB<n>.log) the way
// update.exe does: every line prefixed with the seconds since the process
// started, in the locale's decimal notation, CRLF line ends.
type updLog struct {
	r     *rand.Rand
	b     strings.Builder
	comma bool
	t     float64 // seconds since start
	lines []string
}

func (l *updLog) line(dt float64, format string, args ...any) {
	l.t += dt
	// update.exe counts in GetTickCount steps of about 15.6 ms.
	ticks := float64(int(l.t*64+0.5)) / 64
	stamp := strconv.FormatFloat(ticks, 'f', 3, 64)
	if l.comma {
		stamp = strings.Replace(stamp, ".", ",", 1)
	}
	l.lines = append(l.lines, stamp+": "+fmt.Sprintf(format, args...))
}

// flush moves the session's lines into the file, with the damage real
// files show: long messages wrapped, now and then two lines run together.
func (l *updLog) flush(wrap, runTogether bool) {
	join := -1
	if runTogether && len(l.lines) > 12 {
		join = 5 + l.r.IntN(6)
	}
	for i, s := range l.lines {
		if wrap && len(s) > 96 && strings.Contains(s, "Message displayed") {
			cut := strings.LastIndexByte(s[:90], ' ')
			s = s[:cut] + "\r\n" + s[cut+1:]
		}
		l.b.WriteString(s)
		if i != join {
			l.b.WriteString("\r\n")
		}
	}
	l.lines = l.lines[:0]
	l.t = 0
}

// updSession describes one run of update.exe.
type updSession struct {
	a       *assignment
	start   time.Time // local wall clock
	cause   string    // empty: the session succeeded
	version string
	cmdLine string
	what    string // "Service Pack" or "Hotfix"
	exePath string
}

// writeUpdateLog gives the whole file for a failing assignment: on a
// Windows 2000 machine svcpack.log may still hold the Service Pack 3
// install of years ago, then one session per failed night.
func writeUpdateLog(r *rand.Rand, a *assignment) []byte {
	l := &updLog{r: r, comma: a.c.locale != localeEnglish}
	if a.ad.prog.kind == kindServicePack && r.Float64() < 0.6 {
		old := time.Date(2002+r.IntN(2), time.Month(1+r.IntN(12)), 1+r.IntN(28), 8+r.IntN(10), r.IntN(60), r.IntN(60), r.IntN(1000)*1e6, time.UTC)
		s := updSession{a: a, start: old, version: "5.3.24.3", cmdLine: "-u -q",
			what: "Service Pack", exePath: `C:\W2KSP3\i386\update\update.exe`}
		l.session(s)
		l.flush(false, false)
	}
	for i, run := range a.runs {
		s := updSession{a: a, start: run.start.Add(a.c.tzOffset), cause: a.cause}
		switch a.ad.prog.kind {
		case kindServicePack:
			s.version, s.cmdLine, s.what = "5.4.15.0", "-u -n -z -q", "Service Pack"
			s.exePath = a.c.windir + `\system32\CCM\Cache\` + a.ad.packageID + `.1.System\i386\update\update.exe`
		default:
			s.version, s.cmdLine, s.what = "6.1.22.4", "/quiet /norestart /n", "Hotfix"
			s.exePath = fmt.Sprintf(`c:\%x\update\update.exe`, r.Uint64()&0xffffffffffffff)
		}
		l.session(s)
		l.flush(r.Float64() < 0.5, i == len(a.runs)-1 && r.Float64() < 0.25)
	}
	return []byte(l.b.String())
}

func (l *updLog) session(s updSession) {
	l.line(0.047+float64(l.r.IntN(4))*0.0156, "%s", strings.Repeat("=", 80))
	l.line(0, "%s (local)", s.start.Format("2006/01/02 15:04:05.000"))
	l.line(0, "%s (version %s)", s.exePath, s.version)
	l.line(0, "%s started with following command line: %s", s.what, s.cmdLine)
	if early := updEarlyFailure(s); early != nil {
		early(l, s)
		return
	}
	l.preamble(s)
	if s.cause == "migration-blocked" || s.cause == "access-denied" {
		l.analysisFailure(s)
		return
	}
	l.analysis(s)
	if s.cause == "disk-space" {
		l.diskSpace(s)
		return
	}
	l.spaceCheck(s, 1200+l.r.IntN(4000))
	if s.cause == "catalog-install-failed" {
		l.catalogFailure(s)
		return
	}
	l.copying(s)
	l.finish(s)
}

func (l *updLog) preamble(s updSession) {
	w := s.a.c.windir
	l.line(0.016, "In Function TestVolatileFlag, line 11876, RegOpenKeyEx failed with error 0x2")
	l.line(0, "In Function TestVolatileFlag, line 11908, RegOpenKeyEx failed with error 0x2")
	l.line(0, "DoInstallation: CleanPFR failed: 0x2")
	l.line(0.016, "SetProductTypes: InfProductBuildType=BuildType.IP")
	l.line(0, "SetAltOsLoaderPath: No section uses DirId 65701; done.")
	l.line(0.031, `DoInstallation: FetchSourceURL for %s failed`, strings.TrimSuffix(s.exePath, "update.exe")+"update.inf")
	uninst := `$NtServicePackUninstall$`
	if s.what == "Hotfix" {
		uninst = `$NtUninstall` + strings.TrimSuffix(s.a.ad.prog.logFile, ".log") + `$`
	}
	l.line(0, "CreateUninstall = 1,Directory = %s\\%s", w, uninst)
	l.line(0.047, "LoadFileQueues: UpdSpGetSourceFileLocation for halaacpi.dll failed: 0xe0000102")
	l.line(0.016, "BuildCabinetManifest: update.url absent")
	l.line(0, "Starting AnalyzeComponents")
	l.line(0, "AnalyzePhaseZero used 0 ticks")
	l.line(0, `No %s\INF\updtblk.inf file.`, w)
	l.line(0, "OEM file scan used 0 ticks")
}

func (l *updLog) analysis(s updSession) {
	one := 400 + l.r.IntN(2600)
	l.line(float64(one)/1000, "AnalyzePhaseOne: used %d ticks", one)
	l.line(0.016, "AnalyzeForBranching used 0 ticks.")
	for _, p := range []string{"Two", "Three", "Five", "Six"} {
		l.line(0, "AnalyzePhase%s used 0 ticks", p)
	}
	l.line(0, "AnalyzeComponents used %d ticks", one+16)
	l.line(0, "Downloading 0 files")
	l.line(0, "bPatchMode = FALSE")
	l.line(0, "Inventory complete: ReturnStatus=0, %d ticks", one+16)
	l.line(0.016, "Num Ticks for invent : %d", one+110)
}

func (l *updLog) spaceCheck(s updSession, freeMB int) {
	req, uninst := 163, 343
	if s.what == "Hotfix" {
		req, uninst = 2, 6
	}
	l.line(0.016, "Allocation size of drive C: is 4096 bytes, free space = %d bytes", int64(freeMB)<<20+int64(l.r.IntN(1<<20)))
	l.line(0.016, "Drive C: free %dMB req: %dMB w/uninstall %dMB", freeMB, req, uninst)
}

func (l *updLog) copying(s updSession) {
	l.line(0, "CabinetBuild complete")
	l.line(0, "Num Ticks for Cabinet build : %d", 16+l.r.IntN(40))
	l.line(0, "DynamicStrings section not found.")
	ticks := 5000 + l.r.IntN(90000)
	if s.what == "Hotfix" {
		ticks = 300 + l.r.IntN(1500)
	}
	l.line(float64(ticks)/1000, "Num Ticks for Copying files : %d", ticks)
}

// finish ends a session that got through the copy: with success, or with
// the failures that come at the registry step or after.
func (l *updLog) finish(s updSession) {
	switch s.cause {
	case "":
		l.line(0.7, "Num Ticks for Reg update and deleting 0 size files : %d", 600+l.r.IntN(500))
		l.line(0.4, "Update.exe extended error code = 0x0")
		return
	case "registry-access-denied":
		l.line(0.3, `DoRegistryUpdates: UpdSpInstallFromInfSection failed for section ProductInstall.GlobalRegistryChanges.Install: 0x5`)
		l.line(0, "DoRegistryUpdates failed")
		l.line(0, "Message displayed to the user: Access is denied.")
		l.line(0.9, "User Input: OK")
		l.masked("0x5")
	case "install-incomplete":
		l.line(0.6, "Num Ticks for Reg update and deleting 0 size files : %d", 600+l.r.IntN(500))
		l.line(0.2, "DoInstallation: Installation did not complete, rolling back")
		l.line(0, "Message displayed to the user: %s installation did not complete.", s.what)
		l.line(1.1, "User Input: OK")
		l.masked("0xf201")
	default: // no-detail
		l.line(0.6, "Num Ticks for Reg update and deleting 0 size files : %d", 600+l.r.IntN(500))
		l.masked("0x643")
	}
}

func (l *updLog) masked(ext string) {
	l.line(0.016, "Update.exe extended error code = %s", ext)
	l.line(0, "Update.exe return code was masked to 0x643 for MSI custom action compliance.")
}

// updEarlyFailure returns the failures update.exe meets before it
// analyses anything.
func updEarlyFailure(s updSession) func(*updLog, updSession) {
	switch s.cause {
	case "package-damaged":
		return (*updLog).packageDamaged
	case "setup-canceled":
		return (*updLog).setupCanceled
	case "prerequisite-failed":
		return (*updLog).prerequisite
	}
	return nil
}

func (l *updLog) packageDamaged(s updSession) {
	l.line(0.016, "In Function TestVolatileFlag, line 11876, RegOpenKeyEx failed with error 0x2")
	if l.r.IntN(2) == 0 {
		l.line(0.031, `LoadInfFile: Error 0xe0000100 loading %supdate.inf`, strings.TrimSuffix(s.exePath, "update.exe"))
		l.line(0, "Setup encountered an error: The update.inf file is not correct.")
		l.line(0, "Message displayed to the user: The update.inf file is not correct.")
		l.line(1.3, "User Input: OK")
		l.masked("0xf00c")
		return
	}
	l.line(0.031, `Failed to read %supdate.ver`, strings.TrimSuffix(s.exePath, "update.exe"))
	l.line(0, "Setup encountered an error: The update.ver file is not correct.")
	l.line(0, "Message displayed to the user: The update.ver file is not correct.")
	l.line(0.8, "User Input: OK")
	l.masked("0xf00d")
}

func (l *updLog) setupCanceled(s updSession) {
	inf := strings.TrimSuffix(s.exePath, "update.exe") + "update.inf"
	l.line(0.016, "In Function TestVolatileFlag, line 11876, RegOpenKeyEx failed with error 0x2")
	l.line(0.016, "SetProductTypes: InfProductBuildType=BuildType.IP")
	l.line(0.094, "SetupVerifyInfFile failed with error 0x490 for %s", inf)
	l.line(0, "Setup encountered an error: Setup canceled.")
	l.line(0, "Message displayed to the user: Setup canceled. Setup could not verify the integrity of the file %s.", inf)
	l.line(0.5, "User Input: OK")
	l.masked("0xf00d")
}

func (l *updLog) prerequisite(s updSession) {
	l.line(0.016, "In Function GetBuildType, line 1170, RegQueryValueEx failed with error 0x2")
	l.line(0.016, "In Function TestVolatileFlag, line 11876, RegOpenKeyEx failed with error 0x2")
	l.line(0.031, "Condition check for line 1 of PrerequisiteSection [Prereq.Ntos] evaluated to FALSE")
	l.line(0, "Setup encountered an error: STATUS_PREREQUISITE_FAILED")
	l.line(0, "Message displayed to the user: Setup cannot continue because this system does not have Windows 2000 Service Pack 2 or later installed.")
	l.line(0.7, "User Input: OK")
	l.masked("0xf0f4")
}

func (l *updLog) analysisFailure(s updSession) {
	one := 300 + l.r.IntN(900)
	l.line(float64(one)/1000, "AnalyzePhaseOne: used %d ticks", one)
	if s.cause == "access-denied" {
		l.line(0.016, `LoadOrInstallBranchesInf: Failed to install %s\inf\Branches.inf, error=0x00000005`, s.a.c.windir)
		l.line(0, "AnalyzeForBranching failed")
		l.line(0, "Message displayed to the user: Access is denied.")
		l.line(0.6, "User Input: OK")
		l.masked("0x5")
		return
	}
	sys := s.a.c.windir + `\system32\`
	l.line(0.016, "AnalyzeForBranching used 0 ticks.")
	l.line(0, "Hotfix migration is blocked by following files:")
	for _, f := range []string{"lsasrv.dll", "msasn1.dll"} {
		l.line(0, "    %s%s (5.0.2195.7017, installed by KB873339)", sys, f)
	}
	l.line(0, "Setup encountered an error: A newer version of a file this update installs is present on the system.")
	l.line(0.9, "User Input: OK")
	l.masked("0xf201")
}

func (l *updLog) diskSpace(s updSession) {
	free := 40 + l.r.IntN(250)
	if s.what == "Hotfix" {
		free = 1 + l.r.IntN(4)
	}
	l.spaceCheck(s, free)
	l.line(0, "Not enough disk space on drive C: to save the uninstall files")
	l.line(0, "Message displayed to the user: Setup could not continue because there is not enough disk space on drive C: to back up the files needed to uninstall %s.", s.a.ad.packageName)
	l.line(1.9, "User Input: OK")
	l.masked("0x70")
}

func (l *updLog) catalogFailure(s updSession) {
	l.line(0, "CabinetBuild complete")
	l.line(0, "Num Ticks for Cabinet build : %d", 16+l.r.IntN(40))
	l.line(0.25, "UpdSpInstallCatalogs: MyInstallCatalog failed for sp4.cat: 0x%x", 0x800b0100)
	l.line(0, "Failed to install catalog files.")
	if l.r.IntN(3) == 0 {
		l.line(0, "Setup encountered an error: STR_CATALOG_INSTALL_FAILED")
		l.line(0, "Message displayed to the user: STR_CATALOG_INSTALL_FAILED")
	} else {
		l.line(0, "Message displayed to the user: Setup could not verify the integrity of the file Update.inf.  Make sure the Cryptographic service is running on this computer.")
	}
	l.line(2.2, "User Input: OK")
	l.masked("0xf01e")
}
