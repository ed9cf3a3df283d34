package fetch

import (
	"fmt"
	"strings"
)

// values are what a failure gives a template's placeholders.
type values map[string]string

// placeholders a path template may hold, in any case.
var placeholders = map[string]bool{"host": true, "package": true, "program": true, "advertisement": true, "kb": true}

// template is a checked path template: a literal share, then elements
// that may hold placeholders, the last of which may hold wildcards.
type template struct {
	raw   string
	share string
	elems []string
}

// parseTemplate checks a path template as an admin writes it in the
// configuration: `admin$\KB{kb}.log`, or `\\{host}\admin$\KB{kb}.log`.
func parseTemplate(raw string) (template, error) {
	t := template{raw: raw}
	bad := func(why string) (template, error) {
		return template{}, fmt.Errorf(`invalid log path "%s": %s`, raw, why)
	}
	s := strings.ReplaceAll(strings.TrimSpace(raw), "/", `\`)
	switch {
	case s == "":
		return bad("empty")
	case strings.HasPrefix(s, `\\`):
		host, rest, _ := strings.Cut(s[2:], `\`)
		if !strings.EqualFold(host, "{host}") {
			return bad(`it names another host: start with the share, such as admin$\, or with \\{host}\`)
		}
		s = rest
	case strings.HasPrefix(s, `\`) || driveRe.MatchString(s):
		return bad(`it is an absolute path: start with the share, such as C$\ or admin$\`)
	}
	elems := strings.Split(s, `\`)
	if len(elems) < 2 {
		return bad(`it names a share but no file: write share\path, such as admin$\svcpack.log`)
	}
	t.share, t.elems = elems[0], elems[1:]
	if !validElem(t.share) || strings.ContainsAny(t.share, `{}*?"<>|`) {
		return bad(fmt.Sprintf("invalid share name %q", t.share))
	}
	for i, e := range t.elems {
		if err := checkTemplateElem(e, i == len(t.elems)-1); err != nil {
			return bad(err.Error())
		}
	}
	return t, nil
}

func checkTemplateElem(e string, last bool) error {
	switch {
	case e == "" || e == ".":
		return fmt.Errorf("empty path element")
	case e == "..":
		return fmt.Errorf(`".." would leave the share`)
	case strings.ContainsAny(e, `:"<>|`) || hasControl(e):
		return fmt.Errorf("invalid character in %q", e)
	case isGlob(e) && !last:
		return fmt.Errorf("wildcards are allowed in the file name only, not in folder %q", e)
	}
	rest := e
	for {
		open := strings.IndexByte(rest, '{')
		end := strings.IndexByte(rest, '}')
		switch {
		case open < 0 && end < 0:
			return nil
		case open < 0 || end < open:
			return fmt.Errorf("unbalanced braces in %q", e)
		}
		name := strings.ToLower(rest[open+1 : end])
		if !placeholders[name] {
			return fmt.Errorf("unknown placeholder {%s}: use {host}, {package}, {program}, {advertisement} or {kb}", name)
		}
		rest = rest[end+1:]
	}
}

// expand fills the placeholders. ok is false when a value is missing or
// could change the path's shape: a separator, a wildcard, a drive, "..".
func (t template) expand(v values) (LogPath, bool) {
	elems := make([]string, len(t.elems))
	for i, e := range t.elems {
		var b strings.Builder
		rest := e
		for {
			open := strings.IndexByte(rest, '{')
			if open < 0 {
				b.WriteString(rest)
				break
			}
			end := strings.IndexByte(rest, '}')
			val := v[strings.ToLower(rest[open+1:end])]
			if val == "" || strings.ContainsAny(val, `\/:*?"<>|`) || hasControl(val) {
				return LogPath{}, false
			}
			b.WriteString(rest[:open])
			b.WriteString(val)
			rest = rest[end+1:]
		}
		elems[i] = strings.TrimRight(b.String(), ". ") // Windows drops them too
		if !validElem(elems[i]) {
			return LogPath{}, false
		}
	}
	return LogPath{Share: t.share, Path: strings.Join(elems, `\`)}, true
}
