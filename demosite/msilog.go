package demosite

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// msiLog writes one Windows Installer verbose log as msiexec does: the
// client (c) and server (s) processes interleaved, one line per event,
// the action lines, and after a failure the rollback and the property
// dump that buries the cause for whoever reads from the end.
type msiLog struct {
	r            *rand.Rand
	tx           msiText
	a            *assignment
	t            time.Time // local wall clock
	lines        []string
	cProc, sProc string // "E4:D8" style process:thread ids
}

func newMSILog(r *rand.Rand, a *assignment, start time.Time) *msiLog {
	l := &msiLog{r: r, tx: msiEnglish, a: a, t: start}
	if a.c.locale == localeRussian {
		l.tx = msiRussian
	}
	l.cProc = fmt.Sprintf("%02X:%02X", 0x80+r.IntN(0x70), 0x10+r.IntN(0xE0))
	l.sProc = fmt.Sprintf("%02X:%02X", 0x10+r.IntN(0x60), 0x10+r.IntN(0xE0))
	return l
}

func (l *msiLog) tick(ms int) { l.t = l.t.Add(time.Duration(ms) * time.Millisecond) }

func (l *msiLog) raw(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *msiLog) msi(side byte, format string, args ...any) {
	proc := l.sProc
	if side == 'c' {
		proc = l.cProc
	}
	l.tick(l.r.IntN(20))
	l.raw("MSI (%c) (%s) [%s:%03d]: %s", side, proc, l.t.Format("15:04:05"), l.t.Nanosecond()/1e6, fmt.Sprintf(format, args...))
}

func (l *msiLog) note(args string) { l.msi('s', "%s 1: %s", l.tx.note, args) }

func (l *msiLog) productMsg(text string) {
	l.msi('s', l.tx.product, l.a.ad.prog.msiProduct, text)
	l.raw("")
	l.raw("%s", text)
}

func (l *msiLog) errorText(code int, args ...any) string {
	return fmt.Sprintf(l.tx.errors[code], args...)
}

func (l *msiLog) actionStart(name string) {
	l.tick(l.r.IntN(300))
	l.raw(l.tx.actionStart, l.t.Format("15:04:05"), name)
}

func (l *msiLog) actionEnded(name string, ret int) {
	l.tick(l.r.IntN(200))
	l.raw(l.tx.actionEnded, l.t.Format("15:04:05"), name, ret)
}

func (l *msiLog) action(name string) {
	l.actionStart(name)
	l.actionEnded(name, 1)
}

// writeMSILog gives the lines of the log of one failed run.
func writeMSILog(r *rand.Rand, a *assignment, run attempt) []string {
	l := newMSILog(r, a, run.start.Add(a.c.tzOffset))
	l.header()
	if a.cause == "another-install-running" {
		l.busy()
		return l.lines
	}
	l.server()
	l.actions()
	l.footer()
	return l.lines
}

