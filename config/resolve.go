package config

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"smsfail/fetch"
	"smsfail/mail"
)

// Resolve settles what depends on the machine m, once Parse passed:
// relative paths become the configuration file's folder's, secrets are
// read, the mail CA file is read, the log source and smbclient are
// settled.
func (c *Config) Resolve(m Machine) error {
	c.resolve(m)
	return c.doc.Err()
}

func (c *Config) resolve(m Machine) {
	c.absPaths()
	c.readSecrets(m)
	if c.Mail.Enabled && c.Mail.CAFile != "" {
		// Read now, or a missing file would surface only when the first
		// night's report is mailed.
		if _, err := mail.LoadCA(c.Mail.CAFile); err != nil {
			c.doc.Add("mail.ca_file", "%v", err)
		}
	}
	c.stage("logs", c.Logs.Settings.Resolve(fetch.Machine{GOOS: m.GOOS, LookPath: m.LookPath}))
}

// absPaths makes relative paths the configuration file's folder's, since
// a Windows service starts in System32.
func (c *Config) absPaths() {
	dir := ""
	if c.File != "" {
		dir = filepath.Dir(c.File)
	}
	d, k := &c.Database, &c.Logs.SMB.Kerberos
	paths := []*string{&d.Path, &d.CAFile, &d.Keytab, &d.CredentialCache, &d.Krb5Conf,
		&c.Logs.Root, &k.Keytab, &k.CredentialCache, &k.Krb5Conf,
		&c.Rules.File, &c.Report.Dir, &c.Mail.CAFile, &c.State.Dir}
	if strings.ContainsAny(c.Logs.SMB.SMBClient, `/\`) {
		paths = append(paths, &c.Logs.SMB.SMBClient)
	}
	for _, s := range c.Secrets() {
		paths = append(paths, &s.File)
	}
	for _, p := range paths {
		*p = expandPath(*p)
		if *p != "" && !filepath.IsAbs(*p) && dir != "" {
			*p = filepath.Join(dir, *p)
		}
	}
}

// readSecrets puts each secret's value in its setting: from the
// environment or a file. The mail password is not read when mail is off.
func (c *Config) readSecrets(m Machine) {
	for _, s := range c.Secrets() {
		if s.Key == "mail.password" && !c.Mail.Enabled {
			s.Set("")
			continue
		}
		v, err := readSecret(s.Env, s.File, m)
		if err != nil {
			c.doc.Add(s.Key, "%v", err)
			continue
		}
		s.Set(v)
	}
}

func readSecret(env, file string, m Machine) (string, error) {
	switch {
	case env != "" && file != "":
		return "", fmt.Errorf("give either env or file, not both")
	case env != "":
		v := m.Getenv(env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", env)
		}
		return v, nil
	}
	b, err := m.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("cannot read secret file: %w", err)
	}
	v := strings.TrimRight(string(b), "\r\n")
	if v == "" {
		return "", fmt.Errorf("secret file %s is empty", file)
	}
	return v, nil
}

// readSecretFile reads a small regular file: a secret is a line, and a
// device or a pipe named by mistake must not hang the job at start. The
// check comes before the open, since opening a pipe waits for a writer.
func readSecretFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err == nil && len(b) > maxSecretFile {
		return nil, fmt.Errorf("%s is larger than %d KiB: a secret is one line; is it the right file?", path, maxSecretFile>>10)
	}
	return b, err
}

// maxSecretFile bounds a secret file: a password, a hash, a key is a line.
const maxSecretFile = 64 << 10
