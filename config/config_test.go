package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"smsfail"
	"smsfail/fetch"
	"smsfail/strictyaml"
)

var update = flag.Bool("update", false, "rewrite testdata/*.err with the errors seen")

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// read reads a configuration on this machine with the variables vars.
func read(file, text string, vars map[string]string) (*Config, error) {
	return Read(file, []byte(text), ThisMachine(env(vars)))
}

// TestInvalid loads each testdata/invalid-*.yaml and expects exactly the
// error in the .err file beside it: the message a user acts on.
func TestInvalid(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid-*.yaml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			_, err := Load(file, env(nil))
			if err == nil {
				t.Fatal("loaded without error")
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			if *update {
				os.WriteFile(golden, []byte(err.Error()+"\n"), 0o644)
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatalf("no expected error: %v (run with -update)", rerr)
			}
			if got := err.Error() + "\n"; got != string(want) {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, err := read("demo.yaml", "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Failures.ExitCodes; !reflect.DeepEqual(got, []int64{1603}) {
		t.Errorf("exit codes %v, want [1603]", got)
	}
	if c.Logs.Concurrency != 32 || c.Logs.ConnectTimeout != 3*time.Second || c.Logs.HostTimeout != 30*time.Second {
		t.Errorf("fetch defaults: %+v", c.Logs)
	}
	if c.Database.Route != "auto" || c.Failures.ExitCodeIndex != 3 || c.Failures.Window != 24*time.Hour || c.Failures.Late != 72*time.Hour {
		t.Errorf("query defaults: %+v %+v", c.Database, c.Failures)
	}
	if c.Logs.Root != "clients" || c.Database.Path != "site.db" {
		t.Errorf("paths relative to a file in the working folder changed: %q %q", c.Logs.Root, c.Database.Path)
	}
}

// failures.late: 0 turns the look back for late failures off; it is not
// refused as failures.window's 0 is.
func TestLateZero(t *testing.T) {
	c, err := read("demo.yaml", "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\nfailures: {late: 0}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Failures.Late != 0 {
		t.Fatalf("failures.late: 0 loaded as %s", c.Failures.Late)
	}
}

func TestRelativePathsFollowTheFile(t *testing.T) {
	c, err := read(filepath.Join("etc", "smsfail", "smsfail.yaml"), "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: /srv/logs}\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("etc", "smsfail", "site.db"); c.Database.Path != want {
		t.Errorf("database path %q, want %q", c.Database.Path, want)
	}
	if c.Logs.Root != "/srv/logs" {
		t.Errorf("absolute root changed to %q", c.Logs.Root)
	}
}

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "smb.pw")
	os.WriteFile(pw, []byte("s3cret\r\n"), 0o600)
	text := "database: {driver: sqlserver, server: sql1, name: SMS_KID, user: reader, password: {env: DBPW}}\n" +
		"logs: {source: smb, smb: {user: svc, domain: CORP, password: {file: " + pw + "}}}\n"
	c, err := read("x.yaml", text, map[string]string{"DBPW": "pa55"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Password != "pa55" || c.Logs.SMB.Password != "s3cret" {
		t.Errorf("secrets not resolved: %q %q", c.Database.Password, c.Logs.SMB.Password)
	}
}

// TestExampleCoversEveryKey keeps config.example.yaml complete: it loads,
// and every key of Config appears in it.
func TestExampleCoversEveryKey(t *testing.T) {
	data, err := os.ReadFile("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vars := env(map[string]string{"SMSFAIL_DB_PASSWORD": "x", "SMSFAIL_SMB_PASSWORD": "y"})
	c, err := Read("config.example.yaml", data, ThisMachine(vars))
	if err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	for _, key := range strictyaml.Keys(c) {
		if !c.doc.Given(key) {
			t.Errorf("config.example.yaml lacks %s", key)
		}
	}
}

// FuzzParse: no input makes the loader panic, and every refusal is placed
// in the file.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../config.example.yaml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Read("fuzz.yaml", data, ThisMachine(env(map[string]string{"SMSFAIL_DB_PASSWORD": "x"})))
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Errorf("error does not name the file: %v", err)
		}
	})
}

