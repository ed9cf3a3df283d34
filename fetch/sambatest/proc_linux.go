package sambatest

import (
	"os/exec"
	"syscall"
)

// setParentDeath kills smbd if the test binary dies before its cleanup.
func setParentDeath(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
