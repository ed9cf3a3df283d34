package demosite

import (
	"fmt"
	"strings"
)

// msiProduct is what the demo's MSI packages install: the names their
// failures mention.
type msiProduct struct {
	dir          string
	files        []string
	service      [2]string // name, display name
	key          string
	exeAction    string // an EXE custom action and its command
	exeSource    string
	exeTarget    string
	dllAction    string // a DLL custom action
	productVer   string
	cabinet      string
	assemblyComp string
}

func productOf(kind logKind) msiProduct {
	if kind == kindMSIPath {
		return msiProduct{
			dir: `C:\Program Files\Adobe\Acrobat 7.0\Reader\`, files: []string{"AcroRd32.dll", "AcroRd32.exe", "rt3d.dll"},
			service: [2]string{"AdobeLM Service", "Adobe LM Service"}, key: `HKEY_LOCAL_MACHINE\Software\Classes\AcroExch.Document.7`,
			exeAction: "RemoveReader6", exeSource: `C:\Program Files\Adobe\Acrobat 6.0\Reader\uninst.exe`, exeTarget: "/s /x",
			dllAction: "SetAdobeLMPermissions", productVer: "7.0.9", cabinet: "Data1.cab",
			assemblyComp: "{4D3A7B50-6BA9-4F4A-9B8B-3E3A8E2D5C11}",
		}
	}
	return msiProduct{
		dir: `C:\Program Files\Symantec AntiVirus\`, files: []string{"Rtvscan.exe", "VPC32.exe", "DefWatch.exe"},
		service: [2]string{"Symantec AntiVirus", "Symantec AntiVirus"}, key: `HKEY_LOCAL_MACHINE\SOFTWARE\INTEL\LANDesk\VirusProtect6\CurrentVersion`,
		exeAction: "LaunchVpdPush", exeSource: `C:\Program Files\Symantec AntiVirus\vpdpush.exe`, exeTarget: "/quiet",
		dllAction: "MigrateMcAfeeSettings", productVer: "10.1.5000.5", cabinet: "Data1.cab",
		assemblyComp: "{98A2C4D1-1F4E-4E5B-A8C2-5B7E0E4D9A21}",
	}
}

// execute runs the installation script inside InstallFinalize, where the
// deferred actions fail.
func (l *msiLog) execute() {
	p := productOf(l.a.ad.prog.kind)
	l.actionStart("InstallFinalize")
	l.msi('s', `Running Script: %s\Installer\MSI%X.tmp`, l.a.c.windir, 0x10+l.r.IntN(0xff0))
	l.msi('s', "PROPERTY CHANGE: Adding UpdateStarted property. Its value is '1'.")
	l.msi('s', "Executing op: Header(Signature=1397708873,Version=301,Timestamp=%d,LangId=1033,Platform=0,ScriptType=1,ScriptMajorVersion=21,ScriptMinorVersion=4,ScriptAttributes=1)", 900000000+l.r.IntN(99999999))
	l.msi('s', "Executing op: ProductInfo(ProductKey=%s,ProductName=%s,PackageName=%s,Language=1033,Version=%s,Assignment=1,ObsoleteArg=0,,,PackageCode=%s,,,InstanceType=0,LUASetting=0,RemoteURTInstalls=0)",
		l.a.ad.prog.productCode, l.a.ad.prog.msiProduct, l.a.ad.prog.msiPackage, p.productVer, guid(l))
	if l.a.cause == "custom-action-failed" && l.r.IntN(2) == 0 {
		l.dllCustomAction(p)
		l.endFinalize()
		return
	}
	l.msi('s', "Executing op: ActionStart(Name=InstallFiles,Description=Copying new files,Template=File: [1],  Directory: [9],  Size: [6])")
	l.tick(2000 + l.r.IntN(9000))
	for i, f := range p.files {
		l.msi('s', "Executing op: FileCopy(SourceName=%s,SourceCabKey=%s,DestName=%s,Attributes=512,FileSize=%d,PerTick=32768,,VerifyMedia=1,,,,,CheckCRC=0,Version=%s,Language=1033,InstallMode=58982400,,,,,,,)",
			f, strings.ToLower(f), f, 40000+l.r.IntN(8000000), p.productVer)
		if i == 0 && l.fileFailure(p, f) {
			l.endFinalize()
			return
		}
	}
	l.deferredFailure(p)
	l.endFinalize()
}

// fileFailure writes the failures of the file copy step.
func (l *msiLog) fileFailure(p msiProduct, f string) bool {
	switch l.a.cause {
	case "file-in-use":
		l.productMsg(l.errorText(1310, p.dir+f))
	case "source-missing":
		switch l.r.IntN(3) {
		case 0:
			l.productMsg(l.errorText(1311, l.cachePath()+p.cabinet))
		case 1:
			l.productMsg(l.errorText(1334, strings.ToLower(f), p.cabinet))
		default:
			l.productMsg(l.errorText(1706, l.a.ad.prog.msiProduct, l.a.ad.prog.msiPackage))
		}
	default:
		return false
	}
	return true
}

func (l *msiLog) deferredFailure(p msiProduct) {
	switch l.a.cause {
	case "registry-access-denied":
		l.msi('s', "Executing op: ActionStart(Name=WriteRegistryValues,Description=Writing system registry values,Template=Key: [1], Name: [2], Value: [3])")
		_, sub, _ := strings.Cut(p.key, `\`)
		l.msi('s', "Executing op: RegOpenKey(,Key=%s,,BinaryType=0,,)", sub)
		if l.r.IntN(3) == 0 {
			l.productMsg(l.errorText(1406, "InstallDir", p.key))
		} else {
			l.productMsg(l.errorText(1402, p.key))
		}
	case "service-start-failed":
		l.msi('s', "Executing op: ActionStart(Name=StartServices,Description=Starting services,Template=Service: [1])")
		l.msi('s', "Executing op: ServiceControl(,Name=%s,Action=1,Wait=1,)", p.service[0])
		l.tick(30000)
		l.productMsg(l.errorText(1920, p.service[1], p.service[0]))
	case "custom-action-failed":
		l.msi('s', "Executing op: ActionStart(Name=%s,,)", p.exeAction)
		l.msi('s', "Executing op: CustomActionSchedule(Action=%s,ActionType=3090,Source=%s,Target=%s,)", p.exeAction, p.exeSource, p.exeTarget)
		l.tick(4000)
		l.note(fmt.Sprintf("1722 2: %s 3: %s 4: %s ", p.exeAction, p.exeSource, p.exeTarget))
		l.productMsg(l.errorText(1722, p.exeAction, p.exeSource, p.exeTarget))
	case "assembly-install-failed":
		asm := `Microsoft.VC80.CRT,version="8.0.50727.42",type="win32",processorArchitecture="x86",publicKeyToken="1fc8b3b9a1e18e3b"`
		l.msi('s', "Executing op: ActionStart(Name=MsiPublishAssemblies,Description=Publishing assembly information,Template=Application Context:[1], Assembly Name:[2])")
		l.msi('s', "Executing op: AssemblyCopy(SourceName=msvcr80.dll,SourceCabKey=msvcr80.dll,DestName=msvcr80.dll,Attributes=0,FileSize=632656,PerTick=32768,,VerifyMedia=1,ElevateFlags=4,,,,ComponentId=%s,IsManifest=0,,,AssemblyMode=1,)", p.assemblyComp)
		l.msi('s', "Assembly Error:The requested operation failed.")
		l.note("1935 2:  3: 0x80070005 4: IAssemblyCacheItem 5: Commit 6: " + asm + " ")
		l.productMsg(l.errorText(1935, asm, p.assemblyComp))
	}
	// no-detail: the script stops with nothing said.
}

func (l *msiLog) dllCustomAction(p msiProduct) {
	l.msi('s', "Executing op: ActionStart(Name=%s,,)", p.dllAction)
	l.msi('s', "Executing op: CustomActionSchedule(Action=%s,ActionType=3073,Source=BinaryData,Target=%s,CustomActionData=%s)", p.dllAction, p.dllAction, p.dir)
	l.msi('s', `Invoking remote custom action. DLL: %s\Installer\MSI%X.tmp, Entrypoint: %s`, l.a.c.windir, 0x10+l.r.IntN(0xff0), p.dllAction)
	l.tick(1500)
	l.msi('s', "CustomAction %s returned actual error code 1603 (note this may not be 100%% accurate if translation happened inside sandbox)", p.dllAction)
}

// endFinalize closes the failed InstallFinalize and rolls back.
func (l *msiLog) endFinalize() {
	l.msi('s', "User policy value 'DisableRollback' is 0")
	l.msi('s', "Machine policy value 'DisableRollback' is 0")
	l.actionEnded("InstallFinalize", 3)
	l.msi('s', "Executing op: Header(Signature=1397708873,Version=301,Timestamp=%d,LangId=1033,Platform=0,ScriptType=2,ScriptMajorVersion=21,ScriptMinorVersion=4,ScriptAttributes=1)", 900000000+l.r.IntN(99999999))
	l.msi('s', "Executing op: DialogInfo(Type=0,Argument=1033)")
	l.msi('s', "Executing op: RollbackInfo(,RollbackAction=Rollback,RollbackDescription=Rolling back action:,RollbackTemplate=[1],CleanupAction=RollbackCleanup,CleanupDescription=Removing backup files,CleanupTemplate=File: [1])")
	for _, f := range productOf(l.a.ad.prog.kind).files[:2] {
		l.msi('s', "Executing op: FileRemove(,FileName=%s,,)", f)
	}
	if l.r.IntN(3) == 0 {
		l.msi('s', "Error in rollback skipped.\tReturn: 5")
	}
	l.note(`2318 2: C:\Config.Msi\` + fmt.Sprintf("%x", 0x10000+l.r.IntN(0xeffff)) + `.rbf `)
	l.note("2262 2: Error 3: -2147287038 ")
	l.msi('s', "Executing op: End(Checksum=0,ProgressTotalHDWord=0,ProgressTotalLDWord=0)")
	l.msi('s', "Unlocking Server")
	l.msi('s', "PROPERTY CHANGE: Deleting UpdateStarted property. Its current value is '1'.")
}

func (l *msiLog) footer() {
	l.actionEnded("INSTALL", 3)
	l.properties('S')
	l.note("1708 ")
	l.msi('s', l.tx.product, l.a.ad.prog.msiProduct, l.tx.opFailed)
	l.msi('s', "Cleaning up uninstalled install packages, if any exist")
	l.msi('s', "MainEngineThread is returning 1603")
	l.msi('s', "No System Restore sequence number for this installation.")
	l.raw(l.tx.logStopped, l.t.Format(l.tx.dateLayout))
	l.msi('c', "Decrementing counter to disable shutdown. If counter >= 0, shutdown will be denied.  Counter after decrement: -1")
	l.msi('c', l.tx.product, l.a.ad.prog.msiProduct, l.tx.failed)
	l.msi('c', "MainEngineThread is returning 1603")
	l.raw(l.tx.stopped, l.t.Format(l.tx.dateLayout))
}

// properties is the dump after the failure; it carries no cause but
// error-looking names that a careless reader trips on.
func (l *msiLog) properties(side byte) {
	w := l.a.c.windir
	props := [][2]string{
		{"UpgradeCode", guid(l)}, {"ProductCode", l.a.ad.prog.productCode},
		{"ProductName", l.a.ad.prog.msiProduct}, {"ProductLanguage", "1033"},
		{"ALLUSERS", "1"}, {"REBOOT", "ReallySuppress"}, {"ErrorDialog", "ErrorDlg"},
		{"ARPNOMODIFY", "1"}, {"INSTALLDIR", productOf(l.a.ad.prog.kind).dir},
		{"SourceDir", l.cachePath()}, {"WindowsFolder", w + `\`},
		{"SystemFolder", w + `\system32\`}, {"TempFolder", w + `\TEMP\`},
		{"ComputerName", l.a.c.name}, {"LogonUser", "SYSTEM"}, {"UserSID", "S-1-5-18"},
		{"VersionNT", versionNT(l.a.c.os)}, {"WindowsBuild", windowsBuild(l.a.c.os)}, {"ServicePackLevel", "4"},
		{"VersionMsi", "3.01"}, {"Privileged", "1"}, {"CostingComplete", "1"},
		{"OutOfDiskSpace", oneIf(l.a.cause == "disk-space")}, {"OutOfNoRbDiskSpace", oneIf(l.a.cause == "disk-space")},
		{"PrimaryVolumeSpaceAvailable", "0"}, {"PrimaryVolumeSpaceRequired", "0"},
		{"SOURCEDIR", l.cachePath()}, {"ProductState", "-1"}, {"PackageCode", guid(l)},
	}
	for _, p := range props {
		l.raw("%s(%c): %s = %s", l.tx.property, side, p[0], p[1])
	}
}

func versionNT(os string) string {
	if os == osXP {
		return "501"
	}
	return "500"
}

func windowsBuild(os string) string {
	if os == osXP {
		return "2600"
	}
	return "2195"
}

func oneIf(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func guid(l *msiLog) string {
	return fmt.Sprintf("{%08X-%04X-%04X-%04X-%012X}", l.r.Uint32(), l.r.IntN(0x10000), l.r.IntN(0x10000),
		l.r.IntN(0x10000), l.r.Uint64()&0xffffffffffff)
}
