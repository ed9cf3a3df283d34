package logtext

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
)

// commonCodepages are the ANSI code pages of the Windows languages met on
// clients, tried besides the configured one when a log is not UTF-8:
// Western, Central European, Cyrillic, Greek, Turkish, Baltic, Japanese,
// Simplified Chinese, Korean, Traditional Chinese. Thai (windows-874) is
// left out: every high byte is a Thai character there, so any text reads
// as Thai of a kind; a Thai site sets logs.codepage.
var commonCodepages = []string{
	"windows-1252", "windows-1250", "windows-1251", "windows-1253", "windows-1254", "windows-1257",
	"shift_jis", "gbk", "euc-kr", "big5",
}

// preferredMargin is how much better another code page must read than the
// configured one to be chosen instead: the site's own setting wins a near
// tie.
const preferredMargin = 2

// Guess returns the name of the ANSI code page sample most likely is in:
// the configured one (preferred, DefaultCodepage when empty) unless one of
// the common code pages reads clearly better. The sample is 8-bit text that
// is not valid UTF-8; a read is judged by the words it makes (see score).
func Guess(sample []byte, preferred string) string {
	if preferred == "" {
		preferred = DefaultCodepage
	}
	sample = wholeLines(sample)
	best, bestScore := preferred, scoreIn(sample, preferred)
	for _, name := range commonCodepages {
		if strings.EqualFold(name, preferred) {
			continue
		}
		margin := 0.0
		if best == preferred {
			margin = preferredMargin
		}
		if s := scoreIn(sample, name); s > bestScore+margin {
			best, bestScore = name, s
		}
	}
	return best
}

// wholeLines cuts a sample after its last line break so that a character
// split by the end of the sample does not count against a code page.
func wholeLines(b []byte) []byte {
	if i := bytes.LastIndexByte(b, '\n'); i > 0 {
		return b[:i+1]
	}
	return b
}

func scoreIn(sample []byte, name string) float64 {
	e, err := Codepage(name)
	if err != nil {
		return -1e9
	}
	return score(decodeAll(e, sample))
}

func decodeAll(e encoding.Encoding, b []byte) string {
	out, err := e.NewDecoder().Bytes(b)
	if err != nil {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return string(out)
}

// score judges how much decoded text reads like text. ASCII counts for
// nothing (every code page reads it alike); what counts are the letters
// outside ASCII and the words they make: a word in one script, its
// letters common in the languages written in it, scores; a word mixing
// scripts, a Latin word made only of accented letters ("Îøèáêà" is
// "Ошибка" read in the wrong code page), control characters, unmapped
// bytes and rare symbols cost.
func score(text string) float64 {
	var total float64
	var w word
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) {
			total += w.add(r)
			continue
		}
		total += w.end() + runeCost(r)
	}
	return total + w.end()
}

// runeCost is what a character outside any word adds to the score.
func runeCost(r rune) float64 {
	switch {
	case r < utf8.RuneSelf:
		if r < ' ' && r != '\t' && r != '\r' && r != '\n' {
			return -2
		}
		return 0
	case r == utf8.RuneError:
		return -10
	case r >= 0x80 && r <= 0x9F, unicode.Is(unicode.Co, r), !unicode.IsPrint(r) && r != 0xA0:
		return -5
	case r >= 0xFF61 && r <= 0xFF9F: // half-width katakana: Chinese read as Shift JIS
		return -2
	case unicode.IsPunct(r), unicode.IsSpace(r), unicode.IsDigit(r), r == 0xA0:
		return 0
	}
	return -1 // symbols: ¤, ¦, box drawing, ...
}

// word gathers the letters of one word.
type word struct {
	ascii, other int
	script       *unicode.RangeTable
	mixed        bool
	common       float64
	badCase      bool // a capital after a small letter outside ASCII: "УцЬлмб"
	lastLower    bool
	finalSigma   bool // "ς" inside a word: Greek writes it only at the end
}

func (w *word) add(r rune) float64 {
	if r < utf8.RuneSelf {
		w.ascii++
		w.lastLower = false
		return 0
	}
	if w.finalSigma {
		w.mixed = true
	}
	sc := scriptOf(r)
	if w.script != nil && sc != w.script {
		w.mixed = true
	}
	w.script = sc
	if unicode.IsUpper(r) && w.lastLower {
		w.badCase = true
	}
	w.lastLower = unicode.IsLower(r)
	w.finalSigma = r == 'ς'
	w.other++
	if strings.ContainsRune(commonLetters[sc], unicode.ToLower(r)) {
		w.common++
	}
	return 0
}

// end scores the word just closed and starts the next.
func (w *word) end() float64 {
	defer func() { *w = word{} }()
	n := float64(w.other)
	switch {
	case w.other == 0:
		return 0
	case w.mixed || w.badCase:
		return -2 * n
	case w.script == unicode.Latin:
		if w.ascii == 0 && w.other > 1 || w.other > w.ascii+1 {
			return -n
		}
		return n
	case w.ascii > 0 && w.script != unicode.Latin:
		return -n
	}
	return 0.5*n + w.common
}

var scripts = []*unicode.RangeTable{
	unicode.Latin, unicode.Cyrillic, unicode.Greek, unicode.Hiragana, unicode.Katakana,
	unicode.Han, unicode.Hangul, unicode.Thai, unicode.Arabic, unicode.Hebrew,
}

// scriptOf returns the script of a letter; Han, kana and the prolonged
// sound mark count as one, since Japanese words mix them.
func scriptOf(r rune) *unicode.RangeTable {
	if r == 'ー' {
		return unicode.Han
	}
	for _, s := range scripts {
		if unicode.Is(s, r) {
			if s == unicode.Hiragana || s == unicode.Katakana {
				return unicode.Han
			}
			return s
		}
	}
	return nil
}

// commonLetters are the most frequent letters of the languages written in
// a script (lower case); for Han, the kana of Japanese and the characters
// of Chinese words common in logs: text read in its own code page is made
// mostly of them, text read in another mostly not.
var commonLetters = map[*unicode.RangeTable]string{
	unicode.Cyrillic: "оеаинтсрвлкмдпуяыьгзбчйіїєґ",
	unicode.Greek:    "αοιετσνηυρπκμλάέίόύήώ",
	unicode.Han:      "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽっゃゅょアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポッャュョー的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心本前开但因只从想实日者意无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应向头文体新己制身果加更件统系软程序装安败错误时请试运行启动务服网络功成失败访问拒绝权限文件注册表无法打开写入值键码代返回设置更新补丁系統軟體錯誤請檔案無法開啟寫入登錄機碼權限拒絕存取",
	unicode.Hangul:   "이다는의에하을고가로지서기리한사어자도를수시나과대정인보아해니스요전일적습있으들그우문주상위여부설치오류파일실패액세스거부",
	unicode.Thai:     "าินเรกอ่ตมงยลดวัสบคท้ปหพจะุแชูใโไขฟผีฉซญฐฑฒณศษฬฮ",
}
