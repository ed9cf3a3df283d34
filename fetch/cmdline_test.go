package fetch

import (
	"regexp"
	"strings"
	"testing"

	"smsfail"
)

func TestMatchFold(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"MSI*.LOG", "msi3c4d.log", true},
		{"MSI*.LOG", "MSI.LOG", true},
		{"MSI*.LOG", "MSI3c4d.log.old", false},
		{"MSI?.LOG", "MSI12.LOG", false},
		{"MSI?.LOG", "MSIé.LOG", true},
		{"*", "", true},
		{"[ab].log", "[ab].log", true}, // brackets are plain on Windows
		{"[ab].log", "a.log", false},
		{"a*b*c*d", "aXXbYYcZZd", true},
		{"a*b*c*d", "aXXbYYcZZ", false},
	} {
		if got := matchFold(c.pattern, c.name); got != c.want {
			t.Errorf("matchFold(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

var (
	shareRe = regexp.MustCompile(`^(admin\$|[A-Z]\$)$`)
	seeds   = []string{
		`msiexec /i a.msi /l*v C:\Windows\Temp\a.log`,
		`msiexec /i "a b.msi" /L*V "%windir%\Logs\a b.log" /qn`,
		`msiexec /i a.msi /l*v"C:\x.log"`,
		`msiexec /i a.msi /log %SystemRoot%\..\x.log`,
		`WindowsXP-KB936929-SP3-x86-ENU.exe /quiet /log:C:\Logs\sp3.log`,
		`update.exe /log:"C:\a b\c.log"`,
		`msiexec /l* \\srv\logs\x.log`,
		`msiexec /l*v %TEMP%\.\x.log`,
		`msiexec /l*v C:\a\..\..\x.log`,
		`msiexec /l*v C:\a\b\`,
		`msiexec /lvx* "C:\x"y.log`,
		`msiexec /l*v %windir%`,
		`/l`, `-l*v`, `/log:`, `"`, `\"/l*v\" C:\x.log`,
	}
)

// FuzzLogOption: whatever a command line holds, a log path derived from it
// stays on an admin share and names a file there.
func FuzzLogOption(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, cmd string) {
		file, ok := logOption(cmd)
		if !ok {
			return
		}
		p, ok := toSharePath(file)
		if !ok {
			return
		}
		checkSharePath(t, p)
		if !shareRe.MatchString(p.Share) {
			t.Fatalf("%q gave share %q", cmd, p.Share)
		}
	})
}

func checkSharePath(t *testing.T, p LogPath) {
	t.Helper()
	if p.Path == "" {
		t.Fatalf("%v names no file", p)
	}
	for _, e := range strings.Split(p.Path, `\`) {
		if !validElem(e) || strings.ContainsAny(e, `/:"<>|`) || hasControl(e) {
			t.Fatalf("%v has element %q", p, e)
		}
	}
}

// FuzzTemplate: a template the locator accepts never expands, whatever the
// failure's names hold, to a path off its share or with extra folders.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{`admin$\KB{kb}.log`, `\\{host}\C$\Logs\{program}.log`, `admin$\Temp\{package}*.LOG`,
		`C$\{advertisement}\{host}-{program}.log`, `admin$\{program}.`} {
		f.Add(s, `Install`, `KB958644`)
		f.Add(s, `..`, `a\b`)
		f.Add(s, `x:y`, ` . `)
	}
	f.Fuzz(func(t *testing.T, tmpl, name, other string) {
		tp, err := parseTemplate(tmpl)
		if err != nil {
			if !strings.Contains(err.Error(), tmpl) {
				t.Fatalf("error %q does not name the template", err)
			}
			return
		}
		fail := smsfail.Failure{Machine: "PC1", PackageID: other, PackageName: name, ProgramName: name,
			AdvertisementID: other, CommandLine: name + " " + other}
		v := values{"host": fail.Machine, "package": other, "program": name, "advertisement": other, "kb": hotfixNumber(fail)}
		p, ok := tp.expand(v)
		if !ok {
			return
		}
		checkSharePath(t, p)
		if p.Share != tp.share {
			t.Fatalf("%q expanded onto share %q", tmpl, p.Share)
		}
		if got, want := strings.Count(p.Path, `\`), len(tp.elems)-1; got != want {
			t.Fatalf("%q with %q, %q gave %q: %d folders, the template has %d", tmpl, name, other, p.Path, got, want)
		}
		for i, e := range strings.Split(p.Path, `\`) {
			if i < len(tp.elems)-1 && isGlob(e) {
				t.Fatalf("%q gave a wildcard folder in %q", tmpl, p.Path)
			}
		}
	})
}
