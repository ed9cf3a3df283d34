package fetch

import (
	"path"
	"regexp"
	"strings"
)

// splitCommandLine splits a Windows command line into arguments the way
// the C runtime does for the common cases: whitespace separates, double
// quotes group and are removed, `\"` is a literal quote.
func splitCommandLine(cmd string) []string {
	var args []string
	var cur strings.Builder
	inQuote, inArg := false, false
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case c == '\\' && i+1 < len(cmd) && cmd[i+1] == '"':
			cur.WriteByte('"')
			inArg = true
			i++
		case c == '"':
			inQuote = !inQuote
			inArg = true
		case (c == ' ' || c == '\t' || c == '\r' || c == '\n') && !inQuote:
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args
}

// msiLogFlags are the letters msiexec accepts after /l: what to log, and
// '*' (all), 'v' (verbose), 'x' (extra), '+' (append), '!' (flush).
const msiLogFlags = "iwearucmopvx+!*"

// logOption returns the log file a program's command line names:
// msiexec's /l*v (any flags, any case, '-' or '/') or /log, followed by the
// path, or update.exe's /log:<path>. ok is false when none is named.
func logOption(cmd string) (file string, ok bool) {
	args := splitCommandLine(cmd)
	for i, a := range args {
		if len(a) < 2 || (a[0] != '/' && a[0] != '-') {
			continue
		}
		opt := strings.ToLower(a[1:])
		next := func() (string, bool) {
			if i+1 < len(args) && looksLikePath(args[i+1]) {
				return args[i+1], true
			}
			return "", false
		}
		switch {
		case strings.HasPrefix(opt, "log:"):
			if v := a[5:]; looksLikePath(v) {
				return v, true
			}
		case opt == "log":
			if v, ok := next(); ok {
				return v, true
			}
		case opt[0] == 'l':
			if v, ok := msiLogArg(a[2:], next); ok {
				return v, true
			}
		}
	}
	return "", false
}

// msiLogArg reads what follows msiexec's /l: flags, then the path, either
// in the next argument or run together with the flags (/l*v"C:\x.log"
// reaches a program as /l*vC:\x.log, and c, e, ... are flags too).
func msiLogArg(body string, next func() (string, bool)) (string, bool) {
	for j := 0; j <= len(body); j++ {
		if j > 0 && !strings.ContainsAny(msiLogFlags, strings.ToLower(body[j-1:j])) {
			return "", false
		}
		rest := body[j:]
		if rest == "" {
			return next()
		}
		if driveRe.MatchString(rest) || strings.HasPrefix(rest, "%") || strings.HasPrefix(rest, `\\`) {
			return rest, true
		}
	}
	return "", false
}

// looksLikePath tells a log path from the next option or a stray word:
// it names a drive, a variable, a UNC path, or a folder.
func looksLikePath(s string) bool {
	if s == "" || s[0] == '/' || s[0] == '-' {
		return false
	}
	return driveRe.MatchString(s) || strings.HasPrefix(s, "%") || strings.ContainsAny(s, `\/`)
}

var driveRe = regexp.MustCompile(`^[A-Za-z]:`)

// systemFolders are where Windows lives on the clients this job serves:
// C:\WINDOWS (XP, 2003) and C:\WINNT (2000). admin$ is that folder.
var systemFolders = []string{"windows", "winnt"}

// variables a log path may start with, as SYSTEM (which runs SMS
// programs) sees them, in the form toSharePath understands.
var variables = map[string]string{
	"%windir%":             `%windir%`,
	"%systemroot%":         `%windir%`,
	"%temp%":               `%windir%\Temp`,
	"%tmp%":                `%windir%\Temp`,
	"%systemdrive%":        `C:`,
	"%programfiles%":       `C:\Program Files`,
	"%commonprogramfiles%": `C:\Program Files\Common Files`,
}

// toSharePath turns a path on the client, as a command line names it, into
// a path on one of its admin shares: C:\X is C$\X, C:\WINDOWS\X and
// %windir%\X are admin$\X. Relative paths, UNC paths and variables other
// than the system's own cannot be turned, and give ok false.
func toSharePath(p string) (lp LogPath, ok bool) {
	p = strings.ReplaceAll(strings.TrimSpace(p), "/", `\`)
	if strings.HasPrefix(p, "%") {
		end := strings.Index(p[1:], "%")
		if end < 0 {
			return LogPath{}, false
		}
		v, known := variables[strings.ToLower(p[:end+2])]
		if !known {
			return LogPath{}, false
		}
		p = v + p[end+2:]
	}
	var share, rest string
	switch {
	case strings.HasPrefix(strings.ToLower(p), "%windir%"):
		share, rest = "admin$", p[len("%windir%"):]
	case driveRe.MatchString(p) && len(p) > 2 && p[2] == '\\':
		share, rest = strings.ToUpper(p[:1])+"$", p[2:]
		if share == "C$" {
			first, tail, _ := strings.Cut(strings.TrimPrefix(rest, `\`), `\`)
			for _, sys := range systemFolders {
				if strings.EqualFold(first, sys) {
					share, rest = "admin$", tail
				}
			}
		}
	default:
		return LogPath{}, false
	}
	return cleanSharePath(share, rest)
}

// cleanSharePath drops "." elements and refuses a path with "..", one that
// names no file, or one with characters no file name has.
func cleanSharePath(share, p string) (LogPath, bool) {
	slashed := "/" + strings.ReplaceAll(p, `\`, "/")
	for _, e := range strings.Split(slashed, "/") {
		if e == ".." {
			return LogPath{}, false // path.Clean would quietly stay at the root
		}
	}
	clean := path.Clean(slashed)
	elems := splitPath(clean)
	if len(elems) == 0 {
		return LogPath{}, false
	}
	for _, e := range elems {
		if !validElem(e) || strings.ContainsAny(e, `*?"<>|`) || hasControl(e) {
			return LogPath{}, false
		}
	}
	return LogPath{Share: share, Path: strings.Join(elems, `\`)}, true
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
