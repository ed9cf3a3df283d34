package classify

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// Messages often reach an admin without their number: Windows Installer
// writes some as "Product: X -- <text>", the event log and dialogs show the
// text alone, deployment tools and web pages quote it. An expert knows the
// message by its words, in the client's language; so does the engine. Each
// text below is Windows' wording (or a steady part of it), as the real
// corpus shows it or Windows' message tables word it, and names the code it
// stands for, so the rules that decide on codes decide on it too. Texts are
// matched ignoring ASCII case.

// messageText is a steady part of a message and the code it stands for.
// failure marks the texts that only say the installation failed.
type messageText struct {
	text    []byte // ASCII letters in lower case
	code    codeKey
	failure bool
	result  bool // the text introduces a program's result: "exit code 1603"
	message bool // the text introduces a message number: "Error 1402."
	info    bool // ... of an informational message or warning: "Info 1310."
}

func msiText(n int64, texts ...string) []messageText    { return textsOf(CodeMSIError, n, texts) }
func systemText(n int64, texts ...string) []messageText { return textsOf(CodeSystemError, n, texts) }
func updateText(n int64, texts ...string) []messageText { return textsOf(CodeExtended, n, texts) }

func failureText(texts ...string) []messageText {
	out := textsOf("", 0, texts)
	for i := range out {
		out[i].failure = true
	}
	return out
}

// resultText lists the words after which tools write the code a program
// or an installer returned.
func resultText(texts ...string) []messageText {
	out := textsOf("", 0, texts)
	for i := range out {
		out[i].result = true
	}
	return out
}

// messageWord lists the words that introduce a Windows Installer message
// number in prose and quotes: "... got this Error 1310. Error writing".
func messageWord(texts ...string) []messageText {
	out := textsOf("", 0, texts)
	for i := range out {
		out[i].message = true
	}
	return out
}

// infoWord lists the words that introduce informational messages and
// warnings: "Info 1310." quoted in prose is the retry a user saw.
func infoWord(texts ...string) []messageText {
	out := messageWord(texts...)
	for i := range out {
		out[i].info = true
	}
	return out
}

// textsOf lists each text as written and, when it opens with a letter
// outside ASCII, with that letter in the other case too: sentences start
// with a capital, and quoted fragments do not.
func textsOf(kind string, n int64, texts []string) []messageText {
	var out []messageText
	for _, t := range texts {
		forms := []string{t}
		r, size := utf8.DecodeRuneInString(t)
		if r >= utf8.RuneSelf {
			for _, o := range []rune{unicode.ToUpper(r), unicode.ToLower(r)} {
				if o != r {
					forms = append(forms, string(o)+t[size:])
				}
			}
		}
		for _, f := range forms {
			out = append(out, messageText{text: asciiLower([]byte(f)), code: codeKey{kind: kind, value: n}})
		}
	}
	return out
}

func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = lowerASCII(c)
	}
	return out
}

// lowerASCII turns an ASCII capital into a small letter.
func lowerASCII(c byte) byte {
	if c-'A' < 26 {
		return c | 0x20
	}
	return c
}

// textIndex finds the texts of messageTexts in a line in one pass: the
// first two bytes of every text, lower-cased, mark where one may start.
type textIndex struct {
	texts []messageText
	pairs map[uint16][]int // first two bytes -> texts
	may   [1 << 16 / 64]uint64
}

func newTextIndex() *textIndex {
	x := &textIndex{texts: messageTexts(), pairs: map[uint16][]int{}}
	for i, m := range x.texts {
		k := uint16(m.text[0])<<8 | uint16(m.text[1])
		x.pairs[k] = append(x.pairs[k], i)
		x.may[k/64] |= 1 << (k % 64)
	}
	return x
}

