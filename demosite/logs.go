package demosite

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// hostName is the machine name the job will see for a client: the
// v_R_System name when the site knows the machine, else the name in its
// messages. The client folder carries it.
func hostName(c *client) string {
	if c.known {
		return c.name
	}
	return c.reported
}

// writeLogs lays out the clients' folders: clients/<HOST>/admin$/... (the
// admin share is %SystemRoot%) and clients/<HOST>/C$/..., one for each
// failing client that can be reached.
func writeLogs(r *rand.Rand, dir string, s *site, as []*assignment) error {
	for _, a := range as {
		if !a.failed() || a.cause == "unreachable" || a.cause == "bad-host-name" {
			continue
		}
		host := filepath.Join(dir, "clients", hostName(a.c))
		for _, share := range []string{"admin$", "C$"} {
			if err := os.MkdirAll(filepath.Join(host, share), 0o755); err != nil {
				return fmt.Errorf("cannot create the client folder of %s: %w", a.c.name, err)
			}
		}
		if !a.hasLog() {
			continue
		}
		if err := writeAssignmentLog(r, dir, a); err != nil {
			return fmt.Errorf("cannot write the log of %s on %s: %w", a.ad.id, a.c.name, err)
		}
	}
	return nil
}

func writeAssignmentLog(r *rand.Rand, dir string, a *assignment) error {
	host := "clients/" + hostName(a.c)
	last := a.runs[len(a.runs)-1].end
	switch a.ad.prog.kind {
	case kindServicePack, kindHotfix:
		a.logPath = host + "/admin$/" + a.ad.prog.logFile
		return writeFile(dir, a.logPath, writeUpdateLog(r, a), last)
	case kindMSIPath:
		// /l*v overwrites the log on every run: only the last one is left.
		a.logPath = host + "/" + driveShare(a.ad.prog.logFile)
		b, err := encodeLines(ansiFor(a.c), writeMSILog(r, a, a.runs[len(a.runs)-1]))
		if err != nil {
			return err
		}
		return writeFile(dir, a.logPath, b, last)
	default:
		return writePolicyLogs(r, dir, host, a)
	}
}

// writePolicyLogs writes one MSI*.LOG per run, as Windows Installer
// logging by policy does, in UTF-16LE with a BOM, and now and then an
// older log of another product the job must not take for the newest.
func writePolicyLogs(r *rand.Rand, dir, host string, a *assignment) error {
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	if r.Float64() < 0.4 {
		b, err := encodeLines(utf16, olderSuccessLog(r, a))
		if err != nil {
			return err
		}
		name := fmt.Sprintf("%s/admin$/Temp/MSI%05x.LOG", host, r.IntN(0xfffff))
		if err := writeFile(dir, name, b, a.runs[0].start.Add(-41*24*time.Hour)); err != nil {
			return err
		}
	}
	for _, run := range a.runs {
		b, err := encodeLines(utf16, writeMSILog(r, a, run))
		if err != nil {
			return err
		}
		a.logPath = fmt.Sprintf("%s/admin$/Temp/MSI%05x.LOG", host, r.IntN(0xfffff))
		if err := writeFile(dir, a.logPath, b, run.end); err != nil {
			return err
		}
	}
	return nil
}

// olderSuccessLog is the log of an earlier, successful maintenance
// install of another product.
func olderSuccessLog(r *rand.Rand, a *assignment) []string {
	l := newMSILog(r, a, a.runs[0].start.Add(-41*24*time.Hour+a.c.tzOffset))
	l.tx = msiEnglish
	l.raw(l.tx.started, l.t.Format(l.tx.dateLayout), a.c.windir+`\system32\msiexec.exe`)
	l.msi('c', "Resetting cached policy values")
	l.msi('s', "Doing action: INSTALL")
	l.actionStart("INSTALL")
	for _, name := range []string{"CostInitialize", "FileCost", "CostFinalize", "InstallValidate", "InstallFinalize"} {
		l.action(name)
	}
	l.actionEnded("INSTALL", 1)
	l.msi('s', "Product: WebFldrs XP -- Configuration completed successfully.")
	l.msi('s', "MainEngineThread is returning 0")
	l.raw(l.tx.stopped, l.t.Format(l.tx.dateLayout))
	return l.lines
}

// driveShare turns C:\Temp\x.log into C$/Temp/x.log.
func driveShare(p string) string {
	drive, rest, _ := strings.Cut(p, `:\`)
	return drive + "$/" + strings.ReplaceAll(rest, `\`, "/")
}

// ansiFor is the system code page of the client.
func ansiFor(c *client) encoding.Encoding {
	if c.locale == localeRussian {
		return charmap.Windows1251
	}
	return charmap.Windows1252
}

func encodeLines(enc encoding.Encoding, lines []string) ([]byte, error) {
	text := strings.Join(lines, "\r\n") + "\r\n"
	b, err := enc.NewEncoder().Bytes([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("cannot encode the log: %w", err)
	}
	return b, nil
}

// writeFile writes a log and gives it the client's last write time.
func writeFile(dir, rel string, b []byte, mtime time.Time) error {
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return err
	}
	return os.Chtimes(p, mtime, mtime)
}
