package fetch

import (
	"fmt"
	"strings"

	"smsfail"
)

// SourceKind is where logs are read from.
type SourceKind string

// Sources.
const (
	// SourceAuto is SourceUNC on Windows when no SMB credentials are
	// given, SourceSMB otherwise; Resolve settles it.
	SourceAuto      SourceKind = "auto"
	SourceSMB       SourceKind = "smb"       // SMB 2/3 with go-smb2 (NewSMB)
	SourceSMBClient SourceKind = "smbclient" // every host through Samba's smbclient (NewSMBClient)
	SourceUNC       SourceKind = "unc"       // \\HOST\admin$ as the running account, on Windows (NewWindowsShares)
	SourceLocal     SourceKind = "local"     // a folder of logs collected earlier (NewLocal)
)

// SMB1Mode is how the SMB source reads hosts that speak SMB 1 only.
type SMB1Mode string

// SMB 1 modes.
const (
	// SMB1ModeAuto is SMB1ModeFallback when smbclient is installed and can use
	// the credentials, else SMB1ModeNever; Resolve settles it.
	SMB1ModeAuto     SMB1Mode = "auto"
	SMB1ModeNever    SMB1Mode = "never"
	SMB1ModeFallback SMB1Mode = "fallback" // through smbclient, when SMB 2 finds a host silent (NewSMB1Fallback)
	SMB1ModeAlways   SMB1Mode = "always"   // every host through smbclient
)

// Settings say where each failing client's log is read from and how: the
// logs section of the configuration file. Start from DefaultSettings.
type Settings struct {
	Source   SourceKind  `yaml:"source"`
	Root     string      `yaml:"root"` // SourceLocal: <Root>/<HOST>/<share>/<path>
	SMB      SMBSettings `yaml:"smb"`
	Options  `yaml:",inline"`
	Programs []ProgramRule `yaml:"programs"`
}

// SMBSettings are the account and transport for admin shares over SMB.
type SMBSettings struct {
	SMBOptions `yaml:",inline"`
	SMB1       SMB1Mode `yaml:"smb1"`
	// SMBClient is smbclient's path; found on PATH when empty.
	SMBClient string `yaml:"smbclient"`
}

// DefaultSettings are the settings an empty logs section gives.
func DefaultSettings() Settings {
	return Settings{
		Source:  SourceAuto,
		SMB:     SMBSettings{SMBOptions: SMBOptions{Port: DefaultSMBPort}, SMB1: SMB1ModeAuto},
		Options: DefaultOptions(),
	}
}

// Check finds the settings that cannot work, without looking at the
// machine; Resolve does what needs it. The keys are those of the logs
// section.
func (s Settings) Check() error {
	var es smsfail.SettingErrors
	smsfail.OneOf(&es, "source", s.Source, SourceAuto, SourceSMB, SourceSMBClient, SourceUNC, SourceLocal)
	es.Between("concurrency", s.Concurrency, 1, 1024)
	es.Positive("connect_timeout", s.ConnectTimeout)
	es.Positive("host_timeout", s.HostTimeout)
	if s.MaxBytes < 4096 {
		es.Add("max_bytes", "must be at least 4KB")
	}
	es.Between("retries", s.Retries, 0, 5)
	es.Between("smb.port", s.SMB.Port, 1, 65535)
	switch s.Source {
	case SourceLocal:
		if s.Root == "" {
			es.Add("root", "the local source needs the folder holding <HOST>/<share>/<path>")
		}
	case SourceSMB, SourceSMBClient:
		s.checkSMB(&es)
	}
	for i, r := range s.Programs {
		es.Under(fmt.Sprintf("programs[%d]", i), r.check())
	}
	return es.Err()
}

