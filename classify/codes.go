package classify

import (
	"fmt"
	"strconv"
	"strings"

	"smsfail"
)

// Kinds of codes a finding carries (smsfail.Code.Kind) and a rule matches on.
const (
	CodeExtended    = "extended"     // update.exe extended error code: 0xf01e
	CodeMasked      = "masked"       // update.exe return code after masking: 0x643
	CodeMSIError    = "msi-error"    // Windows Installer message number: 1722
	CodeSystemError = "system-error" // Win32 error: "System error 5"
	CodeActionExit  = "action-exit"  // what a custom action returned
	CodeHRESULT     = "hresult"      // 0x80070005
	CodeReturnValue = "return-value" // MSI action return value: 3
)

var codeKinds = []string{CodeExtended, CodeMasked, CodeMSIError, CodeSystemError, CodeActionExit, CodeHRESULT, CodeReturnValue}

// codeKey identifies a code: its kind and numeric value.
type codeKey struct {
	kind  string
	value int64
}

// String writes the value as admins read it: hexadecimal for update.exe
// codes and HRESULTs, decimal for the rest.
func (k codeKey) String() string {
	switch k.kind {
	case CodeExtended, CodeMasked:
		return fmt.Sprintf("0x%x", k.value)
	case CodeHRESULT:
		return fmt.Sprintf("0x%08x", k.value)
	}
	return strconv.FormatInt(k.value, 10)
}

func (k codeKey) code() smsfail.Code {
	return smsfail.Code{Kind: k.kind, Value: k.String(), Text: describe(k.kind, k.value)}
}

// parseCode reads a code value of a kind as a rules file writes it: decimal,
// 0x-hexadecimal, or for HRESULTs also the negative decimal MSI logs print.
func parseCode(kind, s string) (codeKey, error) {
	s = strings.TrimSpace(s)
	var v int64
	var err error
	if h, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		v, err = strconv.ParseInt(h, 16, 64)
	} else {
		v, err = strconv.ParseInt(s, 10, 64)
	}
	if err != nil {
		return codeKey{}, fmt.Errorf("%s code %q is not a number", kind, s)
	}
	if kind == CodeHRESULT && v < 0 {
		v = int64(uint32(int32(v)))
	}
	if v < 0 || v > 0xFFFFFFFF {
		return codeKey{}, fmt.Errorf("%s code %q is out of range", kind, s)
	}
	return codeKey{kind: kind, value: v}, nil
}
