package logtext

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// ValidCodepage reports whether name is a code page NewReader accepts, so a
// configuration names a wrong one at load and not in the middle of a run.
func ValidCodepage(name string) error {
	_, err := Codepage(name)
	return err
}

// Codepage returns the encoding of a Windows code page given as a name
// (windows-1251, koi8-r, ibm866), with a "cp" prefix (cp1251, cp850) or as
// a bare number (1251, 850, 65001). An empty name is DefaultCodepage.
func Codepage(name string) (encoding.Encoding, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		n = DefaultCodepage
	}
	if num, ok := strings.CutPrefix(n, "cp"); ok && isNumber(num) {
		n = byNumber(num)
	} else if isNumber(n) {
		n = byNumber(n)
	}
	if e, err := htmlindex.Get(n); err == nil {
		return e, nil
	}
	if e, err := ianaindex.IANA.Encoding(n); err == nil && e != nil {
		return e, nil
	}
	return nil, fmt.Errorf("unknown code page %q (use a name such as windows-1252, cp1251 or 1251)", name)
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// byNumber maps a Windows code page number to a name the encoding indexes
// know. Numbers without a rule of their own are the OEM (IBM) code pages.
func byNumber(num string) string {
	n, _ := strconv.Atoi(num)
	switch {
	case n == 65001:
		return "utf-8"
	case n == 874 || (n >= 1250 && n <= 1258):
		return "windows-" + num
	case n == 932:
		return "shift_jis"
	case n == 936:
		return "gbk"
	case n == 949:
		return "euc-kr"
	case n == 950:
		return "big5"
	case n == 54936:
		return "gb18030"
	case n == 20866:
		return "koi8-r"
	case n == 21866:
		return "koi8-u"
	case n >= 28591 && n <= 28606:
		return "iso-8859-" + strconv.Itoa(n-28590)
	}
	return "ibm" + num
}
