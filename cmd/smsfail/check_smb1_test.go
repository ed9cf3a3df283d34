package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"smsfail/fetch"
	"smsfail/fetch/sambatest"
)

// TestCheckSMB1Host: check reads a host that speaks SMB 1 only through
// smbclient when logs.smb.smb1 allows it, and names the reader it used;
// when it does not, the fix says how to read such a host.
func TestCheckSMB1Host(t *testing.T) {
	if _, err := fetch.FindSMBClient(""); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skipf("skipping: %v", err)
	}
	srv := sambatest.Start(t, "server min protocol = NT1", "server max protocol = NT1")
	host := srv.AddHost(t, "XP0001") // the address stands for the name: config has no resolver of its own
	srv.WriteFile(t, "XP0001", "admin$", `Temp\MSI1a2b.LOG`, []byte("MSI (s) (1C:2C) [20:41:26:123]: Return value 3.\r\n"), time.Now())
	env := map[string]string{"SMB_PW": srv.Password}
	for _, c := range []struct {
		smb1 string
		want []string
	}{
		{"fallback", []string{"✓ client share", host + " via smbclient ", `\\` + host + `\admin$\Temp\MSI1a2b.LOG read`}},
		{"never", []string{"✗ client share", "it may speak SMB 1 only", "fix: the host speaks SMB 1 only: install smbclient"}},
	} {
		t.Run(c.smb1, func(t *testing.T) {
			s := newSite(t, "")
			logs := fmt.Sprintf("logs:\n  source: smb\n  smb: {user: %s, domain: %s, password: {env: SMB_PW}, port: %d, smb1: %s}\n",
				srv.User, srv.Domain, srv.Port, c.smb1)
			replaceInFile(t, s.config, "logs:\n  source: local\n  root: clients\n", logs)
			r := invoke(context.Background(), env, "check", "--config", s.config, "--host", host)
			for _, want := range c.want {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("check does not say %q:\n%s", want, r)
				}
			}
		})
	}
}

func replaceInFile(t *testing.T, file, old, new string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not hold %q", file, old)
	}
	if err := os.WriteFile(file, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
