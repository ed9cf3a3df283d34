package fetch_test

import (
	"reflect"
	"strings"
	"testing"

	"smsfail"
	"smsfail/fetch"
)

func lp(share, path string) fetch.LogPath { return fetch.LogPath{Share: share, Path: path} }

var msiPolicy = lp("admin$", `Temp\MSI*.LOG`)

func TestLocatorDefaults(t *testing.T) {
	loc, err := fetch.NewLocator(nil)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name          string
		pkg, prog, cl string
		want          []fetch.LogPath
	}{
		{"XP SP3 by its installer", "Windows XP SP3 (KB936929)", "Install SP3",
			`WindowsXP-KB936929-SP3-x86-ENU.exe /quiet /norestart`, []fetch.LogPath{lp("admin$", "svcpack.log")}},
		{"Windows 2000 SP4", "Windows 2000 SP4", "Silent", `w2ksp4_en.exe -u -q`, []fetch.LogPath{lp("admin$", "svcpack.log")}},
		{"service pack by its name", "Service Pack 4", "Install", `update.exe -u -q -z`, []fetch.LogPath{lp("admin$", "svcpack.log")}},
		{"unpacked service pack", "XP SP2", "Install", `i386\update\update.exe /passive`, []fetch.LogPath{lp("admin$", "svcpack.log")}},
		{"hotfix named for a service pack", "MS08-067 for XP SP2", "Install",
			`WindowsXP-KB958644-x86-ENU.exe /quiet /norestart`, []fetch.LogPath{lp("admin$", "KB958644.log")}},
		{"hotfix number from the program name", "Security update", "KB923191 silent", `update.exe /q`,
			[]fetch.LogPath{lp("admin$", "KB923191.log")}},
		{"hotfix number from the package name", "Windows2000-KB835732", "Install", `hotfix.exe /q`,
			[]fetch.LogPath{lp("admin$", "KB835732.log")}},
		{"update.exe /log: moves the log", "XP SP3", "Install", `WindowsXP-KB936929-SP3-x86-ENU.exe /quiet /log:C:\Logs\sp3.log`,
			[]fetch.LogPath{lp("C$", `Logs\sp3.log`)}},
		{"msiexec /l*v in the Windows folder", "Office", "Install", `msiexec /i pro11.msi /qn /l*v C:\WINDOWS\Temp\office.log`,
			[]fetch.LogPath{lp("admin$", `Temp\office.log`)}},
		{"/L*V quoted with %windir%", "App", "Install", `msiexec.exe /I "app 1.msi" /L*V "%windir%\Logs\My App.log" /qb`,
			[]fetch.LogPath{lp("admin$", `Logs\My App.log`)}},
		{"/lv* with %SystemRoot%", "App", "Install", `msiexec /i app.msi /lv* %SystemRoot%\app.log`,
			[]fetch.LogPath{lp("admin$", "app.log")}},
		{"/log on another drive", "App", "Install", `msiexec /i app.msi /log D:\logs\app.log`,
			[]fetch.LogPath{lp("D$", `logs\app.log`)}},
		{"flags and path run together", "App", "Install", `msiexec /i app.msi /l*v"C:\install logs\app.log"`,
			[]fetch.LogPath{lp("C$", `install logs\app.log`)}},
		{"Windows 2000's WINNT", "App", "Install", `msiexec /i app.msi /l*v C:\WINNT\Temp\app.log`,
			[]fetch.LogPath{lp("admin$", `Temp\app.log`)}},
		{"%TEMP% of SYSTEM", "App", "Install", `msiexec /i app.msi /l*v %TEMP%\app.log`,
			[]fetch.LogPath{lp("admin$", `Temp\app.log`)}},
		{"msiexec through cmd", "App", "Install", `cmd /c msiexec /i app.msi -l*v c:\app.log`,
			[]fetch.LogPath{lp("C$", "app.log")}},
		{"MSI without a log", "App", "Install", `msiexec /i app.msi /qn`, []fetch.LogPath{msiPolicy}},
		{"MSI patch", "App", "Patch", `msiexec /p app.msp /qn`, []fetch.LogPath{msiPolicy}},
		{"relative log path", "App", "Install", `msiexec /i app.msi /l*v install.log`, []fetch.LogPath{msiPolicy}},
		{"log on a server", "App", "Install", `msiexec /i app.msi /l*v \\srv\logs\app.log`, []fetch.LogPath{msiPolicy}},
		{"log path leaving the drive", "App", "Install", `msiexec /i app.msi /l*v C:\..\app.log`, []fetch.LogPath{msiPolicy}},
		{"unknown program", "Vendor", "Install", `setup.exe /s`, []fetch.LogPath{msiPolicy}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := loc.Paths(smsfail.Failure{Machine: "PC0001", PackageID: "LAB00012", PackageName: c.pkg, ProgramName: c.prog, CommandLine: c.cl})
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("Paths = %v, want %v", got, c.want)
			}
		})
	}
}

