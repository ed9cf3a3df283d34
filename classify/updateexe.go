package classify

import "bytes"

// update.exe logs: every line is "937.406: text" (or "1,297: text"). On
// failure update.exe writes its real result, then masks it to 1603 for the
// MSI tooling that runs it; the cause is the extended code and the lines
// before it.

var (
	extendedCode  = []byte("extended error code = ")
	maskedTo      = []byte("masked to ")
	messageToUser = []byte("Message displayed to the user")
	setupError    = []byte("Setup encountered an error")
)

func (s *scan) updateEntry(body []byte, f *entryFacts) {
	for _, c := range []struct {
		marker []byte
		kind   string
	}{{extendedCode, CodeExtended}, {maskedTo, CodeMasked}} {
		i := bytes.Index(body, c.marker)
		if i < 0 {
			continue
		}
		f.done = true
		// A run that succeeded writes its code as 0x0: not a failure.
		if v, n := hexAt(body[i+len(c.marker):]); n > 0 && v != 0 {
			f.add(c.kind, v)
			s.fail.shown = true
			f.key, f.errorish = true, true
		}
		return
	}
	if bytes.Contains(body, setupError) {
		s.fail.shown = true
		f.key, f.errorish = true, true
		return
	}
	if bytes.HasPrefix(body, messageToUser) {
		f.key, f.errorish = true, true
		return
	}
	f.quiet = f.quiet || benignUpdateLine(body)
}

// benignUpdateLine tells the failures every update.exe run logs, successful
// or not: registry values, source URLs and files that are simply absent.
func benignUpdateLine(body []byte) bool {
	return bytes.HasSuffix(body, []byte(" 0x2")) || bytes.HasSuffix(body, []byte("0xe0000102")) ||
		bytes.Contains(body, []byte("FetchSourceURL"))
}