func TestMailDefaults(t *testing.T) {
	base := "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n"
	for tls, port := range map[string]int{"starttls": 25, "none": 25, "tls": 465} {
		c, err := read("x.yaml", base+"mail: {enabled: true, host: relay, tls: "+tls+", from: a@example.org, to: [b@example.org]}\n", nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("relay:%d", port); c.Mail.Server() != want {
			t.Errorf("tls %s: server %s, want %s", tls, c.Mail.Server(), want)
		}
		if c.Mail.MaxAttachBytes != 7<<20 || c.Mail.Backoff != 10*time.Second || c.Mail.Retries != 3 {
			t.Errorf("mail defaults %+v", c.Mail)
		}
	}
}

// A password goes in clear only to the names go-mail allows it to, so a
// setting that would fail at the first night's mail fails at load.
func TestMailPasswordInClearOnlyToThisMachine(t *testing.T) {
	base := "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n"
	for host, ok := range map[string]bool{"localhost": true, "127.0.0.1": true, "'::1'": true, "127.0.0.2": false, "relay.corp.example": false} {
		text := base + "mail: {enabled: true, host: " + host + ", tls: none, auth: plain, user: svc, password: {env: PW}, from: a@example.org, to: [b@example.org]}\n"
		_, err := read("x.yaml", text, map[string]string{"PW": "x"})
		if ok && err != nil {
			t.Errorf("%s: %v", host, err)
		}
		if !ok && (err == nil || !strings.Contains(err.Error(), "would send the password in clear")) {
			t.Errorf("%s: got %v, want the password in clear refused", host, err)
		}
	}
}

// TestPrintedConfigHidesSecrets: however a configuration is printed, the
// resolved passwords are not in it.
func TestPrintedConfigHidesSecrets(t *testing.T) {
	text := "database: {driver: sqlserver, server: sql1, name: SMS_KID, user: reader, password: {env: DBPW}}\n" +
		"logs: {source: local, root: clients}\n"
	c, err := read("x.yaml", text, map[string]string{"DBPW": "pa55w0rd-secret"})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(format, c); strings.Contains(out, "pa55w0rd-secret") {
			t.Errorf("%s prints the password: %s", format, out)
		}
	}
	if s := c.Secrets(); len(s) != 1 || s[0].Key != "database.password" || s[0].Source() != "{env: DBPW}" {
		t.Errorf("the secrets named: %+v", s)
	}
}

// TestSMB1 settles logs.smb.smb1 at load: auto becomes fallback only where
// smbclient is installed and can use the credentials, always reads every
// host through smbclient, and a smbclient that is needed must be there.
func TestSMB1(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "smbclient")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir()) // no smbclient on PATH
	base := "database: {driver: sqlite, path: site.db}\nlogs:\n  source: %s\n  smb: {user: svc, kerberos: {%s}, smb1: %s, smbclient: %q}\n"
	cache := "credential_cache: /tmp/cc"
	for _, c := range []struct {
		source, kerberos, smb1, program   string
		wantSource, wantSMB1, wantProgram string
		wantErr                           string
	}{
		{"smb", cache, "auto", fake, "smb", "fallback", fake, ""},
		{"smb", cache, "auto", "", "smb", "never", "", ""},
		{"smb", "keytab: /etc/k.keytab, realm: CORP", "auto", fake, "smb", "never", fake, ""},
		{"smb", cache, "never", fake, "smb", "never", fake, ""},
		{"smb", cache, "always", fake, "smbclient", "always", fake, ""},
		{"smbclient", cache, "auto", fake, "smbclient", "auto", fake, ""},
		{"smbclient", cache, "auto", "", "", "", "", "x.yaml:3: logs.source: cannot find smbclient (install the package smbclient"},
		{"smb", cache, "fallback", "", "", "", "", "x.yaml:4: logs.smb.smb1: cannot find smbclient (install the package smbclient"},
	} {
		name := c.source + "/" + c.smb1 + "/" + c.program + "/" + c.kerberos
		cfg, err := read("x.yaml", fmt.Sprintf(base, c.source, c.kerberos, c.smb1, c.program), nil)
		if c.wantErr != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want %s...", name, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if l := cfg.Logs; string(l.Source) != c.wantSource || string(l.SMB.SMB1) != c.wantSMB1 || l.SMB.SMBClient != c.wantProgram {
			t.Errorf("%s: source %s, smb1 %s, smbclient %q; want %s, %s, %q", name, l.Source, l.SMB.SMB1, l.SMB.SMBClient, c.wantSource, c.wantSMB1, c.wantProgram)
		}
	}
}

