package classify

import (
	"bytes"
)

// MSI verbose logs: the engine finds the first "Return value 3" and the
// action on it, follows the deferred script so a failure inside
// InstallFinalize names the action that really failed, and reads message
// numbers in any language ("Error 1402.", "Ошибка 1402.", "DEBUG: Error
// 2203:", "Note: 1: 2203 ...").

var (
	opActionStart       = []byte("Executing op: ActionStart(Name=")
	rollbackAction      = []byte(": Rollback.")
	dashes              = []byte(" -- ")
	localDashes         = [][]byte{[]byte(" — "), []byte(" ― ")} // for " -- " in localized logs and copies
	debugPrefix         = []byte("DEBUG: ")
	caReturned          = []byte("returned actual error code ")
	translatedToSuccess = []byte("translated to success")
	isReturning         = []byte("is returning ")
	errorStatus         = []byte("error status: ")
	benignStorage       = []byte("-2147287038") // STG_E_FILENOTFOUND: a table or stream that is simply absent
)

// quietMessages are message numbers seen in successful installs, or that
// only report progress: never a cause.
var quietMessages = map[int]bool{
	2205: true, 2228: true, 2262: true, 2727: true, 2826: true, 2835: true, 2898: true,
	1707: true, 1715: true, 1716: true, 1717: true, 1724: true, 1726: true, 1728: true,
}

// failedMessages say the installation failed without saying why.
// 1603 is no message of its own: "Error 1603" is the installation's result.
var failedMessages = map[int]bool{1603: true, 1708: true, 1725: true, 1727: true, 1729: true}

// msiMessage returns the text of an entry after its "MSI (s) (1C:2C)
// [20:41:26:123]: " prefix (or the older "MSI (s) (1C:2C): ").
func msiMessage(t []byte) []byte {
	if !bytes.HasPrefix(t, msiPrefix) {
		return t
	}
	limit := min(len(t), 48)
	if i := bytes.Index(t[:limit], colonSpace); i >= 0 {
		return t[i+2:]
	}
	return t
}

func (s *scan) msiEntry(line int, t []byte, f *entryFacts) {
	msg := msiMessage(t)
	if action, v, ok := actionEnded(msg); ok {
		if v == 3 && !s.fail.rv3 {
			s.fail.rv3, s.fail.shown, s.fail.action = true, true, string(action)
			s.fail.rv3Line.set(line, t)
			f.add(CodeReturnValue, 3)
			f.key = true
		}
		f.quiet = v != 3
		return
	}
	if name, ok := bytes.CutPrefix(msg, opActionStart); ok {
		if !s.fail.rollback && !s.fail.rv3 {
			if i := bytes.IndexAny(name, ",)"); i >= 0 {
				s.fail.deferred = string(name[:i])
			}
		}
		f.quiet = true
		return
	}
	if t[0] != 'M' && len(t) < 160 && bytes.Contains(t, rollbackAction) {
		s.fail.rollback = true
		return
	}
	if s.fail.rollback && !s.fail.rv3 {
		f.quiet = true // undoing the install: its errors are not the cause
	}
	if s.noteLine(line, msg, f) {
		return
	}
	if i := bytes.Index(msg, caReturned); i >= 0 {
		if bytes.Contains(msg[i:], translatedToSuccess) {
			f.quiet, f.aside = true, "error translated to success: the installer ignores it by design"
			return
		}
		// What a custom action returns is its own code, not a system error.
		if v, n := atoi(msg[i+len(caReturned):]); n > 0 && v != 0 {
			f.add(CodeActionExit, v)
			f.errorish, f.done = true, true
		}
	}
	s.messageCodes(msg, f)
	s.failureLine(msg, isReturning, f)
	s.failureLine(msg, errorStatus, f)
}

// failureLine reads "MainEngineThread is returning 1603" and "Installation
// success or error status: 1603." as the failure, when the number is one.
func (s *scan) failureLine(msg, marker []byte, f *entryFacts) {
	i := bytes.Index(msg, marker)
	if i < 0 {
		return
	}
	v, n := atoi(msg[i+len(marker):])
	if n == 0 {
		return
	}
	if v == 0 || v == 3010 || v == 1641 {
		f.quiet = true
		return
	}
	s.fail.shown = true
	f.key = !s.fail.rv3
}

