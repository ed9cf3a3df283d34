//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// serviceName is the Windows service's name, also its event-log source.
const serviceName = "smsfail"

// serviceCommand is `smsfail service install|uninstall|start|stop`.
func serviceCommand() command {
	return command{name: "service", summary: "install, uninstall, start or stop the Windows service running 'smsfail serve'", run: runServiceCommand}
}

type serviceOptions struct {
	config string
	user   string
	wait   time.Duration
}

func runServiceCommand(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(a.stdout, serviceUsage+serviceEnvHelp+serviceExitCodes)
		if len(args) == 0 {
			return usageError("service needs one of install, uninstall, start, stop")
		}
		return nil
	}
	verb := args[0]
	fs := newFlagSet(a, "service "+verb, serviceUsage+"\nFlags:\n", serviceEnvHelp+serviceExitCodes)
	var opts serviceOptions
	fs.StringVar(&opts.config, "config", "", "the configuration file the service runs with (install)")
	fs.StringVar(&opts.user, "user", "", `account to run the service as, DOMAIN\NAME (install); LocalSystem when empty`)
	fs.DurationVar(&opts.wait, "wait", 10*time.Minute, "how long to wait for the service to start or stop")
	if err := parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	switch verb {
	case "install":
		return installService(a, opts)
	case "uninstall":
		return uninstallService(ctx, a, opts)
	case "start":
		return startService(ctx, a, opts)
	case "stop":
		return stopService(ctx, a, opts)
	default:
		return usageError("service: unknown action %q; use install, uninstall, start or stop", verb)
	}
}

func installService(a *app, opts serviceOptions) error {
	if opts.config == "" {
		return usageError("service install needs --config FILE: the service runs 'smsfail serve --config FILE'")
	}
	config, err := filepath.Abs(opts.config)
	if err != nil {
		return fmt.Errorf("cannot resolve %s: %w", opts.config, err)
	}
	if _, err := os.Stat(config); err != nil {
		return fmt.Errorf("cannot use configuration %s: %w", config, err)
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot find smsfail's own path: %w", err)
	}
	password := ""
	if opts.user != "" {
		if password = a.getenv("SMSFAIL_SERVICE_PASSWORD"); password == "" {
			return usageError("--user %s needs the account's password in SMSFAIL_SERVICE_PASSWORD", opts.user)
		}
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("cannot connect to the service control manager (run from an elevated prompt): %w", err)
	}
	defer m.Disconnect()
	if s, err := m.OpenService(serviceName); err == nil {
		s.Close()
		return fmt.Errorf("service %s is already installed; run 'smsfail service uninstall' first", serviceName)
	}
	s, err := m.CreateService(serviceName, exe, mgr.Config{
		DisplayName:      "smsfail nightly report",
		Description:      "Reads why advertised programs failed on SMS / ConfigMgr clients and mails the report, on the schedule in " + config,
		StartType:        mgr.StartAutomatic,
		DelayedAutoStart: true,
		ServiceStartName: opts.user,
		Password:         password,
	}, "serve", "--config", config)
	if err != nil {
		return fmt.Errorf("cannot create service %s: %w", serviceName, err)
	}
	defer s.Close()
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{{Type: mgr.ServiceRestart, Delay: time.Minute}}, 24*60*60); err != nil {
		s.Delete()
		return fmt.Errorf("cannot set the restart-on-failure action of service %s: %w", serviceName, err)
	}
	if err := eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil && !alreadyExists(err) {
		s.Delete()
		return fmt.Errorf("cannot register event-log source %s: %w", serviceName, err)
	}
	fmt.Fprintf(a.stdout, "installed service %s: %s serve --config %s\nstart it with: smsfail service start\n", serviceName, exe, config)
	return nil
}

// alreadyExists reports an event source left by an earlier install;
// eventlog says so only in words.
func alreadyExists(err error) bool {
	return strings.HasSuffix(err.Error(), "registry key already exists")
}

func openService() (*mgr.Mgr, *mgr.Service, error) {
	m, err := mgr.Connect()
	if err != nil {
		return nil, nil, fmt.Errorf("cannot connect to the service control manager (run from an elevated prompt): %w", err)
	}
	s, err := m.OpenService(serviceName)
	if err != nil {
		m.Disconnect()
		if errors.Is(err, windows.ERROR_SERVICE_DOES_NOT_EXIST) {
			return nil, nil, fmt.Errorf("service %s is not installed; run 'smsfail service install --config FILE'", serviceName)
		}
		return nil, nil, fmt.Errorf("cannot open service %s: %w", serviceName, err)
	}
	return m, s, nil
}

func uninstallService(ctx context.Context, a *app, opts serviceOptions) error {
	m, s, err := openService()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	defer s.Close()
	if st, err := s.Query(); err == nil && st.State != svc.Stopped {
		if err := stopAndWait(ctx, a, s, opts.wait); err != nil {
			return err
		}
	}
	if err := s.Delete(); err != nil {
		return fmt.Errorf("cannot remove service %s: %w", serviceName, err)
	}
	if err := eventlog.Remove(serviceName); err != nil {
		return fmt.Errorf("removed service %s, but not its event-log source: %w", serviceName, err)
	}
	fmt.Fprintf(a.stdout, "removed service %s\n", serviceName)
	return nil
}

func startService(ctx context.Context, a *app, opts serviceOptions) error {
	m, s, err := openService()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	defer s.Close()
	if err := s.Start(); err != nil {
		return fmt.Errorf("cannot start service %s: %w", serviceName, err)
	}
	st, err := waitState(ctx, s, opts.wait, svc.Running, svc.Stopped)
	if err != nil {
		return err
	}
	if st.State == svc.Stopped {
		return fmt.Errorf("service %s stopped right after starting (exit code %d): see its messages in the Application event log", serviceName, st.ServiceSpecificExitCode)
	}
	fmt.Fprintf(a.stdout, "service %s is running\n", serviceName)
	return nil
}

func stopService(ctx context.Context, a *app, opts serviceOptions) error {
	m, s, err := openService()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	defer s.Close()
	return stopAndWait(ctx, a, s, opts.wait)
}

func stopAndWait(ctx context.Context, a *app, s *mgr.Service, wait time.Duration) error {
	if _, err := s.Control(svc.Stop); err != nil && !errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
		return fmt.Errorf("cannot stop service %s: %w", serviceName, err)
	}
	fmt.Fprintf(a.stdout, "stopping service %s (a running job gets its grace period)...\n", serviceName)
	if _, err := waitState(ctx, s, wait, svc.Stopped); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "service %s is stopped\n", serviceName)
	return nil
}

// waitState polls the service until it reaches one of the states.
func waitState(ctx context.Context, s *mgr.Service, wait time.Duration, states ...svc.State) (svc.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(300 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := s.Query()
		if err != nil {
			return st, fmt.Errorf("cannot query service %s: %w", serviceName, err)
		}
		if slices.Contains(states, st.State) {
			return st, nil
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("service %s did not reach the expected state within %s (state %d): %w", serviceName, wait, st.State, ctx.Err())
		case <-tick.C:
		}
	}
}
