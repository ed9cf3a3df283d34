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
	if i := bytes.Index(body, extendedCode); i >= 0 {
		if v, n := hexAt(body[i+len(extendedCode):]); n > 0 {
			f.add(CodeExtended, v)
		}
		s.updateFailure(f)
		return
	}
	if i := bytes.Index(body, maskedTo); i >= 0 {
		if v, n := hexAt(body[i+len(maskedTo):]); n > 0 {
			f.add(CodeMasked, v)
			s.updateFailure(f)
		}
		return
	}
	if bytes.HasPrefix(body, setupError) {
		s.fail.shown = true
		f.key, f.errorish = true, true
		return
	}
	if bytes.HasPrefix(body, messageToUser) {
		f.key, f.errorish = true, true
	}
}

func (s *scan) updateFailure(f *entryFacts) {
	s.fail.shown = true
	f.key, f.errorish, f.done = true, true, true
}
