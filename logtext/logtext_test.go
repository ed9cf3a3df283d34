package logtext

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"
)

func utf16le(s string, bom bool) []byte {
	var b []byte
	if bom {
		b = append(b, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return b
}

func utf16be(s string) []byte {
	b := []byte{0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u>>8), byte(u))
	}
	return b
}

// cp1251Line is msiLine as a Russian client writes it without a BOM.
const cp1251Line = "MSI (s) (1C:2C) [20:41:26:123]: Product: \xc0\xe3\xe5\xed\xf2 -- \xce\xf8\xe8\xe1\xea\xe0 1402. \xd1\xe8\xf1\xf2\xe5\xec\xed\xe0\xff \xee\xf8\xe8\xe1\xea\xe0 5.\r\n"

const msiLine = "MSI (s) (1C:2C) [20:41:26:123]: Product: Агент -- Ошибка 1402. Системная ошибка 5.\r\n"

func TestNewReader(t *testing.T) {
	long := strings.Repeat("0.140: Copied file:  C:\\WINDOWS\\system32\\mshtml.dll\r\n", 200)
	tests := []struct {
		name     string
		in       []byte
		codepage string
		want     string
	}{
		{"utf-16le with bom", utf16le(msiLine, true), "", msiLine},
		{"utf-16be with bom", utf16be(msiLine), "", msiLine},
		{"utf-16le without bom", utf16le(msiLine, false), "", msiLine},
		{"utf-8 with bom", append([]byte{0xEF, 0xBB, 0xBF}, msiLine...), "", msiLine},
		{"utf-8 without bom", []byte(msiLine), "windows-1251", msiLine},
		{"windows-1252 by default", []byte("0.203: Datei \xfcberpr\xfcft: C:\\Programme\\Caf\xe9\r\n"), "", "0.203: Datei überprüft: C:\\Programme\\Café\r\n"},
		{"windows-1251 by name", []byte("\xce\xf8\xe8\xe1\xea\xe0 1402."), "windows-1251", "Ошибка 1402."},
		{"windows-1251 as cp1251", []byte("\xce\xf8\xe8\xe1\xea\xe0 1402."), "cp1251", "Ошибка 1402."},
		{"windows-1251 as a number", []byte("\xce\xf8\xe8\xe1\xea\xe0 1402."), "1251", "Ошибка 1402."},
		{"oem code page", []byte("\x8e\xe8\xa8\xa1\xaa\xa0"), "866", "Ошибка"},
		{"ascii, then code page text far in", []byte(long + "1.000: Caf\xe9\r\n"), "", long + "1.000: Café\r\n"},
		{"ascii for more than the sample, then windows-1251", []byte(strings.Repeat(long, 8) + cp1251Line), "windows-1252", strings.Repeat(long, 8) + msiLine},
		{"utf-8, then a damaged byte", []byte("Ошибка \xff 1402"), "", "Ошибка \uFFFD 1402"},
		{"windows-1251 on a windows-1252 site", []byte(cp1251Line), "windows-1252", msiLine},
		{"windows-1251 on a site with no code page", []byte(cp1251Line), "", msiLine},
		{"windows-1252 on a windows-1251 site", []byte("0.203: Datei \xfcberpr\xfcft: C:\\Programme\\Caf\xe9 \xe0 la r\xe9ception\r\n"), "windows-1251",
			"0.203: Datei überprüft: C:\\Programme\\Café à la réception\r\n"},
		{"windows-1253 on a windows-1252 site", []byte("\xd3\xf6\xdc\xeb\xec\xe1 3: \xc7 \xe5\xe3\xea\xe1\xf4\xdc\xf3\xf4\xe1\xf3\xe7 \xe4\xe5\xed \xee\xe5\xea\xdf\xed\xe7\xf3\xe5\r\n"), "",
			"Σφάλμα 3: Η εγκατάσταση δεν ξεκίνησε\r\n"},
		{"shift_jis on a windows-1252 site", []byte("\x83\x47\x83\x89\x81\x5b 1402\x81\x42\x83\x8c\x83\x57\x83\x58\x83\x67\x83\x8a \x83\x4c\x81\x5b\x82\xf0\x8a\x4a\x82\xaf\x82\xdc\x82\xb9\x82\xf1\x81\x42\r\n"), "",
			"エラー 1402。レジストリ キーを開けません。\r\n"},
		{"gbk on a windows-1252 site", []byte("\xb4\xed\xce\xf3 1402\xa1\xa3\xce\xde\xb7\xa8\xb4\xf2\xbf\xaa\xd7\xa2\xb2\xe1\xb1\xed\xbc\xfc\xa1\xa3\r\n"), "",
			"错误 1402。无法打开注册表键。\r\n"},
		{"empty", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				var src io.Reader = bytes.NewReader(tt.in)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				r, err := NewReader(src, tt.codepage)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(r)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.want {
					t.Errorf("one byte at a time %v: got %q, want %q", oneByte, got, tt.want)
				}
			}
		})
	}
}

