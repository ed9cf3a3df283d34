package smsfail

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SettingError is a setting that cannot work, found by the stage that uses
// it. Key names it as the configuration file does under the stage's
// section (server, smb.port, programs[2].paths), so the configuration can
// place the error at its line.
type SettingError struct {
	Key string
	Msg string
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Msg }

// SettingErrors are the problems a stage finds with its settings; each
// stage's Check collects them with the same words for the same rules.
type SettingErrors []*SettingError

func (es SettingErrors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Err is es as an error, nil when there is none.
func (es SettingErrors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Add records a problem with key.
func (es *SettingErrors) Add(key, format string, args ...any) {
	*es = append(*es, &SettingError{Key: key, Msg: fmt.Sprintf(format, args...)})
}

// Under records errs, a check of settings nested under prefix.
func (es *SettingErrors) Under(prefix string, errs SettingErrors) {
	for _, e := range errs {
		*es = append(*es, &SettingError{Key: prefix + "." + e.Key, Msg: e.Msg})
	}
}

// Between checks that v is within [lo, hi].
func (es *SettingErrors) Between(key string, v, lo, hi int) {
	if v < lo || v > hi {
		es.Add(key, "must be between %d and %d (got %d)", lo, hi, v)
	}
}

// Positive checks that d is longer than 0.
func (es *SettingErrors) Positive(key string, d time.Duration) {
	if d <= 0 {
		es.Add(key, "must be longer than 0")
	}
}

// OneOf checks that v is one of allowed.
func OneOf[T ~string](es *SettingErrors, key string, v T, allowed ...T) {
	if slices.Contains(allowed, v) {
		return
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	es.Add(key, "%q is not one of %s", v, strings.Join(names, ", "))
}
