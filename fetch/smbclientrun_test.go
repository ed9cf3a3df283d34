package fetch

import (
	"context"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"smsfail"
)

func TestSMBClientErrors(t *testing.T) {
	for _, c := range []struct {
		line      string
		want      smsfail.FetchStatus // at the open phase
		transient bool
	}{
		// Lines as smbclient 4.17 prints them.
		{`session setup failed: NT_STATUS_LOGON_FAILURE`, smsfail.FetchAccessDenied, false},
		{`session setup failed: NT_STATUS_ACCOUNT_LOCKED_OUT`, smsfail.FetchAccessDenied, false},
		{`session setup failed: NT_STATUS_INVALID_PARAMETER`, smsfail.FetchAccessDenied, false}, // no Kerberos mechanism
		{`session setup failed: NT_STATUS_IO_TIMEOUT`, smsfail.FetchUnreachable, false},
		{`tree connect failed: NT_STATUS_BAD_NETWORK_NAME`, smsfail.FetchShareMissing, false},
		{`tree connect failed: NT_STATUS_ACCESS_DENIED`, smsfail.FetchAccessDenied, false},
		{`NT_STATUS_NO_SUCH_FILE listing \nothere.log`, smsfail.FetchLogMissing, false},
		{`NT_STATUS_OBJECT_NAME_NOT_FOUND opening remote file \nothere.log`, smsfail.FetchLogMissing, false},
		{`NT_STATUS_OBJECT_PATH_NOT_FOUND opening remote file \Temp\Nowhere\x.log`, smsfail.FetchLogMissing, false},
		{`NT_STATUS_ACCESS_DENIED opening remote file \svcpack.log`, smsfail.FetchAccessDenied, false},
		{`do_connect: Connection to XP0001 failed (Error NT_STATUS_CONNECTION_REFUSED)`, smsfail.FetchUnreachable, false},
		{`do_connect: Connection to nosuchhost.invalid failed (Error NT_STATUS_UNSUCCESSFUL)`, smsfail.FetchUnreachable, false},
		{`protocol negotiation failed: NT_STATUS_INVALID_NETWORK_RESPONSE`, smsfail.FetchUnreachable, false},
		{`Error NT_STATUS_CONNECTION_DISCONNECTED closing remote file`, smsfail.FetchUnreachable, true},
		{`NT_STATUS_CONNECTION_RESET listing \Temp\*`, smsfail.FetchUnreachable, true},
		{`NT_STATUS_SHARING_VIOLATION opening remote file \svcpack.log`, smsfail.FetchReadError, false},
	} {
		err := newSMBClientError(c.line)
		if got := outcomeOf(err, phaseOpen); got != c.want {
			t.Errorf("%q: outcome %s, want %s", c.line, got, c.want)
		}
		if got := transient(err); got != c.transient {
			t.Errorf("%q: transient %v, want %v", c.line, got, c.transient)
		}
		if !strings.Contains(err.Error(), c.line) {
			t.Errorf("%q: error %q hides smbclient's words", c.line, err)
		}
	}
}

func TestTranscript(t *testing.T) {
	tr := newTranscript()
	tr.follow(strings.NewReader(`Try "help" to get a list of possible commands.
  svcpack.log                         A       15  Thu Feb 15 20:47:56 2007

		264212084 blocks of size 1024. 77806660 blocks available
  later.log                           A       15  Thu Feb 15 20:47:56 2007
NT_STATUS_SHARING_VIOLATION opening remote file \svcpack.log
`))
	<-tr.listed
	if len(tr.entries) != 1 || tr.entries[0].Name() != "svcpack.log" || tr.listFailure != nil {
		t.Errorf("listing %v, failure %v", tr.entries, tr.listFailure)
	}
	if tr.failure == nil || !strings.Contains(tr.failure.Error(), "SHARING_VIOLATION") || tr.got {
		t.Errorf("failure after the listing %v, got %v", tr.failure, tr.got)
	}

	tr = newTranscript()
	tr.follow(strings.NewReader("session setup failed: NT_STATUS_LOGON_FAILURE\n"))
	<-tr.listed
	if !errors.Is(tr.listFailure, ErrAccessDenied) {
		t.Errorf("logon failure read as %v", tr.listFailure)
	}
}

// TestSMBClientKeepsSecretsOff: the password and its hash are in no
// argument and no environment variable of smbclient, only in a file of
// this user's that Close removes.
func TestSMBClientKeepsSecretsOff(t *testing.T) {
	program, err := exec.LookPath("smbclient")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip("skipping: smbclient is not installed")
	}
	t.Setenv("SMSFAIL_SMB_PASSWORD", "Pa55-word")
	c, err := NewSMBClient(program, SMBOptions{User: `CORP\svc`, Password: "Pa55-word"})
	if err != nil {
		t.Fatal(err)
	}
	hash := hex.EncodeToString(ntHash("Pa55-word"))
	visible := strings.Join(append(c.args(context.Background(), "XP0001", "127.0.0.2", "445", "admin$"), c.env()...), "\n")
	for _, secret := range []string{"Pa55-word", hash} {
		if strings.Contains(visible, secret) {
			t.Errorf("%q in smbclient's arguments or environment:\n%s", secret, visible)
		}
	}
	fi, err := os.Stat(c.authFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("authentication file: %v %v", fi, err)
	}
	if di, err := os.Stat(filepath.Dir(c.authFile)); err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("its folder: %v %v", di, err)
	}
	b, _ := os.ReadFile(c.authFile)
	if want := "username = svc\npassword = " + hash + "\ndomain = CORP\n"; string(b) != want {
		t.Errorf("authentication file holds %q, want %q", b, want)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(c.authFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the authentication file's folder outlived Close: %v", err)
	}
}

func TestNewSMBClientRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		program string
		opts    SMBOptions
		want    string
	}{
		"not installed": {"/nonexistent/smbclient", SMBOptions{User: "u", Password: "p"}, "apt-get install smbclient"},
		"keytab":        {"", SMBOptions{User: "u", Kerberos: KerberosOptions{Keytab: "/etc/krb5.keytab"}}, "keytab"},
		"other SPN":     {"", SMBOptions{User: "u", Kerberos: KerberosOptions{CredentialCache: "/tmp/cc", SPN: "host/{host}"}}, "cifs/<host>"},
		"percent":       {"", SMBOptions{User: "u%x", Password: "p"}, "%"},
		"no secret":     {"", SMBOptions{User: "u"}, "no password"},
	} {
		t.Run(name, func(t *testing.T) {
			// The name is checked when the file is written, after the program.
			if _, err := exec.LookPath("smbclient"); err != nil && name == "percent" {
				if os.Getenv("CI") == "true" {
					t.Fatal(err)
				}
				t.Skip("skipping: smbclient is not installed")
			}
			s, err := NewSMBClient(c.program, c.opts)
			if err == nil {
				s.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestNTHash(t *testing.T) {
	// MD4 of UTF-16LE "Pa55-word", as smbpasswd stores it.
	if got := hex.EncodeToString(ntHash("Pa55-word")); got != "7e355194216861490db3a81866986c9c" {
		t.Errorf("ntHash = %s", got)
	}
}

// TestSMBClientDyingBeforeItsListing: a process that ends before its
// listing did is an error, not an empty folder or a missing file.
func TestSMBClientDyingBeforeItsListing(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("skipping: no sh")
	}
	r, err := startSMBClient(context.Background(), sh, []string{"-c", "echo 'talloc: abort' >&2; exit 3"}, nil, "", true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.listing(); err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "talloc: abort") {
		t.Errorf("listing of a process that died: %v", err)
	}
}