// each calls fn with every text found in p and where it ends.
func (x *textIndex) each(p []byte, fn func(m *messageText, end int)) {
	for i := 0; i+1 < len(p); i++ {
		k := uint16(lowerASCII(p[i]))<<8 | uint16(lowerASCII(p[i+1]))
		if x.may[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		for _, j := range x.pairs[k] {
			m := &x.texts[j]
			if len(p)-i >= len(m.text) && bytes.EqualFold(p[i:i+len(m.text)], m.text) {
				fn(m, i+len(m.text))
			}
		}
	}
}

// messageTexts builds the table; Rules holds it, so nothing is shared.
func messageTexts() []messageText {
	var all []messageText
	for _, group := range [][]messageText{
		msiText(1303, "has insufficient privileges to access this directory", "nicht über ausreichende Berechtigungen für den Zugriff auf dieses Verzeichnis",
			"ne dispose pas de privilèges suffisants pour accéder à ce répertoire", "недостаточно прав для доступа к этой папке"),
		msiText(1305, "error reading from file", "error reading file", "fehler beim lesen der datei", "ошибка при чтении файла"),
		msiText(1310, "error writing to file", "fehler beim schreiben in datei", "erreur lors de l'écriture dans le fichier", "ошибка при записи в файл"),
		msiText(1311, "source file not found(cabinet)", "source file not found (cabinet)", "could not locate source file cabinet"),
		msiText(1334, "cannot be found in cabinet file", "cannot be found in the cabinet file", "wurde in der cabinet-datei", "не найден в файле cab"),
		msiText(1335, "required for this installation is corrupt and cannot be used", "ist beschädigt und kann nicht verwendet werden"),
		msiText(1316, "a network error occurred while attempting to read from the file"),
		msiText(1327, "invalid drive:", "ungültiges laufwerk", "lecteur non valide", "недопустимый диск"),
		msiText(1402, "could not open key", "schlüssel konnte nicht geöffnet werden", "impossible d'ouvrir la clé", "не удается открыть раздел", "не удалось открыть раздел"),
		msiText(1406, "could not write value", "impossible d'écrire la valeur", "не удается записать значение", "не удалось записать значение"),
		msiText(1500, "another installation is in progress", "another installation currently in progress", "another msi installation is already in progress",
			"eine andere installation wird zurzeit ausgeführt"),
		msiText(1601, "disk full: out of disk space", "out of disk space -- volume", "nicht genügend speicherplatz -- volume"),
		msiText(1706, "no valid source could be found", "an installation package for the product"),
		msiText(1719, "windows installer service could not be accessed", "auf den windows installer-dienst konnte nicht zugegriffen werden",
			"le service windows installer n'est pas accessible", "нет доступа к службе установщика windows"),
		msiText(1308, "source file not found:"),
		msiText(1720, "a script required for this install to complete could not be run"),
		msiText(1721, "a program required for this install to complete could not be run"),
		msiText(1722, "a program run as part of the setup did not finish as expected",
			"ein als teil der installation ausgeführtes programm wurde nicht wie erwartet beendet",
			"un programme exécuté dans le cadre de l'installation ne s'est pas terminé", "программа, запущенная как часть установки, не завершилась"),
		msiText(1723, "a dll required for this install to complete could not be run"),
		msiText(1923, "sufficient privileges to install system services"),
		msiText(1920, "sufficient privileges to start system services", "ausreichende berechtigungen zum starten von systemdiensten",
			"privilèges suffisants pour démarrer les services système", "достаточно прав для запуска системных служб"),
		msiText(1935, "an error occurred during the installation of assembly", "an error occured during the installation of assembly", "fehler bei der installation der assembly",
			"une erreur s'est produite lors de l'installation de l'assembly", "ошибка при установке сборки"),
		msiText(2203, "cannot open database file"),
		systemText(5, "access is denied", "zugriff verweigert", "accès refusé", "acceso denegado", "accesso negato", "acesso negado",
			"toegang geweigerd", "åtkomst nekad", "odmowa dostępu", "přístup byl odepřen", "přístup odepřen", "hozzáférés megtagadva",
			"erişim engellendi", "отказано в доступе", "достъпът е отказан", "accesul este refuzat", "アクセスが拒否されました", "拒绝访问", "存取被拒",
			"do not have permission to update", "отсутствуют права на обновление", "insufficient privileges to update"),
		systemText(32, "being used by another process", "are locking files", "files are in use", "von einem anderen prozess verwendet", "utilisé par un autre processus", "занят другим процессом"),
		systemText(112, "not enough space on the disk", "nicht genügend speicherplatz auf dem datenträger", "недостаточно места на диске"),
		systemText(1601, "error_install_service_failure"),
		systemText(1618, "error_install_already_running", "another installation is already in progress"),
		systemText(1613, "you must install a windows service pack that contains a newer version of the windows installer service"),
		systemText(1642, "the upgrade patch cannot be installed by the windows installer service"),
		systemText(1638, "another version of this product is already installed", "error_product_version"),
		updateText(0xf0f4, "status_prerequisite_failed", "prerequisites required to install", "requires the machine to be on ac power",
			"cannot be installed over", "is not compatible with this version of windows", "before you can continue, you must",
			"bevor sie den vorgang fortsetzen können, müssen sie", "über das netzteil betrieben wird", "nicht kompatibel mit dieser version von windows",
			"δεν μπορεί να εγκατασταθεί μέσω", "σε εναλλασσόμενο ρεύμα", "δεν είναι συμβατή με αυτήν την έκδοση",
			"必要条件が", "ac 電源に接続されている必要があります"),
		updateText(0xf01e, "str_catalog_install_failed", "failed to install catalog files", "failed to install catalog"),
		failureText("fatal error during installation", "installation failed", "installation operation failed", "installation did not complete",
			"error_install_failure", "schwerwiegender fehler bei der installation", "erreur irrécupérable lors de l'installation",
			"неустранимая ошибка при установке", "installation failure", "operation failed", "setup has failed", "installer has failed"),
		infoWord("info ", "warning ", "warnung ", "hinweis ", "avertissement ", "advertencia ", "avviso ", "aviso ", "waarschuwing ",
			"varning ", "предупреждение ", "сведения ", "информация "),
		messageWord("error ", "fehler ", "erreur ", "errore ", "erro ", "fout ", "fel ", "błąd ", "chyba ", "hiba ", "virhe ",
			"fejl ", "feil ", "hata ", "eroare ", "ошибка ", "грешка ", "помилка ", "σφάλμα ", "エラー ", "错误 ", "錯誤 ", "오류 ",
			"the error code is "),
		resultText("exit code", "exitcode", "exited", "exit status", "return code", "returned", "returning", "received",
			"installer failed:", "error code", "error number", "error status:", "code ", mainEngineThread, "код возврата", "rückgabecode", "code de retour"),
	} {
		all = append(all, group...)
	}
	return all
}

// textCodes adds the codes of the messages an entry holds by their text.
// An entry that ends in a number alone is a result quoted on its own line
// ("1603", "(-2146762496)", "==> host: 1619").
func (s *scan) textCodes(p []byte, f *entryFacts) {
	if n := aloneNumber(p); n != nil {
		resultCode(n, 0, 0, f)
		return
	}
	s.rules.texts.each(p, func(m *messageText, end int) {
		switch {
		case m.failure:
			f.failure = true
		case m.result:
			resultCode(p, end-len(m.text), end, f)
		case m.message:
			s.numberInProse(p[end:], m.info, f)
		case !f.hasInfo: // an informational message's words are not an error's
			f.addText(m.code.kind, m.code.value)
		}
	})
}

// wordsToRead returns the part of an entry whose words may be a message
// without its number, or nil: the text after "Product: X -- " of an MSI
// line (which msiEntry found, when it read the entry); none of an action or
// property line; all of any other entry.
func wordsToRead(t []byte, f *entryFacts, msiRead bool) []byte {
	switch {
	case bytes.HasPrefix(t, msiPrefix):
		if f.product != nil {
			return f.product
		}
		if i := bytes.Index(t, dashes); !msiRead && i >= 0 {
			return t[i+len(dashes):]
		}
		if msg := msiMessage(t); bytes.HasPrefix(msg, mainEngine) {
			return msg // "MainEngineThread gibt 1603 zurück"
		}
		return nil
	case bytes.HasPrefix(t, actionStartPrefix), bytes.HasPrefix(t, actionEndedPrefix), bytes.HasPrefix(t, []byte("Property(")):
		return nil
	}
	return t
}
