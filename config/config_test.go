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

	"go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite testdata/*.err with the errors seen")

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
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
	c, err := Parse("demo.yaml", []byte("database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Failures.ExitCodes; !reflect.DeepEqual(got, []int64{1603}) {
		t.Errorf("exit codes %v, want [1603]", got)
	}
	if c.Logs.Concurrency != 32 || c.Logs.ConnectTimeout.D() != 3*time.Second || c.Logs.HostTimeout.D() != 30*time.Second {
		t.Errorf("fetch defaults: %+v", c.Logs)
	}
	if c.Database.Route != "auto" || c.Failures.ExitCodeIndex != 3 || c.Failures.Window.D() != 24*time.Hour || c.Failures.Late.D() != 72*time.Hour {
		t.Errorf("query defaults: %+v %+v", c.Database, c.Failures)
	}
	if c.Logs.Root != "clients" || c.Database.Path != "site.db" {
		t.Errorf("paths relative to a file in the working folder changed: %q %q", c.Logs.Root, c.Database.Path)
	}
}

// failures.late: 0 turns the look back for late failures off; it is not
// refused as failures.window's 0 is.
func TestLateZero(t *testing.T) {
	c, err := Parse("demo.yaml", []byte("database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\nfailures: {late: 0}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Failures.Late != 0 {
		t.Fatalf("failures.late: 0 loaded as %s", c.Failures.Late.D())
	}
}

func TestRelativePathsFollowTheFile(t *testing.T) {
	c, err := Parse(filepath.Join("etc", "smsfail", "smsfail.yaml"), []byte("database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: /srv/logs}\n"), env(nil))
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
	c, err := Parse("x.yaml", []byte(text), env(map[string]string{"DBPW": "pa55"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Database.Password.Value() != "pa55" || c.Logs.SMB.Password.Value() != "s3cret" {
		t.Errorf("secrets not resolved: %q %q", c.Database.Password.Value(), c.Logs.SMB.Password.Value())
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
	if _, err := Parse("config.example.yaml", data, vars); err != nil {
		t.Fatalf("the example does not load: %v", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	p := &problems{lines: map[string]int{}}
	p.walk(root.Content[0], reflect.TypeFor[Config](), "")
	for _, key := range allKeys(reflect.TypeFor[Config](), "") {
		if _, ok := p.lines[key]; !ok {
			t.Errorf("config.example.yaml lacks %s", key)
		}
	}
}

func allKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for name, f := range yamlFields(t) {
		key := name
		if prefix != "" {
			key = prefix + "." + name
		}
		keys = append(keys, key)
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
			keys = append(keys, allKeys(ft.Elem(), key+"[0]")...)
		} else if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[Secret]() && ft != reflect.TypeFor[time.Location]() {
			keys = append(keys, allKeys(ft, key)...)
		}
	}
	return keys
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
		_, err := Parse("fuzz.yaml", data, env(map[string]string{"SMSFAIL_DB_PASSWORD": "x"}))
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") {
			t.Errorf("error does not name the file: %v", err)
		}
	})
}

func TestMailDefaults(t *testing.T) {
	base := "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n"
	for tls, port := range map[string]int{"starttls": 25, "none": 25, "tls": 465} {
		c, err := Parse("x.yaml", []byte(base+"mail: {enabled: true, host: relay, tls: "+tls+", from: a@example.org, to: [b@example.org]}\n"), env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Mail.Port != port {
			t.Errorf("tls %s: port %d, want %d", tls, c.Mail.Port, port)
		}
		if c.Mail.MaxAttachBytes != 7<<20 || c.Mail.Backoff.D() != 10*time.Second || c.Mail.Retries != 3 {
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
		_, err := Parse("x.yaml", []byte(text), env(map[string]string{"PW": "x"}))
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
	c, err := Parse("x.yaml", []byte(text), env(map[string]string{"DBPW": "pa55w0rd-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"%v", "%+v", "%#v"} {
		if out := fmt.Sprintf(format, c); strings.Contains(out, "pa55w0rd-secret") {
			t.Errorf("%s prints the password: %s", format, out)
		}
	}
	if got := fmt.Sprint(c.Database.Password); got != "{env: DBPW}" {
		t.Errorf("the secret prints as %q", got)
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
		cfg, err := Parse("x.yaml", []byte(fmt.Sprintf(base, c.source, c.kerberos, c.smb1, c.program)), env(nil))
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
		if l := cfg.Logs; l.Source != c.wantSource || l.SMB.SMB1 != c.wantSMB1 || l.SMB.SMBClient != c.wantProgram {
			t.Errorf("%s: source %s, smb1 %s, smbclient %q; want %s, %s, %q", name, l.Source, l.SMB.SMB1, l.SMB.SMBClient, c.wantSource, c.wantSMB1, c.wantProgram)
		}
	}
}