func TestCodepageNames(t *testing.T) {
	for _, name := range []string{"", "windows-1252", "Windows-1251", "cp1250", "1252", "CP850", "437", "koi8-r", "65001", "utf-8", "28591", "932", "ibm866"} {
		if err := ValidCodepage(name); err != nil {
			t.Errorf("%q: %v", name, err)
		}
	}
	err := ValidCodepage("klingon")
	if err == nil || err.Error() != `unknown code page "klingon" (use a name such as windows-1252, cp1251 or 1251)` {
		t.Errorf("unknown code page: %v", err)
	}
	if _, err := NewReader(strings.NewReader(""), "cp99999"); err == nil {
		t.Error("NewReader accepted an unknown code page")
	}
}

func TestReadErrorPasses(t *testing.T) {
	r, err := NewReader(iotest.ErrReader(io.ErrUnexpectedEOF), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); err != io.ErrUnexpectedEOF {
		t.Errorf("read error %v, want it passed through", err)
	}
}

// FuzzNewReader: any bytes decode to valid UTF-8 without a panic.
func FuzzNewReader(f *testing.F) {
	f.Add(utf16le(msiLine, true), "")
	f.Add(utf16le(msiLine, false), "")
	f.Add([]byte("\xce\xf8\xe8\xe1\xea\xe0 1402."), "1251")
	f.Add([]byte("0.140: x\xff\xfe\x00"), "932")
	f.Fuzz(func(t *testing.T, data []byte, codepage string) {
		r, err := NewReader(bytes.NewReader(data), codepage)
		if err != nil {
			return
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 out of %q", data)
		}
		if len(out) > 4*len(data)+16 {
			t.Fatalf("%d bytes out of %d", len(out), len(data))
		}
	})
}

// TestGuessCodepages: a log line in each common code page, on a site set to
// windows-1252, reads in its own script.
func TestGuessCodepages(t *testing.T) {
	tests := []struct{ codepage, text string }{
		{"windows-1251", "MSI (s) (1C:2C) [20:41:26:123]: Продукт: Агент -- Ошибка 1402. Не удается открыть раздел. Системная ошибка 5.\r\n"},
		{"windows-1253", "Σφάλμα 1402. Δεν είναι δυνατό το άνοιγμα του κλειδιού. Σφάλμα συστήματος 5.\r\n"},
		{"windows-1250", "Błąd 1402. Nie można otworzyć klucza. Błąd systemu 5. Sprawdź, czy masz wystarczające uprawnienia do tego klucza.\r\n"},
		{"shift_jis", "エラー 1402。キーを開けませんでした。システム エラー 5。\r\n"},
		{"gbk", "错误 1402。无法打开注册表项。系统错误 5。请确认您有足够的权限访问该注册表项。\r\n"},
		{"big5", "錯誤 1402。無法開啟登錄機碼。系統錯誤 5。請確認您有足夠的權限存取該登錄機碼。\r\n"},
		{"euc-kr", "오류 1402. 키를 열 수 없습니다. 시스템 오류 5. 해당 키에 대한 액세스 권한이 있는지 확인하십시오.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.codepage, func(t *testing.T) {
			e, err := Codepage(tt.codepage)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := e.NewEncoder().Bytes([]byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			r, err := NewReader(bytes.NewReader(raw), "windows-1252")
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.text {
				t.Errorf("read as %q (guessed %s)", got, Guess(raw, "windows-1252"))
			}
		})
	}
}