func TestLocatorRules(t *testing.T) {
	loc, err := fetch.NewLocator([]fetch.ProgramRule{
		{Match: fetch.ProgramMatch{Package: "LAB0001*"}, Paths: []string{`admin$\Logs\{package}-{program}.log`, `admin$\KB{kb}.log`}},
		{Match: fetch.ProgramMatch{Program: "install*", Advertisement: "LAB2*"}, Paths: []string{`\\{host}\C$\Logs\{host}\{advertisement}.log`}},
		{Match: fetch.ProgramMatch{Package: "Office*"}, Paths: []string{`admin$/Temp/Office*.log`}},
		{Match: fetch.ProgramMatch{Package: "OTHER"}, Paths: []string{`admin$\never.log`}},
		{Match: fetch.ProgramMatch{Package: "LAB00012"}, Paths: []string{`ADMIN$\LOGS\{PACKAGE}-{PROGRAM}.LOG`, `admin$\Logs\{package}-{program}.log`}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    smsfail.Failure
		want []fetch.LogPath
	}{
		{"rules in order, then the default", smsfail.Failure{Machine: "PC7", PackageID: "LAB00012", PackageName: "Office 2003",
			ProgramName: "Install", AdvertisementID: "LAB20001", CommandLine: `msiexec /i pro11.msi`},
			[]fetch.LogPath{lp("admin$", `Logs\LAB00012-Install.log`), lp("C$", `Logs\PC7\LAB20001.log`),
				lp("admin$", `Temp\Office*.log`), msiPolicy}},
		{"a program name that would add a folder", smsfail.Failure{Machine: "PC7", PackageID: "LAB00013",
			ProgramName: `..\..\x`, CommandLine: `WindowsXP-KB958644-x86-ENU.exe /quiet`},
			[]fetch.LogPath{lp("admin$", "KB958644.log")}},
		{"no rule matches", smsfail.Failure{Machine: "PC7", PackageID: "XYZ00001", ProgramName: "Run", CommandLine: `msiexec /i a.msi`},
			[]fetch.LogPath{msiPolicy}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := loc.Paths(c.f); !reflect.DeepEqual(got, c.want) {
				t.Errorf("Paths = %v, want %v", got, c.want)
			}
		})
	}
}

func TestLocatorRefusesPathsLeavingTheShare(t *testing.T) {
	cases := map[string]string{
		`admin$\..\x.log`:                `would leave the share`,
		`admin$\Temp\..\..\x.log`:        `would leave the share`,
		`C:\Windows\svcpack.log`:         `absolute path`,
		`\admin$\svcpack.log`:            `absolute path`,
		`\\FILESRV\logs$\x.log`:          `another host`,
		`admin$`:                         `no file`,
		`admin$\`:                        `empty path element`,
		`admin$\Temp\*\x.log`:            `wildcards are allowed in the file name only`,
		`admin$\{foo}.log`:               `unknown placeholder {foo}`,
		`admin$\KB{kb.log`:               `unbalanced braces`,
		`{host}$\x.log`:                  `invalid share name`,
		`admin$\x:stream.log`:            `invalid character`,
		``:                               `empty`,
		`admin$\Logs\{program}\..\x.log`: `would leave the share`,
	}
	for tmpl, want := range cases {
		_, err := fetch.NewLocator([]fetch.ProgramRule{{Match: fetch.ProgramMatch{Package: "*"}, Paths: []string{tmpl}}})
		if err == nil {
			t.Errorf("%q accepted", tmpl)
			continue
		}
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "log rule 1") {
			t.Errorf("%q: error %q, want one saying %q", tmpl, err, want)
		}
		if tmpl != "" && !strings.Contains(err.Error(), tmpl) {
			t.Errorf("%q: error %q does not name the template", tmpl, err)
		}
	}
	if _, err := fetch.NewLocator([]fetch.ProgramRule{{Match: fetch.ProgramMatch{Package: "*"}}}); err == nil {
		t.Error("a rule without paths was accepted")
	}
}

func TestValidHost(t *testing.T) {
	for name, want := range map[string]bool{
		"PC0001": true, "pc-0001": true, "LAB_PC1": true, "pc1.corp.example.com": true, "127.0.0.2": true,
		"": false, "PC 1": false, `PC1\admin$`: false, "PC1/x": false, "..": false, "pc1..corp": false,
		"-pc1": false, "pc1-": false, "::1": false, "pc1.": false, strings.Repeat("a", 64): false,
		"pc1%2e": false, "pc1\x00": false, "ПК1": false, "KID-??13": false, `..\..\x`: false, "KID:1": false,
		`KID$`: false, "KID*": false, "SRV_FILES": true,
	} {
		if got := fetch.ValidHost(name); got != want {
			t.Errorf("ValidHost(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestUNC(t *testing.T) {
	if got := fetch.UNC("PC1", lp("admin$", `Temp/MSI*.LOG`)); got != `\\PC1\admin$\Temp\MSI*.LOG` {
		t.Errorf("UNC = %q", got)
	}
}
