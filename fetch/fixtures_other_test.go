//go:build !windows

package fetch_test

import (
	"testing"

	"smsfail/fetch/sambatest"
)

// fixtures returns every Source this machine can run the suite against.
func fixtures(t *testing.T) map[string]func(t *testing.T) *fixture {
	return map[string]func(t *testing.T) *fixture{
		"local":        localFixture,
		"smb":          func(t *testing.T) *fixture { return sambaFixture(t, sambatest.Start(t)) },
		"smbclient":    smbclientFixture,
		"smb-fallback": fallbackFixture,
	}
}
