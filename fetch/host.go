package fetch

import "strings"

// ValidHost reports whether name can be a client's NetBIOS or DNS host
// name: labels of letters, digits, '-' and '_' (which NetBIOS names and
// many real DNS zones hold), joined by dots, none starting or ending with
// '-', at most 63 bytes a label and 253 in all. Anything else (spaces,
// backslashes, "..", an IPv6 literal) never reaches a UNC path.
func ValidHost(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}
