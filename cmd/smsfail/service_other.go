//go:build !windows

package main

import (
	"context"
	"fmt"
)

// serviceCommand explains that services are a Windows matter here: on
// Linux, systemd (or cron) runs smsfail.
func serviceCommand() command {
	return command{
		name:    "service",
		summary: "Windows only: install the service running 'smsfail serve' (on Linux, see docs/smsfail.service)",
		run: func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
				fmt.Fprint(a.stdout, "On Windows:\n\n"+serviceUsage+serviceEnvHelp+serviceExitCodes)
				return nil
			}
			return usageError("'smsfail service' manages a Windows service and is for Windows only; " +
				"on Linux run 'smsfail serve --config FILE' under systemd (unit file: docs/smsfail.service) " +
				"or start 'smsfail run' from cron")
		},
	}
}

// runAsService refuses: only Windows has a service manager that smsfail
// speaks to.
func runAsService(a *app, serve func(ctx context.Context, a *app, ready func()) error) error {
	return usageError("serve --service is for the Windows service manager; on Linux run 'smsfail serve' under systemd")
}
