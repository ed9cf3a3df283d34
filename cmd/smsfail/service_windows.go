//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"

	"smsfail/config"
)

// serviceName is the Windows service's name, also its event-log source.
const serviceName = "smsfail"

// serviceCommand is `smsfail service install|uninstall|start|stop|status`.
func serviceCommand() command {
	return command{name: "service", summary: "install, uninstall, start, stop or query the Windows service running 'smsfail serve'", run: runServiceCommand}
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
			return usageError("service needs one of install, uninstall, start, stop, status")
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
	case "status":
		return serviceStatus(a)
	default:
		return usageError("service: unknown action %q; use install, uninstall, start, stop or status", verb)
	}
}

func installService(a *app, opts serviceOptions) error {
	if opts.config == "" {
		return usageError("service install needs --config FILE: the service runs 'smsfail serve --service --config FILE'")
	}
	cfgPath, err := checkServiceConfig(opts.config)
	if err != nil {
		return err
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
	m, err := connectManager()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	if s, err := m.OpenService(serviceName); err == nil {
		s.Close()
		return fmt.Errorf("service %s is already installed; run 'smsfail service uninstall' first", serviceName)
	}
	s, err := m.CreateService(serviceName, exe, mgr.Config{
		DisplayName:      "smsfail nightly report",
		Description:      "Reads why advertised programs failed on SMS / ConfigMgr clients and mails the report, on the schedule in " + cfgPath,
		StartType:        mgr.StartAutomatic,
		ServiceStartName: opts.user,
		Password:         password,
	}, "serve", "--service", "--config", cfgPath)
	if err != nil {
		return fmt.Errorf("cannot create service %s: %w", serviceName, err)
	}
	defer s.Close()
	if err := finishInstall(a, s); err != nil {
		s.Delete()
		return err
	}
	fmt.Fprintf(a.stdout, "installed service %s: %s serve --service --config %s\nstart it with: smsfail service start\n", serviceName, exe, cfgPath)
	return nil
}

// checkServiceConfig loads the configuration as the service will: with the
// system's environment variables, not this prompt's. It returns the
// configuration's absolute path.
func checkServiceConfig(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", fmt.Errorf("cannot resolve %s: %w", file, err)
	}
	cfg, err := config.Load(abs, systemGetenv)
	if err != nil {
		return "", fmt.Errorf("the service could not start with this configuration "+
			"(secrets given as {env: NAME} must be system environment variables): %w", err)
	}
	if cfg.Schedule.Cron == "" {
		return "", fmt.Errorf("%s: schedule.cron is empty: the service runs the nights on a schedule, like \"30 6 * * *\" (every day at 6:30)", abs)
	}
	job, err := newJob(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", fmt.Errorf("the service could not start with this configuration: %w", err)
	}
	closeSource(job.Source)
	return abs, nil
}

// finishInstall sets what CreateService does not: delayed start, the
// restart after a crash, the event-log source.
func finishInstall(a *app, s *mgr.Service) error {
	if err := setDelayedStart(s); errors.Is(err, windows.ERROR_INVALID_LEVEL) {
		fmt.Fprintf(a.stdout, "this service manager refuses delayed start (%v): service %s starts automatically at boot, without delay\n", err, serviceName)
	} else if err != nil {
		return fmt.Errorf("cannot set delayed start of service %s: %w", serviceName, err)
	}
	if err := s.SetRecoveryActions([]mgr.RecoveryAction{{Type: mgr.ServiceRestart, Delay: time.Minute}}, 24*60*60); err != nil {
		return fmt.Errorf("cannot set the restart-on-failure action of service %s: %w", serviceName, err)
	}
	if err := eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil && !alreadyExists(err) {
		return fmt.Errorf("cannot register event-log source %s: %w", serviceName, err)
	}
	return nil
}

// setDelayedStart asks for the automatic start to wait until the system
// has started its own services (Windows Vista and later).
func setDelayedStart(s *mgr.Service) error {
	info := windows.SERVICE_DELAYED_AUTO_START_INFO{IsDelayedAutoStartUp: 1}
	return windows.ChangeServiceConfig2(s.Handle, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, (*byte)(unsafe.Pointer(&info)))
}

// alreadyExists reports an event source left by an earlier install;
// eventlog says so only in words.
func alreadyExists(err error) bool {
	return strings.HasSuffix(err.Error(), "registry key already exists")
}

func connectManager() (*mgr.Mgr, error) {
	m, err := mgr.Connect()
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the service control manager (run from an elevated prompt): %w", err)
	}
	return m, nil
}

func openService() (*mgr.Mgr, *mgr.Service, error) {
	m, err := connectManager()
	if err != nil {
		return nil, nil, err
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
	fmt.Fprintf(a.stdout, "removed service %s\n", serviceName)
	if err := eventlog.Remove(serviceName); errors.Is(err, windows.ERROR_FILE_NOT_FOUND) {
		fmt.Fprintf(a.stdout, "event-log source %s was not registered: nothing to remove\n", serviceName)
	} else if err != nil {
		return fmt.Errorf("removed service %s, but not its event-log source: %w", serviceName, err)
	}
	return nil
}