// TestProgramPatternsAreWindowsWildcards: logs.programs[].match is checked
// by the rules fetch matches it by, Windows wildcards, where only * and ?
// are wildcards and [ is an ordinary character. "Office [Pro*" loads and
// finds Office [Pro Plus]'s log; "SP[12]*" means what it runs as, names
// starting with "SP[12]", never SP1.
func TestProgramPatternsAreWindowsWildcards(t *testing.T) {
	text := "database: {driver: sqlite, path: site.db}\nlogs:\n  source: local\n  root: clients\n  programs:\n" +
		"  - match: {program: \"Office [Pro*\"}\n    paths: ['admin$\\office.log']\n" +
		"  - match: {package: \"SP[12]*\"}\n    paths: ['admin$\\sp.log']\n"
	c, err := read("x.yaml", text, nil)
	if err != nil {
		t.Fatalf("Windows wildcards refused at load: %v", err)
	}
	loc, err := fetch.NewLocator(c.Logs.Programs)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    smsfail.Failure
		path string
		want bool
	}{
		{smsfail.Failure{Machine: "PC1", ProgramName: "Office [Pro Plus]"}, "office.log", true},
		{smsfail.Failure{Machine: "PC1", ProgramName: "Office Pro Plus"}, "office.log", false},
		{smsfail.Failure{Machine: "PC1", PackageName: "sp[12] rollup"}, "sp.log", true},
		{smsfail.Failure{Machine: "PC1", PackageName: "SP1 rollup"}, "sp.log", false},
	} {
		found := false
		for _, p := range loc.Paths(tc.f) {
			found = found || p.Path == tc.path
		}
		if found != tc.want {
			t.Errorf("%q %q: %s looked for: %v, want %v", tc.f.ProgramName, tc.f.PackageName, tc.path, found, tc.want)
		}
	}
}

// TestLogPathsCheckedAtLoad: a log path template that fetch would refuse
// is refused when the configuration loads, at its line, not when the job
// is built.
func TestLogPathsCheckedAtLoad(t *testing.T) {
	text := "database: {driver: sqlite, path: site.db}\nlogs:\n  source: local\n  root: clients\n  programs:\n" +
		"  - match: {package: \"*\"}\n    paths:\n    - 'admin$\\ok.log'\n    - 'C:\\Windows\\x.log'\n"
	_, err := read("x.yaml", text, nil)
	want := `x.yaml:9: logs.programs[0].paths[1]: invalid log path "C:\Windows\x.log": it is an absolute path`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want %s...", err, want)
	}
}

// TestParseLooksAtNoMachine: Parse reads no environment and settles
// nothing that depends on the machine; Resolve does, on the machine it is
// given.
func TestParseLooksAtNoMachine(t *testing.T) {
	text := "database: {driver: sqlserver, server: sql1, name: SMS_KID, user: reader, password: {env: DBPW}}\n" +
		"logs: {smb: {smb1: never}}\nreport: {dir: out}\n"
	c, err := Parse(filepath.Join("etc", "smsfail.yaml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if c.Logs.Source != fetch.SourceAuto || c.Report.Dir != "out" {
		t.Fatalf("parse settled source %s, report.dir %s", c.Logs.Source, c.Report.Dir)
	}
	windows := Machine{Getenv: env(map[string]string{"DBPW": "pw"}), GOOS: "windows",
		ReadFile: func(string) ([]byte, error) { t.Fatal("no secret file named"); return nil, nil },
		LookPath: func(string) (string, error) { t.Fatal("smbclient looked for"); return "", nil }}
	if err := c.Resolve(windows); err != nil {
		t.Fatal(err)
	}
	if c.Logs.Source != fetch.SourceUNC || c.Database.Password != "pw" || c.Report.Dir != filepath.Join("etc", "out") {
		t.Errorf("resolved on windows: source %s, password set %v, report.dir %s", c.Logs.Source, c.Database.Password == "pw", c.Report.Dir)
	}

	c, _ = Parse("x.yaml", []byte("database: {driver: sqlite, path: site.db}\nlogs: {source: unc}\n"))
	linux := windows
	linux.GOOS = "linux"
	err = c.Resolve(linux)
	if err == nil || err.Error() != `x.yaml:2: logs.source: unc reads \\HOST\admin$ natively and works on Windows only; on linux use smb with credentials` {
		t.Errorf("unc on linux: %v", err)
	}
}
