package classify

import "bytes"

// Codes written inside error lines of any kind of log: "System error 5"
// in MSI messages (in the client's language), HRESULTs in hexadecimal or
// as the negative decimals MSI prints, and update.exe's "error 0x5".

var systemErrorWords = [][]byte{
	[]byte("System error "), []byte("system error "), []byte("Системная ошибка "),
	[]byte("Systemfehler "), []byte("Erreur système "), []byte("Error del sistema "),
	[]byte("Errore di sistema "), []byte("Systeemfout "),
}

var (
	hexMark      = []byte("0x")
	negativeMark = []byte("-2147")
)

// benignUpdateCodes appear in successful update.exe runs: registry values
// and source files that are simply absent.
var benignUpdateCodes = map[codeKey]bool{
	{CodeSystemError, 2}:      true,
	{CodeHRESULT, 0xE0000102}: true,
}

// systemCodes adds the system errors and HRESULTs of an error line. update
// is true for update.exe lines, whose small hexadecimal values are Win32
// codes.
func systemCodes(t []byte, update bool, f *entryFacts) {
	for _, w := range systemErrorWords {
		if i := bytes.Index(t, w); i >= 0 {
			p := t[i+len(w):]
			if neg, ok := bytes.CutPrefix(p, []byte("-")); ok {
				if v, n := atoi(neg); n > 0 {
					f.add(CodeHRESULT, int64(uint32(-v)))
				}
			} else if v, n := atoi(p); n > 0 {
				f.add(CodeSystemError, v)
			}
			break
		}
	}
	for from := 0; from < len(t); {
		i := bytes.Index(t[from:], hexMark)
		if i < 0 {
			break
		}
		p := from + i
		v, n := hexAt(t[p:])
		from = p + max(n, 2)
		if n == 0 || (p > 0 && (isLetter(t[p-1]) || isDigit(t[p-1]))) {
			continue
		}
		var k codeKey
		switch {
		case v >= 0x80000000 && v <= 0xFFFFFFFF:
			k = codeKey{CodeHRESULT, v}
		case update && v > 0 && v < 0x10000:
			k = codeKey{CodeSystemError, v}
		default:
			continue
		}
		if !(update && benignUpdateCodes[k]) {
			f.add(k.kind, k.value)
		}
	}
	for from := 0; from < len(t); {
		i := bytes.Index(t[from:], negativeMark)
		if i < 0 {
			break
		}
		p := from + i
		v, n := atoi(t[p+1:])
		from = p + 1 + n
		if n == 10 && v <= 1<<31 {
			f.add(CodeHRESULT, int64(uint32(-v)))
		}
	}
}

// errorWords make a line look like an error, in the languages met.
var errorWords = [][]byte{
	[]byte("rror"), []byte("RROR"), []byte("fail"), []byte("Fail"), []byte("FAIL"),
	[]byte("denied"), []byte("Denied"), []byte("шибк"), []byte("Fehler"), []byte("rreur"), []byte("échec"),
}

// errorLooking tells a line worth showing when nothing else explains a
// failure. "Error" must be a word: "ErrorDialog" is a property.
func errorLooking(t []byte) bool {
	for i, w := range errorWords {
		if i >= 2 {
			if bytes.Contains(t, w) {
				return true
			}
			continue
		}
		for from := 0; ; {
			j := bytes.Index(t[from:], w)
			if j < 0 {
				break
			}
			p := from + j
			after := p + len(w)
			if p > 0 && (t[p-1]|0x20) == 'e' && (after == len(t) || !isLetter(t[after]) || t[after]|0x20 == 's') {
				return true
			}
			from = after
		}
	}
	return false
}
