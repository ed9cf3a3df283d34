package fetch

import (
	"fmt"
	"regexp"
	"strings"

	"smsfail"
)

// LogPath is a file on one of a host's shares: Share such as "admin$" or
// "C$", Path relative to it, backslash-separated as admins write it. The
// last element may hold the wildcards * and ?, such as Temp\MSI*.LOG: the
// newest matching file is read.
type LogPath struct {
	Share string
	Path  string
}

func (p LogPath) String() string { return p.Share + `\` + p.Path }

// ProgramRule says where the logs of some programs are: an item of
// logs.programs. Paths are templates such as `admin$\Logs\{package}.log`,
// the share first, with {host}, {package} (the package ID), {program},
// {advertisement} and {kb} (the hotfix number, from the program name, the
// package name or the command line).
type ProgramRule struct {
	Match ProgramMatch `yaml:"match"`
	Paths []string     `yaml:"paths"`
}

// ProgramMatch selects programs by Windows wildcards (empty matches
// anything) on the package ID or name, the program name and the
// advertisement ID. As on Windows, only * (any run of characters) and ?
// (one character) are wildcards, case does not matter, and every other
// character stands for itself: "Office [Pro*" matches "Office [Pro Plus]",
// and "SP[12]*" matches names starting with "SP[12]", not "SP1". Every
// text is a valid pattern.
type ProgramMatch struct {
	Package       string `yaml:"package"`
	Program       string `yaml:"program"`
	Advertisement string `yaml:"advertisement"`
}

// check finds what in the rule cannot work; the keys are those of an item
// of logs.programs.
func (r ProgramRule) check() smsfail.SettingErrors {
	var es smsfail.SettingErrors
	if len(r.Paths) == 0 {
		es.Add("paths", "give at least one log path, like admin$\\svcpack.log")
	}
	for i, raw := range r.Paths {
		if _, err := parseTemplate(raw); err != nil {
			es.Add(fmt.Sprintf("paths[%d]", i), "%v", err)
		}
	}
	return es
}

// Locator knows which log belongs to which failure: the rules an admin
// wrote, then the defaults built in.
type Locator struct {
	rules []rule
}

type rule struct {
	ProgramRule
	templates []template
}

// NewLocator checks the rules' templates: one that would leave its share
// (".."), name an absolute path or another host is an error naming it.
func NewLocator(rules []ProgramRule) (*Locator, error) {
	l := &Locator{}
	for n, r := range rules {
		if es := r.check(); len(es) > 0 {
			return nil, fmt.Errorf("log rule %d: %w", n+1, es[0])
		}
		compiled := rule{ProgramRule: r}
		for _, raw := range r.Paths {
			t, _ := parseTemplate(raw) // checked above
			compiled.templates = append(compiled.templates, t)
		}
		l.rules = append(l.rules, compiled)
	}
	return l, nil
}

func (r rule) matches(f smsfail.Failure) bool {
	m := r.Match
	pkg := m.Package == "" || matchFold(m.Package, f.PackageID) || matchFold(m.Package, f.PackageName)
	prog := m.Program == "" || matchFold(m.Program, f.ProgramName)
	adv := m.Advertisement == "" || matchFold(m.Advertisement, f.AdvertisementID)
	return pkg && prog && adv
}

// Paths lists where to look for the log of a failure, in order: the paths
// of every rule that matches it, then the built-in default for its kind
// of program. A path whose placeholders have no usable value (no hotfix
// number for {kb}, a program name with a backslash) is left out.
func (l *Locator) Paths(f smsfail.Failure) []LogPath {
	v := values{
		"host": f.Machine, "package": f.PackageID, "program": f.ProgramName,
		"advertisement": f.AdvertisementID, "kb": hotfixNumber(f),
	}
	var paths []LogPath
	seen := map[string]bool{}
	add := func(p LogPath) {
		key := strings.ToUpper(p.String())
		if !seen[key] {
			seen[key] = true
			paths = append(paths, p)
		}
	}
	for _, r := range l.rules {
		if !r.matches(f) {
			continue
		}
		for _, t := range r.templates {
			if p, ok := t.expand(v); ok {
				add(p)
			}
		}
	}
	for _, p := range defaultPaths(f, v["kb"]) {
		add(p)
	}
	return paths
}

// Logs of the programs SMS runs, where they write them by default.
var (
	servicePackLog = LogPath{Share: "admin$", Path: "svcpack.log"}
	msiPolicyLogs  = LogPath{Share: "admin$", Path: `Temp\MSI*.LOG`} // the Logging policy, run as SYSTEM
)

// defaultPaths is the built-in guess for a program: update.exe service
// packs log to svcpack.log and hotfixes to KB<number>.log, unless /log:
// moves them; an MSI logs where /l*v says, else (with the Logging policy)
// to MSI*.LOG in the system's Temp folder. 1603 is Windows Installer's
// code, so a program of no known kind is looked for as an MSI.
func defaultPaths(f smsfail.Failure, kb string) []LogPath {
	if file, ok := logOption(f.CommandLine); ok {
		if p, ok := toSharePath(file); ok {
			return []LogPath{p}
		}
	}
	switch programKind(f, kb) {
	case kindServicePack:
		return []LogPath{servicePackLog}
	case kindHotfix:
		return []LogPath{{Share: "admin$", Path: "KB" + kb + ".log"}}
	default:
		return []LogPath{msiPolicyLogs}
	}
}

type kind int

const (
	kindMSI kind = iota
	kindServicePack
	kindHotfix
)

var (
	msiRe = regexp.MustCompile(`(?i)(^|[\\/\s"])msiexec(\.exe)?("|\s|$)|\.ms[ip]("|\s|$)`)
	// Service pack installers: WindowsXP-KB936929-SP3-x86-ENU.exe,
	// xpsp2.exe, w2ksp4_en.exe, or update.exe run from an unpacked one.
	spFileRe = regexp.MustCompile(`(?i)-sp\d-|(xp|w2k|win2k|2k3|nt4)sp\d|\\update\\update\.exe`)
	spNameRe = regexp.MustCompile(`(?i)service\s*pack|(^|[^a-z0-9])sp\d($|[^a-z0-9])`)
	kbRe     = regexp.MustCompile(`(?i)(^|[^a-z0-9])kb(\d{5,7})($|[^0-9])`)
	updateRe = regexp.MustCompile(`(?i)(^|[\\/\s"])update\.exe`)
)

// servicePackKBs are the articles of the service packs SMS sites pushed:
// their installers carry a KB number but log to svcpack.log.
var servicePackKBs = map[string]bool{
	"835935": true, // Windows XP SP2
	"936929": true, // Windows XP SP3
	"889101": true, // Windows Server 2003 SP1
	"914961": true, // Windows Server 2003 SP2
}

// programKind tells an MSI from an update.exe service pack or hotfix by
// the command line first, the names after: a hotfix named "... for XP SP2"
// is still a hotfix.
func programKind(f smsfail.Failure, kb string) kind {
	cmd := f.CommandLine
	switch {
	case msiRe.MatchString(cmd):
		return kindMSI
	case spFileRe.MatchString(cmd) || servicePackKBs[kb]:
		return kindServicePack
	case kb != "":
		return kindHotfix
	case spNameRe.MatchString(f.ProgramName) || spNameRe.MatchString(f.PackageName) || updateRe.MatchString(cmd):
		return kindServicePack
	}
	return kindMSI
}

// hotfixNumber is the KB number a failure names, from the program name,
// the package name or the command line, in that order; "" when none.
func hotfixNumber(f smsfail.Failure) string {
	for _, s := range []string{f.ProgramName, f.PackageName, f.CommandLine} {
		if m := kbRe.FindStringSubmatch(s); m != nil {
			return m[2]
		}
	}
	return ""
}
