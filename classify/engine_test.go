package classify

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"smsfail"
	"smsfail/logtext"
)

func classifyText(t testing.TB, text string) smsfail.Finding {
	t.Helper()
	f, err := Builtin().Classify(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestEngine covers what the method requires beyond the corpus: where the
// engine looks, and what it refuses to classify on.
func TestEngine(t *testing.T) {
	const head = "=== Verbose logging started: 2/15/2007  20:41:26  Build type: SHIP UNICODE 3.01.4000.4042  Calling process: C:\\WINDOWS\\system32\\msiexec.exe ===\n"
	tests := []struct {
		name, log, cause, action string
	}{
		{"errors after the first Return value 3 do not count",
			head + "Action ended 20:41:26: InstallValidate. Return value 3.\nError 1310. Error writing to file: C:\\x.dll.\nAction ended 20:41:26: INSTALL. Return value 3.\n",
			smsfail.CauseNoDetail, "InstallValidate"},
		{"French: a space before the colon of the time",
			head + "Action terminée à 20:41:26 : InstallValidate. Valeur renvoyée 3.\nErreur 1310. Erreur lors de l'écriture dans le fichier : C:\\x.dll.\nAction terminée à 20:41:26 : INSTALL. Valeur renvoyée 3.\n",
			smsfail.CauseNoDetail, "InstallValidate"},
		{"benign notes are not causes",
			head + "MSI (s) (1C:2C) [20:41:26:123]: Note: 1: 2203 2: C:\\WINDOWS\\Installer\\inprogressinstallinfo.ipi 3: -2147287038 \nMSI (s) (1C:2C) [20:41:26:123]: Note: 1: 1402 2: HKEY_CURRENT_USER\\Software\\Microsoft\\MS Setup (ACME)\\User Info 3: 2 \nAction ended 20:41:26: InstallValidate. Return value 3.\n",
			smsfail.CauseNoDetail, "InstallValidate"},
		{"fatal 2203",
			head + "MSI (s) (1C:2C) [20:41:26:123]: Note: 1: 2203 2: C:\\WINDOWS\\Installer\\5c8d2.ipi 3: -2147287035 \nAction ended 20:41:26: INSTALL. Return value 3.\n",
			"installer-database-error", "INSTALL"},
		{"entries run together on one line",
			head + "MSI (s) (1C:2C) [20:41:26:123]: Doing action: CostFinalizeMSI (s) (1C:2C) [20:41:26:140]: Product: X -- Error 1327. Invalid Drive: H:\\Action ended 20:41:26: CostFinalize. Return value 3.\n",
			"invalid-drive", "CostFinalize"},
		{"an earlier run appended to the same log does not count",
			head + "Error 1310. Error writing to file: C:\\x.dll.\nAction ended 20:41:26: InstallFinalize. Return value 3.\n" + head + "Error 1920. Service 'X' (X) failed to start.\nAction ended 20:51:26: InstallFinalize. Return value 3.\n",
			"service-start-failed", "InstallFinalize"},
		{"an earlier run that met another installation does not count",
			head + "MSI (c) (A8:B4) [20:41:26:080]: Failed to grab execution mutex. System error 258.\nMSI (c) (A8:B4) [20:41:26:576]: MainEngineThread is returning 1618\n" +
				head + "CustomAction InstallHelper returned actual error code 5\nAction ended 20:51:28: InstallHelper. Return value 3.\nMSI (s) (1C:D0) [20:51:28:576]: MainEngineThread is returning 1603\n",
			"custom-action-failed", "InstallHelper"},
		{"update.exe: the last session only",
			"0.125: 2007/02/15 20:47:56.890 (local)\n0.140: Hotfix started with following command line: /quiet\n0.200: DoInstallation:DoRegistryUpdates failed\n0.210: Update.exe extended error code = 0x5\n" +
				"0.125: 2007/02/16 20:47:56.890 (local)\n0.140: Hotfix started with following command line: /quiet\n0.300: Update.exe extended error code = 0xf0f4\n0.310: Update.exe return code was masked to 0x643 for MSI custom action compliance.\n",
			"prerequisite-failed", ""},
		{"a rollback logged before the first Return value 3 does not count",
			head + "MSI (s) (1C:2C) [20:41:27:100]: Executing op: ActionStart(Name=InstallHelper,Description=Installing helper,)\n" +
				"MSI (s) (1C:2C) [20:41:27:500]: Product: X -- Error 1722. There is a problem with this Windows Installer package.\n" +
				"Action 20:41:27: Rollback. Rolling back action:\n" +
				"MSI (s) (1C:2C) [20:41:27:600]: Executing op: ActionStart(Name=InstallHelperRollback,,)\n" +
				"MSI (s) (1C:2C) [20:41:27:600]: Product: X -- Error 1310. Error writing to file: C:\\x.dll.\n" +
				"Action ended 20:41:28: InstallFinalize. Return value 3.\n",
			"custom-action-failed", "InstallHelper"},
		{"a numbered error beats the custom action that reported it",
			head + "CustomAction StartAgent returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox)\n" +
				"MSI (s) (1C:2C) [20:41:27:500]: Product: X -- Error 1920. Service 'Agent' (Agent) failed to start.\nAction ended 20:41:28: InstallFinalize. Return value 3.\n",
			"service-start-failed", "InstallFinalize"},
		{"an error translated to success never decides",
			head + "CustomAction KillProcess returned actual error code 1603 but will be translated to success due to continue marking\n" +
				"Action ended 20:41:28: InstallFinalize. Return value 3.\n",
			smsfail.CauseNoDetail, "InstallFinalize"},
		{"Info 1310 is the retry the user saw, Error 1722 the failure",
			head + "Info 1310.Error writing to file: C:\\x.dll.  System error 5.  Verify that you have access to that directory.\n" +
				"Error 1722. There is a problem with this Windows Installer package.\nAction ended 20:41:28: InstallFinalize. Return value 3.\n",
			"custom-action-failed", "InstallFinalize"},
		{"an informational message decides only when no error does",
			head + "Info 1310.Error writing to file: C:\\x.dll.  System error 0.  Verify that you have access to that directory.\n",
			"file-in-use", ""},
		{"a message without its number, by its words",
			"MSI (s) (D8:F8) [12:40:37:516]: Product: Revu -- Disk full: Out of disk space -- Volume: 'C:'; required space: 3,356,793 KB\n",
			"disk-space", ""},
		{"a managed custom action's result outside a verbose log",
			"CustomAction GenerateSslCertificate returned actual error code 1603 (note this may not be 100% accurate if translation happened inside sandbox).\n",
			"custom-action-failed", ""},
		{"a wrapped update.exe line, re-joined",
			"4.313: KB928843 Setup encountered an error: The update.ver file is not\ncorrect.\n",
			"package-damaged", ""},
		{"an extended code inside an HRESULT, with its status name",
			"Drive_Letter:\\windows\\svcpack.log. 8007F0F4 - STATUS_PREREQUISITE_FAILED\n",
			"prerequisite-failed", ""},
		{"a failed step without the extended error line",
			"DoInstallation:DoRegistryUpdates failed.\nAccess is denied.\n",
			"registry-access-denied", ""},
		{"a localized message in prose",
			"但这个软件存在一个缺点,就是会导致“错误 1402。无法打开注册表项:UNKNOWN\\Components”。\n",
			"registry-access-denied", ""},
		{"a deployment tool's exit code",
			"ERROR: Running [\"msiexec.exe\" /i \"x.msi\" /qn] was not successful. Exit code was '1618'.\n",
			"another-install-running", ""},
		{"a script custom action without its run time",
			head + "MSI (s) (1C:2C) [20:41:27:500]: Product: X -- Error 2738. Could not access VBScript run time for custom action.\nAction ended 20:41:28: CheckLicense. Return value 3.\n",
			"custom-action-failed", "CheckLicense"},
		{"a package that needs a newer Windows Installer",
			"MSI (c) (A8:B4) [20:41:26:576]: MainEngineThread is returning 1613\n",
			"prerequisite-failed", ""},
		{"a hotfix superseded by the service pack",
			"Setup has detected that the Service Pack version of this system is newer than the update you are applying.\nThere is no need to install this update.\n",
			"already-installed", ""},
		{"a result after a label in any language",
			"Windows Installer hat das Produkt installiert. Produktname: Agent. Erfolgs- oder Fehlerstatus der Installation: 1603.\n",
			smsfail.CauseNoDetail, ""},
		{"an Action ended line cut down to its time and value",
			head + "Action ended 20:41:28: 3.\n", smsfail.CauseUnclassified, ""},
		{"a log that is not a log", "\x00\x01garbage\xff\xfe\nmore garbage\n", smsfail.CauseUnclassified, ""},
		{"empty", "", smsfail.CauseUnclassified, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := classifyText(t, tt.log)
			if f.Cause != tt.cause || f.Action != tt.action {
				t.Errorf("cause %q action %q, want %q %q; finding %+v", f.Cause, f.Action, tt.cause, tt.action, f)
			}
		})
	}
}

// TestLongLine: a line far longer than the engine holds is read in pieces
// and what follows it is still classified.
func TestLongLine(t *testing.T) {
	log := "MSI (s) (1C:2C) [20:41:26:123]: Executing op: CustomActionSchedule(Action=X,ActionType=3073,CustomActionData=" +
		strings.Repeat("A", 3*chunkSize) + ")\nError 1920. Service 'X' (X) failed to start.\nAction ended 20:41:26: InstallFinalize. Return value 3.\n"
	f := classifyText(t, log)
	if f.Cause != "service-start-failed" || f.Evidence[0].Line != 2 {
		t.Errorf("finding %+v", f)
	}
	for _, e := range f.Evidence {
		if len(e.Text) > maxEvidenceText+8 {
			t.Errorf("evidence line of %d bytes", len(e.Text))
		}
	}
}

// TestByteOrderMarkOnLongFirstLine: the mark is not part of the text even
// when the first line is longer than the engine reads at once.
func TestByteOrderMarkOnLongFirstLine(t *testing.T) {
	f := classifyText(t, "\xef\xbb\xbf"+strings.Repeat("x", 2*chunkSize)+"\n")
	if len(f.Evidence) == 0 || f.Evidence[0].Line != 1 || strings.HasPrefix(f.Evidence[0].Text, "\ufeff") {
		t.Errorf("finding %+v", f)
	}
}

func TestReadError(t *testing.T) {
	_, err := Builtin().Classify(io.MultiReader(strings.NewReader("0.140: x\n"), errReader{}))
	if err == nil || !strings.Contains(err.Error(), "cannot read log") {
		t.Errorf("error %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

// FuzzClassify: any text yields a finding with a known cause and bounded
// evidence, without a panic, and Explain agrees with Classify. The seeds
// are the project's corpus and the real excerpts.
func FuzzClassify(f *testing.F) {
	for _, name := range realFiles(f) {
		data, err := os.ReadFile(filepath.Join(realDir, name))
		if err != nil {
			f.Fatal(err)
		}
		rd, err := logtext.NewReader(bytes.NewReader(data), "")
		if err != nil {
			f.Fatal(err)
		}
		text, err := io.ReadAll(rd)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(text)
	}
	for _, name := range corpusFiles(f) {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		rd, err := newTestReader(bytes.NewReader(data), name)
		if err != nil {
			f.Fatal(err)
		}
		text, err := io.ReadAll(rd)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(text)
	}
	rules := Builtin()
	f.Fuzz(func(t *testing.T, data []byte) {
		finding, err := rules.Classify(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := rules.Cause(finding.Cause); !ok {
			t.Fatalf("unknown cause %q", finding.Cause)
		}
		explained, x, err := rules.Explain(bytes.NewReader(data))
		if err != nil || explained.Cause != finding.Cause || explained.Confidence != finding.Confidence || x.Decision == "" {
			t.Fatalf("Explain %+v %+v %v, Classify %+v", explained, x, err, finding)
		}
		if len(x.SetAside) > asideKept {
			t.Fatalf("%d lines set aside", len(x.SetAside))
		}
		if len(finding.Evidence) > maxEvidence || len(finding.Codes) > maxFindingCodes {
			t.Fatalf("%d evidence lines, %d codes", len(finding.Evidence), len(finding.Codes))
		}
		for _, e := range finding.Evidence {
			if !utf8.ValidString(e.Text) || len(e.Text) > maxEvidenceText+8 || e.Line < 1 {
				t.Fatalf("evidence %+v", e)
			}
		}
	})
}

// TestConfidence: how directly the evidence decided.
func TestConfidence(t *testing.T) {
	const rv3 = "Action ended 20:41:28: InstallFinalize. Return value 3.\n"
	tests := []struct{ name, log, cause, want string }{
		{"a numbered error deciding Return value 3", "Error 1920. Service 'Agent' (Agent) failed to start.\n" + rv3, "service-start-failed", ConfidenceHigh},
		{"the same error without the failure", "Error 1920. Service 'Agent' (Agent) failed to start.\n", "service-start-failed", ConfidenceMedium},
		{"a message known by its words only", "Service 'Agent' (Agent) failed to start.  Verify that you have sufficient privileges to start system services.\n" + rv3, "service-start-failed", ConfidenceMedium},
		{"an informational message only", "Info 1310.Error writing to file: C:\\x.dll.\n", "file-in-use", ConfidenceLow},
		{"no detail", rv3, smsfail.CauseNoDetail, ConfidenceLow},
		{"nothing at all", "hello\n", smsfail.CauseUnclassified, ConfidenceLow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := classifyText(t, tt.log)
			if f.Cause != tt.cause || f.Confidence != tt.want {
				t.Errorf("cause %q confidence %q, want %q %q", f.Cause, f.Confidence, tt.cause, tt.want)
			}
		})
	}
}

// TestExplain: the explanation names the rules that matched, why the
// deciding one won, and the lines set aside; the finding is Classify's.
func TestExplain(t *testing.T) {
	log := "CustomAction KillProcess returned actual error code 1603 but will be translated to success due to continue marking\n" +
		"CustomAction StartAgent returned actual error code 1603\n" +
		"Error 1920. Service 'Agent' (Agent) failed to start.\n" +
		"Action ended 20:41:28: InstallFinalize. Return value 3.\n" +
		"Error 1310. Error writing to file: C:\\rollback.dll.\n"
	f, x, err := Builtin().Explain(strings.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if plain := classifyText(t, log); plain.Cause != f.Cause || plain.Confidence != f.Confidence || len(plain.Evidence) != len(f.Evidence) {
		t.Errorf("Explain %+v, Classify %+v", f, plain)
	}
	if len(x.Considered) != 2 || x.Considered[0].Rule != "msi-service-start" || x.Considered[1].Rule != "msi-custom-action-exit" {
		t.Fatalf("considered %+v", x.Considered)
	}
	if !strings.Contains(x.Decision, "highest priority (70; next msi-custom-action-exit at 45)") || !strings.Contains(x.Decision, "Return value 3 on line 4") {
		t.Errorf("decision %q", x.Decision)
	}
	var reasons []string
	for _, a := range x.SetAside {
		reasons = append(reasons, fmt.Sprintf("%d %s", a.Line, a.Reason))
	}
	want := []string{"1 error translated to success: the installer ignores it by design", "5 after the first Return value 3: the rollback and what follows it never decide"}
	if strings.Join(reasons, "|") != strings.Join(want, "|") {
		t.Errorf("set aside %q, want %q", reasons, want)
	}
}