// messageCodes finds "Error 1402." where MSI writes messages: at the start
// of the text, after "DEBUG: ", after "Product: X -- ", or after whatever a
// copying tool put before the line (a time, a quote mark, a bullet).
func (s *scan) messageCodes(msg []byte, f *entryFacts) {
	if s.messageAt(msg, f) {
		return
	}
	if rest, ok := bytes.CutPrefix(msg, debugPrefix); ok && s.messageAt(rest, f) {
		return
	}
	if i := bytes.Index(msg, dashes); i >= 0 {
		f.product = msg[i+len(dashes):]
		if s.messageAt(f.product, f) {
			return
		}
	}
	if bytes.IndexByte(msg, localDashes[0][1]) >= 0 { // the lead byte of "—" and "―"
		for _, d := range localDashes {
			if i := bytes.Index(msg, d); i >= 0 && s.messageAt(msg[i+len(d):], f) {
				return
			}
		}
	}
	if i := bytes.IndexAny(msg[:min(len(msg), 48)], ":]>\t"); i >= 0 && i+1 < len(msg) {
		s.messageAt(msg[i+1:], f)
	}
}

func (s *scan) messageAt(p []byte, f *entryFacts) bool {
	p = trimMarks(p)
	n, info, ok := messageNumber(p)
	if !ok {
		return false
	}
	f.numbered = true
	s.msiNumber(n, info, p, f)
	return true
}

// msiNumber files a message number found in the log.
func (s *scan) msiNumber(n int, info bool, text []byte, f *entryFacts) {
	switch {
	case failedMessages[n]:
		f.failure = true
	case quietMessages[n], n == 2203 && bytes.Contains(text, benignStorage):
		f.quiet, f.aside = true, "a message successful installs log too"
	case info:
		f.info, f.hasInfo = codeKey{CodeMSIError, int64(n)}, true
		f.aside = "informational message or warning: the installer went on"
	default:
		f.add(CodeMSIError, int64(n))
		f.errorish = true
	}
}

// trimMarks drops what quoting put before a message: spaces, quote marks,
// backticks, ">" and bullets.
func trimMarks(p []byte) []byte {
	for len(p) > 0 {
		switch p[0] {
		case ' ', '\t', '"', '\'', '`', '>', '*', '(', '-':
			p = p[1:]
		case "•"[0]:
			if !bytes.HasPrefix(p, []byte("•")) {
				return p
			}
			p = p[len("•"):]
		default:
			return p
		}
	}
	return p
}

// messageNumber reads a message as any language writes it: one or two
// words, then a four-digit message number and a point, colon or dash
// ("Error 1722.", "Internal Error 2203.", "Ошибка 1402.", "Error 1935 -
// An error ..."). info is true for informational messages and warnings,
// which are not errors.
func messageNumber(p []byte) (n int, info, ok bool) {
	i := 0
	var last []byte
	for w := 0; w < 2; w++ {
		j := i
		for j < len(p) && j-i <= 30 && (isLetter(p[j]) || p[j] >= 0x80) {
			j++
		}
		if j == i || j-i > 30 || j >= len(p) || p[j] != ' ' {
			return 0, false, false
		}
		last, i = p[i:j], j+1
		if i < len(p) && isDigit(p[i]) {
			v, size := atoi(p[i:])
			if size != 4 || v < 1000 || v > 2999 || !endsNumber(p[i+4:]) {
				return 0, false, false
			}
			return int(v), infoWords[string(bytes.ToLower(last))], true
		}
	}
	return 0, false, false
}

// endsNumber accepts what follows a message number: a point, a colon, a
// dash after a space, an ideographic full stop, the asterisks of bold
// Markdown, or nothing.
func endsNumber(rest []byte) bool {
	switch {
	case len(rest) == 0, rest[0] == '.', rest[0] == ':', rest[0] == '*', bytes.HasPrefix(rest, []byte("。")):
		return true
	}
	return len(rest) > 1 && rest[0] == ' ' && (rest[1] == '-' || bytes.HasPrefix(rest[1:], []byte("–")))
}

// infoWords introduce informational messages and warnings, in the
// languages met on clients.
var infoWords = map[string]bool{
	"info": true, "warning": true, "warnung": true, "hinweis": true, "avertissement": true,
	"advertencia": true, "avviso": true, "aviso": true, "waarschuwing": true, "varning": true,
	"предупреждение": true, "сведения": true, "информация": true,
}

// noteLine reads "Note: 1: 2203 2: path 3: -2147287035", in any language:
// internal notes are noise except the fatal 2203 (the installer cannot
// open its database) and 1708 (installation failed).
func (s *scan) noteLine(line int, msg []byte, f *entryFacts) bool {
	i := bytes.Index(msg[:min(len(msg), 24)], colonSpace)
	if i <= 0 || !bytes.HasPrefix(msg[i+2:], []byte("1: ")) {
		return false
	}
	v, n := atoi(msg[i+5:])
	if n != 4 {
		return false
	}
	f.quiet = true
	switch {
	case failedMessages[int(v)]:
		s.fail.shown = true
		f.key = !s.fail.rv3
	case v == 2203 && !bytes.Contains(msg, benignStorage):
		f.add(CodeMSIError, v)
		f.quiet = false
	}
	return true
}

