//go:build !linux && !windows

package fetch_test

import "testing"

func fullBacklog(t *testing.T) string {
	t.Skip("filling a listen queue to drop connections needs Linux")
	return ""
}
