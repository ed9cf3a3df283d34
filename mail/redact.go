package mail

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
)

// redacted hides the password from an error's text.
type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }
func (r *redacted) Unwrap() error { return r.err }

// mask replaces a secret in a text.
const mask = "********"

// redact hides from err's text the password and every form the client
// sent it in: a careless server repeats the argument of AUTH PLAIN (the
// base64 of "identity\0user\0password") or of LOGIN's last step (the
// base64 of the password) in its refusal, and that text goes to the
// console, the log, the run history and check's list.
func redact(err error, cfg Config) error {
	if err == nil || cfg.Password == "" {
		return err
	}
	msg := redactText(err.Error(), cfg.User, cfg.Password)
	if msg == err.Error() {
		return err
	}
	return &redacted{msg: msg, err: err}
}

// base64Run is a word that may be base64: what a server echoes of an
// AUTH argument, padded or not.
var base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{4,}={0,2}`)

// redactText hides the password, its hex and base64 forms, and any base64
// word whose decoding holds it (whatever the identity and user before it).
func redactText(text, user, password string) string {
	text = base64Run.ReplaceAllStringFunc(text, func(w string) string {
		if holdsSecret(w, password) {
			return mask
		}
		return w
	})
	forms := []string{password, hex.EncodeToString([]byte(password))}
	for _, enc := range encodings {
		for _, plain := range []string{password, "\x00" + user + "\x00" + password, user + "\x00" + user + "\x00" + password} {
			forms = append(forms, strings.TrimRight(enc.EncodeToString([]byte(plain)), "="))
		}
	}
	for _, f := range forms {
		text = strings.ReplaceAll(text, f, mask)
	}
	return text
}

var encodings = []*base64.Encoding{base64.StdEncoding, base64.URLEncoding}

// holdsSecret reports whether the base64 word w decodes to bytes holding
// password.
func holdsSecret(w, password string) bool {
	raw := strings.TrimRight(w, "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		// A word cut short by the server still decodes up to its last
		// whole group.
		for cut := len(raw); cut >= len(raw)-3 && cut > 0; cut-- {
			if b, err := enc.DecodeString(raw[:cut]); err == nil {
				if strings.Contains(string(b), password) {
					return true
				}
				break
			}
		}
	}
	return false
}