// actionEnded reads "Action ended 20:41:28: InstallFinalize. Return value
// 3." in any language: a time, the action, a label and the value.
func actionEnded(t []byte) (action []byte, value int, ok bool) {
	end := len(t)
	if end < 16 {
		return nil, 0, false
	}
	if t[end-1] == '.' {
		end--
	}
	d := end
	for d > 0 && isDigit(t[d-1]) {
		d--
	}
	if d == end || end-d > 2 || d < 2 || t[d-1] != ' ' {
		return nil, 0, false
	}
	start := afterTime(t[:d])
	if start < 0 || start >= d-1 { // "hh:mm:ss: 3": no action between the time and the value
		return nil, 0, false
	}
	rest := t[start : d-1]
	dot := bytes.Index(rest, []byte(". "))
	if dot <= 0 || !isActionName(rest[:dot]) || len(rest)-dot > 64 || bytes.ContainsAny(rest[dot:], "0123456789") {
		return nil, 0, false
	}
	v, _ := atoi(t[d:end])
	return rest[:dot], int(v), true
}

// afterTime returns where the text after "hh:mm:ss: " starts, or -1.
// French logs put a space before the colon: "hh:mm:ss : ".
func afterTime(t []byte) int {
	from := 0
	for {
		i := bytes.Index(t[from:], colonSpace)
		if i < 0 {
			return -1
		}
		p := from + i
		from = p + 2
		if p > 0 && t[p-1] == ' ' {
			p--
		}
		if p >= 7 && isDigit(t[p-1]) && isDigit(t[p-2]) && t[p-3] == ':' && isDigit(t[p-4]) && isDigit(t[p-5]) && t[p-6] == ':' && isDigit(t[p-7]) {
			return from
		}
	}
}

func isActionName(b []byte) bool {
	for _, c := range b {
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '.' {
			return false
		}
	}
	return len(b) > 0
}

// scriptActions run the deferred script: when they fail, the action that
// failed is the deferred one that was running.
var scriptActions = map[string]bool{"InstallFinalize": true, "InstallExecute": true, "InstallExecuteAgain": true}

// failingAction is the action an expert names for the failure.
func (s *scan) failingAction() string {
	if scriptActions[s.fail.action] && s.fail.deferred != "" {
		return s.fail.deferred
	}
	return s.fail.action
}

// standardActions are Windows Installer's own actions; any other action
// name on a failing line is a custom action.
var standardActions = wordSet(`ADMIN ADVERTISE INSTALL AllocateRegistrySpace AppSearch BindImage
	CCPSearch CostFinalize CostInitialize CreateFolders CreateShortcuts DeleteServices DisableRollback
	DuplicateFiles ExecuteAction FileCost FindRelatedProducts ForceReboot InstallAdminPackage InstallExecute
	InstallExecuteAgain InstallFiles InstallFinalize InstallInitialize InstallODBC InstallSFPCatalogFile
	InstallServices InstallValidate IsolateComponents LaunchConditions MigrateFeatureStates MoveFiles
	MsiConfigureServices MsiPublishAssemblies MsiUnpublishAssemblies PatchFiles ProcessComponents
	PublishComponents PublishFeatures PublishProduct RMCCPSearch RegisterClassInfo RegisterComPlus
	RegisterExtensionInfo RegisterFonts RegisterMIMEInfo RegisterProduct RegisterProgIdInfo
	RegisterTypeLibraries RegisterUser RemoveDuplicateFiles RemoveEnvironmentStrings RemoveExistingProducts
	RemoveFiles RemoveFolders RemoveIniValues RemoveODBC RemoveRegistryValues RemoveShortcuts ResolveSource
	Rollback RollbackCleanup ScheduleReboot SelfRegModules SelfUnregModules SetODBCFolders StartServices
	StopServices UnpublishComponents UnpublishFeatures UnregisterClassInfo UnregisterComPlus
	UnregisterExtensionInfo UnregisterFonts UnregisterMIMEInfo UnregisterProgIdInfo UnregisterTypeLibraries
	ValidateProductID WriteEnvironmentStrings WriteIniValues WriteRegistryValues`)

func wordSet(words string) map[string]bool {
	set := map[string]bool{}
	for _, w := range bytes.Fields([]byte(words)) {
		set[string(w)] = true
	}
	return set
}