// checkSMB checks the account for admin shares and, when smbclient is
// sure to read some hosts, that it can use it.
func (s Settings) checkSMB(es *smsfail.SettingErrors) {
	m := s.SMB
	smsfail.OneOf(es, "smb.smb1", m.SMB1, SMB1ModeAuto, SMB1ModeNever, SMB1ModeFallback, SMB1ModeAlways)
	k := m.Kerberos
	if k.SPN != "" && !strings.Contains(k.SPN, "{host}") {
		es.Add("smb.kerberos.spn", "%q must contain {host}, which stands for each client's name (cifs/{host})", k.SPN)
	}
	switch {
	case k.enabled():
		if k.Keytab != "" && (m.User == "" || k.Realm == "") {
			es.Add("smb.kerberos.keytab", "a keytab needs logs.smb.user and logs.smb.kerberos.realm")
		}
	default:
		if m.User == "" {
			es.Add("smb.user", "reading admin shares over SMB needs an account with admin$ rights (user, domain, password) or Kerberos")
		}
		if m.Password == "" && m.NTHash == "" {
			es.Add("smb.password", "give the account's password (or nt_hash): {env: VARIABLE} or {file: PATH}")
		}
	}
	if !s.usesSMBClient() {
		return
	}
	switch err := SMBClientKerberos(k); {
	case err != nil && k.Keytab != "":
		es.Add("smb.kerberos.keytab", "%v", err)
	case err != nil:
		es.Add("smb.kerberos.spn", "%v", err)
	}
}

// usesSMBClient reports whether smbclient reads some hosts for certain.
func (s Settings) usesSMBClient() bool {
	return s.Source == SourceSMBClient || s.SMB.SMB1 == SMB1ModeAlways || s.SMB.SMB1 == SMB1ModeFallback
}

// Machine is what Resolve reads of the machine the job runs on.
type Machine struct {
	GOOS     string                            // runtime.GOOS
	LookPath func(file string) (string, error) // exec.LookPath
}

// Resolve settles what depends on the machine, once Check passed: the
// source auto becomes unc or smb, smb1 auto becomes fallback or never, and
// smbclient, when it reads some hosts, is found, so that a missing program
// fails at start with the package to install.
func (s *Settings) Resolve(m Machine) error {
	var es smsfail.SettingErrors
	if s.Source == SourceAuto {
		s.Source = SourceSMB
		if m.GOOS == "windows" && s.SMB.User == "" && s.SMB.Kerberos == (KerberosOptions{}) {
			s.Source = SourceUNC
		} else {
			s.checkSMB(&es)
		}
	}
	switch s.Source {
	case SourceUNC:
		if m.GOOS != "windows" {
			es.Add("source", "unc reads \\\\HOST\\admin$ natively and works on Windows only; on %s use smb with credentials", m.GOOS)
		}
	case SourceSMB, SourceSMBClient:
		s.resolveSMBClient(m, &es)
	}
	return es.Err()
}

func (s *Settings) resolveSMBClient(m Machine, es *smsfail.SettingErrors) {
	mode := s.SMB.SMB1
	if s.Source == SourceSMB && mode == SMB1ModeAuto {
		s.SMB.SMB1 = SMB1ModeNever
		found, err := findSMBClient(s.SMB.SMBClient, m.LookPath)
		if err == nil && SMBClientKerberos(s.SMB.Kerberos) == nil {
			s.SMB.SMB1, s.SMB.SMBClient = SMB1ModeFallback, found
		}
		return
	}
	if !s.usesSMBClient() || SMBClientKerberos(s.SMB.Kerberos) != nil {
		return // Check said why smbclient cannot serve
	}
	found, err := findSMBClient(s.SMB.SMBClient, m.LookPath)
	if err != nil {
		key := "smb.smb1"
		switch {
		case s.SMB.SMBClient != "":
			key = "smb.smbclient"
		case s.Source == SourceSMBClient:
			key = "source"
		}
		es.Add(key, "%v", err)
		return
	}
	s.SMB.SMBClient = found
	if mode == SMB1ModeAlways {
		s.Source = SourceSMBClient
	}
}

// NewSource opens the source the settings name, once resolved.
func (s Settings) NewSource() (Source, error) {
	switch {
	case s.Source == SourceLocal:
		return NewLocal(s.Root)
	case s.Source == SourceUNC:
		return NewWindowsShares()
	case s.Source == SourceSMBClient:
		return NewSMBClient(s.SMB.SMBClient, s.SMB.SMBOptions)
	}
	smb, err := NewSMB(s.SMB.SMBOptions)
	if err != nil {
		return nil, err
	}
	if s.SMB.SMB1 != SMB1ModeFallback {
		return smb, nil
	}
	smb1, err := NewSMBClient(s.SMB.SMBClient, s.SMB.SMBOptions)
	if err != nil {
		smb.Close()
		return nil, err
	}
	return NewSMB1Fallback(smb, smb1), nil
}