func (l *msiLog) cachePath() string {
	return l.a.c.windir + `\system32\CCM\Cache\` + l.a.ad.packageID + `.1.System\`
}

func (l *msiLog) header() {
	msiexec := l.a.c.windir + `\system32\msiexec.exe`
	l.raw(l.tx.started, l.t.Format(l.tx.dateLayout), msiexec)
	l.msi('c', "Resetting cached policy values")
	l.msi('c', "Machine policy value 'Debug' is 0")
	l.msi('c', "******* RunEngine:")
	l.raw("           ******* Product: %s%s", l.cachePath(), l.a.ad.prog.msiPackage)
	l.raw("           ******* Action: ")
	l.raw("           ******* CommandLine: **********")
	l.msi('c', "Client-side and UI is none or basic: Running entire install on the server.")
}

// busy is the whole log when another installation holds the mutex.
func (l *msiLog) busy() {
	l.tick(30000)
	l.msi('c', "Failed to grab execution mutex. System error 258.")
	l.msi('c', "Cloaking enabled.")
	l.msi('c', "Attempting to enable all disabled priveleges before calling Install on Server")
	l.msi('s', "Failed to grab execution mutex. System error 258.")
	l.msi('s', "Another installation is in progress.")
	l.msi('c', l.tx.product, l.a.ad.prog.msiProduct, l.errorText(1618))
	l.raw("")
	l.raw("%s", l.errorText(1618))
	l.msi('c', "MainEngineThread is returning 1618")
	l.raw(l.tx.stopped, l.t.Format(l.tx.dateLayout))
}

func (l *msiLog) server() {
	w := l.a.c.windir
	l.msi('c', "Grabbed execution mutex.")
	l.msi('c', "Cloaking enabled.")
	l.msi('c', "Attempting to enable all disabled priveleges before calling Install on Server")
	l.msi('c', "Incrementing counter to disable shutdown. Counter after increment: 0")
	l.msi('s', "Grabbed execution mutex.")
	l.msi('s', "Resetting cached policy values")
	l.msi('s', "Machine policy value 'Debug' is 0")
	l.msi('s', "******* RunEngine:")
	l.raw("           ******* Product: %s%s", l.cachePath(), l.a.ad.prog.msiPackage)
	l.raw("           ******* Action: ")
	l.raw("           ******* CommandLine: **********")
	l.msi('s', "Machine policy value 'DisableUserInstalls' is 0")
	l.note(`2203 2: ` + w + `\Installer\inprogressinstallinfo.ipi 3: -2147287038 `)
	l.msi('s', "SRSetRestorePoint skipped for this transaction.")
	l.note("2205 2:  3: PatchPackage ")
	l.msi('s', "Transforms are not secure.")
	l.msi('s', "Product Code passed to Engine.Initialize:           '%s'", l.a.ad.prog.productCode)
	l.msi('s', "Determined that existing product (either this product or the product being upgraded with a patch) is installed per-machine.")
	l.msi('s', "PROPERTY CHANGE: Adding ALLUSERS property. Its value is '1'.")
	l.note("2205 2:  3: Error ")
	l.note("2228 2:  3: Error 4: SELECT `Message` FROM `Error` WHERE `Error` = 1709 ")
	l.msi('s', "Doing action: INSTALL")
	l.actionStart("INSTALL")
}

// immediate actions, then the execution script; the failure comes where
// its cause puts it.
func (l *msiLog) actions() {
	for _, a := range []string{"FindRelatedProducts", "AppSearch", "LaunchConditions", "ValidateProductID",
		"CostInitialize"} {
		l.action(a)
	}
	l.note("2205 2:  3: ODBCDataSource ")
	l.action("FileCost")
	l.note("2205 2:  3: ReserveCost ")
	switch l.a.cause {
	case "invalid-drive":
		l.failIn("CostFinalize", l.errorText(1327, `H:\`))
		return
	case "unclassified":
		l.failIn("CostFinalize", l.errorText(1325, "Documents"))
		return
	}
	l.action("CostFinalize")
	l.action("MigrateFeatureStates")
	if l.a.cause == "disk-space" {
		l.outOfDisk()
		return
	}
	l.action("InstallValidate")
	if l.a.cause == "installer-database-error" {
		l.databaseError()
		return
	}
	l.action("InstallInitialize")
	for _, a := range []string{"ProcessComponents", "UnpublishFeatures", "RemoveRegistryValues", "RemoveFiles",
		"InstallFiles", "WriteRegistryValues", "InstallServices", "StartServices", "RegisterProduct",
		"PublishFeatures", "PublishProduct"} {
		l.action(a)
	}
	l.execute()
}

// failIn ends an immediate action with an error.
func (l *msiLog) failIn(action, errText string) {
	l.actionStart(action)
	l.productMsg(errText)
	l.actionEnded(action, 3)
}

func (l *msiLog) outOfDisk() {
	l.actionStart("InstallValidate")
	l.msi('s', "PROPERTY CHANGE: Modifying OutOfDiskSpace property. Its current value is '0'. Its new value: '1'.")
	l.msi('s', "PROPERTY CHANGE: Modifying OutOfNoRbDiskSpace property. Its current value is '0'. Its new value: '1'.")
	l.productMsg(l.errorText(1601, `C:`, 61000+l.r.IntN(90000), 2000+l.r.IntN(30000)))
	l.actionEnded("InstallValidate", 3)
}

func (l *msiLog) databaseError() {
	pkg := fmt.Sprintf(`%s\Installer\%x.msi`, l.a.c.windir, 0x10000+l.r.IntN(0xeffff))
	l.actionStart("InstallInitialize")
	l.note(fmt.Sprintf("2203 2: %s 3: -2147287035 ", pkg))
	l.msi('s', "DEBUG: Error 2203:  Database: %s. Cannot open database file. System error -2147287035", pkg)
	l.productMsg(l.errorText(2203, pkg, -2147287035))
	l.actionEnded("InstallInitialize", 3)
}
