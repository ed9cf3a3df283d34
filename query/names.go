package query

import "strings"

// ValidMachineName reports whether a machine name from the site database
// can be a host to connect to: a NetBIOS name (up to 15 characters) or a
// DNS name, made of letters, digits, hyphens and underscores. Anything
// else (question marks from a code page mix-up, backslashes, spaces) is
// bad data that must never become part of a UNC path.
func ValidMachineName(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	labels := strings.Split(name, ".")
	if len(labels) == 1 && len(name) > 15 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}
