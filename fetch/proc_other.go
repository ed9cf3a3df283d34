//go:build !unix

package fetch

import "os/exec"

// ownProcessGroup leaves cmd as it is where there are no process groups:
// its cancellation kills the process itself.
func ownProcessGroup(cmd *exec.Cmd) {}
