package classify

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"

	"smsfail/logtext"
)

// msiBlock is a stretch of an ordinary verbose log: file copies, component
// states, benign notes, actions ending well and a property dump, as the
// bulk of a large install's log looks.
func msiBlock() []byte {
	var b strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&b, "MSI (s) (1C:2C) [20:41:%02d:%03d]: Executing op: FileCopy(SourceName=FILE%04d.DLL|file%04d.dll,SourceCabKey=file%04d.dll,DestName=file%04d.dll,Attributes=512,FileSize=%d,PerTick=32768,,VerifyMedia=1,,,,,CheckCRC=0,Version=5.1.2600.%d,Language=1033,InstallMode=58982400,,,,,,,)\r\n", i%60, i, i, i, i, i, 1000+i*37, i)
		fmt.Fprintf(&b, "MSI (s) (1C:2C) [20:41:%02d:%03d]: Component: Comp%04d; Installed: Absent;   Request: Local;   Action: Local\r\n", i%60, i, i)
		fmt.Fprintf(&b, "MSI (s) (1C:2C) [20:41:%02d:%03d]: Note: 1: 2205 2:  3: Error \r\n", i%60, i)
		fmt.Fprintf(&b, "MSI (s) (1C:2C) [20:41:%02d:%03d]: Note: 1: 2228 2:  3: Error 4: SELECT `Message` FROM `Error` WHERE `Error` = 1707 \r\n", i%60, i)
		fmt.Fprintf(&b, "Action start 20:41:%02d: Action%04d.\r\n", i%60, i)
		fmt.Fprintf(&b, "MSI (s) (1C:2C) [20:41:%02d:%03d]: Doing action: Action%04d\r\n", i%60, i, i)
		fmt.Fprintf(&b, "Action ended 20:41:%02d: Action%04d. Return value 1.\r\n", i%60, i)
		fmt.Fprintf(&b, "MSI (s) (1C:2C) [20:41:%02d:%03d]: PROPERTY CHANGE: Adding INSTALLDIR%04d property. Its value is 'C:\\Program Files\\Contoso\\Module %04d\\'.\r\n", i%60, i, i, i)
		fmt.Fprintf(&b, "Property(S): Property%04d = Value of property number %d\r\n", i, i)
	}
	return []byte(b.String())
}

const msiHead = "=== Verbose logging started: 2/15/2007  20:41:26  Build type: SHIP UNICODE 3.01.4000.4042  Calling process: C:\\WINDOWS\\system32\\msiexec.exe ===\r\n"

const msiTail = `MSI (s) (1C:2C) [20:45:01:100]: Executing op: ActionStart(Name=InstallHelper,,)
MSI (s) (1C:2C) [20:45:01:100]: Executing op: CustomActionSchedule(Action=InstallHelper,ActionType=3090,Source=C:\Program Files\Contoso\helper.exe,Target=/install,)
MSI (s) (1C:2C) [20:45:02:500]: Note: 1: 1722 2: InstallHelper 3: C:\Program Files\Contoso\helper.exe 4: /install 
MSI (s) (1C:2C) [20:45:02:500]: Product: Contoso Agent -- Error 1722. There is a problem with this Windows Installer package. A program run as part of the setup did not finish as expected. Contact your support personnel or package vendor.  Action InstallHelper, location: C:\Program Files\Contoso\helper.exe, command: /install 
Error 1722. There is a problem with this Windows Installer package. A program run as part of the setup did not finish as expected. Contact your support personnel or package vendor.  Action InstallHelper, location: C:\Program Files\Contoso\helper.exe, command: /install 
Action ended 20:45:03: InstallFinalize. Return value 3.
=== Verbose logging stopped: 2/15/2007  20:45:04 ===
`

// repeatReader serves a block n times without holding n copies.
type repeatReader struct {
	block []byte
	n     int
	off   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	c := copy(p, r.block[r.off:])
	r.off += c
	if r.off == len(r.block) {
		r.off = 0
		r.n--
	}
	return c, nil
}

// largeMSILog returns a verbose log of about size bytes that fails at the
// end, and its exact size.
func largeMSILog(size int) (func() io.Reader, int64) {
	block := msiBlock()
	n := max(1, size/len(block))
	total := int64(len(msiHead) + n*len(block) + len(msiTail))
	return func() io.Reader {
		return io.MultiReader(strings.NewReader(msiHead), &repeatReader{block: block, n: n}, strings.NewReader(msiTail))
	}, total
}

func benchmarkClassify(b *testing.B, size int) {
	rules := Builtin()
	open, total := largeMSILog(size)
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := rules.Classify(open())
		if err != nil || f.Cause != "custom-action-failed" {
			b.Fatalf("got %q, %v", f.Cause, err)
		}
	}
}

// The figures that matter: MB/s on a 100 MB log, and bytes allocated per
// run being the same for 10 MB and 100 MB.
func BenchmarkClassifyMSI10MB(b *testing.B)  { benchmarkClassify(b, 10<<20) }
func BenchmarkClassifyMSI100MB(b *testing.B) { benchmarkClassify(b, 100<<20) }

// BenchmarkClassifyRunTogether: a verbose log that lost its line breaks on
// the way, so every line holds as many entries as the engine reads at once.
func BenchmarkClassifyRunTogether(b *testing.B) {
	rules := Builtin()
	block := bytes.ReplaceAll(msiBlock(), []byte("\r\n"), []byte(" "))
	text := msiHead + strings.Repeat(string(block), (4<<20)/len(block)) + strings.ReplaceAll(msiTail, "\n", " ")
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := rules.Classify(strings.NewReader(text))
		if err != nil || f.Cause != "custom-action-failed" {
			b.Fatalf("got %q, %v", f.Cause, err)
		}
	}
}

// BenchmarkDecodeClassifyUTF16 adds decoding a UTF-16LE log, as MSI writes
// it, to classification.
func BenchmarkDecodeClassifyUTF16(b *testing.B) {
	rules := Builtin()
	open, _ := largeMSILog(20 << 20)
	var raw bytes.Buffer
	raw.Write([]byte{0xFF, 0xFE})
	text, _ := io.ReadAll(open())
	for _, r := range string(text) {
		raw.WriteByte(byte(r))
		raw.WriteByte(byte(r >> 8))
	}
	data := raw.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rd, err := logtext.NewReader(bytes.NewReader(data), "")
		if err != nil {
			b.Fatal(err)
		}
		if f, err := rules.Classify(rd); err != nil || f.Cause != "custom-action-failed" {
			b.Fatalf("got %q, %v", f.Cause, err)
		}
	}
}
