package classify

import "bytes"

// Codes written inside error lines of any kind of log: "System error 5"
// in MSI messages (in the client's language), HRESULTs in hexadecimal or
// as the negative decimals MSI prints, and update.exe's "error 0x5".

var systemErrorWords = [][]byte{
	[]byte("System error "), []byte("system error "), []byte("System Error "), []byte("Системная ошибка "),
	[]byte("Systemfehler "), []byte("Erreur système "), []byte("Error del sistema "),
	[]byte("Errore di sistema "), []byte("Systeemfout "),
}

var hexMark = []byte("0x")

// wingetInstallFailed is winget's APPINSTALLER_CLI_ERROR_SHELLEXEC_INSTALL_FAILED
// (-1978335226): the installer it ran failed, which says no more than 1603.
const wingetInstallFailed = 0x8A150006

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
					f.addHRESULT(int64(uint32(-v)))
				}
			} else if v, n := atoi(p); n == 10 && v >= 0x80000000 && v <= 0xFFFFFFFF {
				f.addHRESULT(v) // the minus sign lost on the way
			} else if n > 0 {
				f.add(CodeSystemError, v)
			}
			break
		}
	}
	hexCodes(t, update, f)
	decimalHRESULTs(t, f)
}

// hexCodes reads "0x80070005", "0x5" in update.exe lines, and HRESULTs
// written without their 0x ("8007F0F4 - STATUS_PREREQUISITE_FAILED").
func hexCodes(t []byte, update bool, f *entryFacts) {
	for p := 0; p < len(t); p++ {
		if p > 0 && (isLetter(t[p-1]) || isDigit(t[p-1])) {
			continue
		}
		v, n := hexAt(t[p:])
		if n == 0 && (p == 0 || t[p-1] != '{') {
			v, n = bareHRESULT(t[p:])
		}
		if n == 0 {
			continue
		}
		switch {
		case v >= 0x80000000 && v <= 0xFFFFFFFF:
			f.addHRESULT(v)
		case v == 0x643: // 1603 in the hexadecimal update.exe and Windows Update print
			f.failure = true
		case update && v > 0 && v < 0x10000 && !benignUpdateCodes[codeKey{CodeSystemError, v}]:
			f.add(CodeSystemError, v)
		}
		p += n - 1
	}
}

// bareHRESULT reads eight hexadecimal digits opening with 80 as a word of
// their own: an HRESULT written without its 0x. A GUID's first group
// ("{844EFBA7-1C24-...") is not one.
func bareHRESULT(t []byte) (int64, int) {
	if len(t) < 8 || t[0] != '8' || t[1] != '0' || (len(t) > 8 && (isLetter(t[8]) || isDigit(t[8]) || t[8] == '-')) {
		return 0, 0
	}
	v, n := hexAt(append([]byte("0x"), t[:8]...))
	if n != 10 {
		return 0, 0
	}
	return v, 8
}

// decimalHRESULTs reads HRESULTs as the decimals tools print: signed
// ("-2147287037") or unsigned ("2149842967").
func decimalHRESULTs(t []byte, f *entryFacts) {
	for p := 0; p < len(t); p++ {
		if !isDigit(t[p]) || (p > 0 && (isDigit(t[p-1]) || isLetter(t[p-1]))) {
			continue
		}
		v, n := atoi(t[p:])
		switch {
		case n != 10 || (p+n < len(t) && isLetter(t[p+n])):
		case p > 0 && t[p-1] == '-' && v <= 1<<31:
			f.addHRESULT(int64(uint32(-v)))
		case v >= 0x80000000 && v <= 0xFFFFFFFF:
			f.addHRESULT(v)
		}
		p += n - 1
	}
}

// addHRESULT files an HRESULT and, for one wrapping a Win32 code (facility
// 7: 0x8007xxxx), the code inside: 0x80070643 is 1603, the failure itself;
// 0x8007Fxxx carries an update.exe extended code.
func (f *entryFacts) addHRESULT(v int64) {
	if benignUpdateCodes[codeKey{CodeHRESULT, v}] {
		return
	}
	if v == wingetInstallFailed {
		f.failure = true
		return
	}
	f.add(CodeHRESULT, v)
	if v&0xFFFF0000 != 0x80070000 {
		return
	}
	switch c := v & 0xFFFF; {
	case c == 1603:
		f.failure = true
	case c >= 0xF000:
		f.add(CodeExtended, c)
	default:
		f.add(CodeSystemError, c)
	}
}

// errorWords make a line look like an error, in the languages met; each
// is found by its first four bytes (see errorLooking).
var errorWords = [][]byte{
	[]byte("rror"), []byte("RROR"), []byte("fail"), []byte("Fail"), []byte("FAIL"),
	[]byte("denied"), []byte("Denied"), []byte("шибк"), []byte("Fehler"), []byte("rreur"), []byte("échec"),
}

// The first four bytes of the error words, folded as foldByte does.
const (
	quadRror  = 'r'<<24 | 'r'<<16 | 'o'<<8 | 'r'
	quadFail  = 'f'<<24 | 'a'<<16 | 'i'<<8 | 'l'
	quadDeni  = 'd'<<24 | 'e'<<16 | 'n'<<8 | 'i'
	quadShib  = 0xF1A8F0B8 // "ши" (D1 88 D0 B8) folded
	quadFehl  = 'f'<<24 | 'e'<<16 | 'h'<<8 | 'l'
	quadRreu  = 'r'<<24 | 'r'<<16 | 'e'<<8 | 'u'
	quadEcheE = 0xE3A96368 // "éch" (C3 A9 63 68) folded
)

// errorLooking tells a line worth showing when nothing else explains a
// failure. "Error" must be a word: "ErrorDialog" is a property. The line is
// walked once, four bytes at a time; a place whose bytes may open an error
// word is then checked against the words themselves.
func errorLooking(t []byte) bool {
	if len(t) < 4 {
		return false
	}
	k := uint32(foldByte(t[0]))<<16 | uint32(foldByte(t[1]))<<8 | uint32(foldByte(t[2]))
	for i := 3; i < len(t); i++ {
		k = k<<8 | uint32(foldByte(t[i]))
		switch k {
		case quadRror, quadFail, quadDeni, quadShib, quadFehl, quadRreu, quadEcheE:
			if errorWordAt(t, i-3) {
				return true
			}
		}
	}
	return false
}

// errorWordAt reports whether an error word starts at t[p:].
func errorWordAt(t []byte, p int) bool {
	for i, w := range errorWords {
		if !bytes.HasPrefix(t[p:], w) {
			continue
		}
		if i >= 2 {
			return true
		}
		after := p + len(w)
		if p > 0 && (t[p-1]|0x20) == 'e' && (after == len(t) || !isLetter(t[after]) || t[after]|0x20 == 's') {
			return true
		}
	}
	return false
}
