package fetch

import "strings"

// isGlob reports whether a path element holds Windows wildcards. Only '*'
// and '?' are wildcards on Windows: '[' is an ordinary character there.
func isGlob(elem string) bool { return strings.ContainsAny(elem, "*?") }

// matchFold reports whether name matches the Windows wildcard pattern
// ('*' any run of characters, '?' exactly one) without regard to case.
func matchFold(pattern, name string) bool {
	return match([]rune(strings.ToUpper(pattern)), []rune(strings.ToUpper(name)))
}

// match is the wildcard matcher that remembers only the last star: linear
// in practice and never exponential, however many stars a pattern holds.
func match(p, s []rune) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case star >= 0:
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
