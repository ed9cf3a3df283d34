//go:build !linux

package sambatest

import "os/exec"

// setParentDeath does nothing where the kernel cannot tie a child's life
// to its parent's; the test's cleanup stops smbd.
func setParentDeath(cmd *exec.Cmd) {}
