//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

func startService(ctx context.Context, a *app, opts serviceOptions) error {
	m, s, err := openService()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	defer s.Close()
	if err := registeredAsService(s); err != nil {
		return err
	}
	if st, err := s.Query(); err == nil && st.State == svc.Running {
		fmt.Fprintf(a.stdout, "service %s is already running (pid %d)\n", serviceName, st.ProcessId)
		return nil
	}
	clearLastError()
	if err := s.Start(); errors.Is(err, windows.ERROR_SERVICE_ALREADY_RUNNING) {
		fmt.Fprintf(a.stdout, "service %s is already starting\n", serviceName)
	} else if err != nil {
		return fmt.Errorf("cannot start service %s: %w", serviceName, err)
	}
	fmt.Fprintf(a.stdout, "starting service %s (it loads its configuration and opens its state folder)...\n", serviceName)
	st, err := waitState(ctx, s, opts.wait, svc.Running, svc.Stopped)
	if err != nil {
		return err
	}
	if st.State == svc.Stopped {
		return fmt.Errorf("service %s stopped while starting (exit code %d): %s", serviceName, exitCodeOf(st), stopReason())
	}
	fmt.Fprintf(a.stdout, "service %s is running (pid %d)\n", serviceName, st.ProcessId)
	return nil
}

// registeredAsService refuses a registration without --service (made by
// an smsfail before it had the flag): it would never report running.
func registeredAsService(s *mgr.Service) error {
	c, err := queryConfig(s)
	if err != nil {
		return err
	}
	if !strings.Contains(c.command, " --service") {
		return fmt.Errorf("service %s runs %q, without --service: run 'smsfail service uninstall' and 'smsfail service install' again", serviceName, c.command)
	}
	return nil
}

// exitCodeOf is the exit code the service reported when it stopped.
func exitCodeOf(st svc.Status) uint32 {
	if st.Win32ExitCode == uint32(windows.ERROR_SERVICE_SPECIFIC_ERROR) {
		return st.ServiceSpecificExitCode
	}
	return st.Win32ExitCode
}

// stopReason is the error the service recorded when it stopped.
func stopReason() string {
	if msg := lastError(); msg != "" {
		return msg
	}
	return "it recorded no reason: see its messages in the Application event log"
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
	if _, err := s.Control(svc.Stop); errors.Is(err, windows.ERROR_SERVICE_NOT_ACTIVE) {
		fmt.Fprintf(a.stdout, "service %s is not running\n", serviceName)
		return nil
	} else if err != nil {
		return fmt.Errorf("cannot stop service %s: %w", serviceName, err)
	}
	fmt.Fprintf(a.stdout, "stopping service %s (a running job gets its grace period)...\n", serviceName)
	if _, err := waitState(ctx, s, wait, svc.Stopped); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "service %s is stopped\n", serviceName)
	return nil
}

// serviceStatus prints the service's state and command line, and the
// reason it gave when it last stopped on an error.
func serviceStatus(a *app) error {
	m, s, err := openService()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	defer s.Close()
	st, err := s.Query()
	if err != nil {
		return fmt.Errorf("cannot query service %s: %w", serviceName, err)
	}
	c, err := queryConfig(s)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "service:  %s (%s)\nstate:    %s\n", serviceName, c.displayName, stateName(st.State))
	if st.State != svc.Stopped {
		fmt.Fprintf(a.stdout, "pid:      %d\n", st.ProcessId)
	}
	fmt.Fprintf(a.stdout, "start:    %s\ncommand:  %s\naccount:  %s\n", startName(c), c.command, c.account)
	if msg := lastError(); msg != "" && st.State == svc.Stopped {
		fmt.Fprintf(a.stdout, "stopped:  exit code %d: %s\n", exitCodeOf(st), msg)
	}
	if st.State != svc.Running {
		return &exitError{code: exitFailure}
	}
	return nil
}

func stateName(s svc.State) string {
	names := map[svc.State]string{
		svc.Stopped: "stopped", svc.StartPending: "starting", svc.StopPending: "stopping", svc.Running: "running",
		svc.ContinuePending: "continuing", svc.PausePending: "pausing", svc.Paused: "paused",
	}
	if n, ok := names[s]; ok {
		return n
	}
	return fmt.Sprintf("state %d", s)
}

func startName(c serviceConfig) string {
	switch {
	case c.startType == mgr.StartAutomatic && c.delayed:
		return "automatic (delayed)"
	case c.startType == mgr.StartAutomatic:
		return "automatic"
	case c.startType == mgr.StartManual:
		return "manual"
	case c.startType == mgr.StartDisabled:
		return "disabled"
	}
	return fmt.Sprintf("start type %d", c.startType)
}

// waitState polls the service until it reaches one of the states.
func waitState(ctx context.Context, s *mgr.Service, wait time.Duration, states ...svc.State) (svc.Status, error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
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
			return st, fmt.Errorf("service %s is still %s after %s: %w", serviceName, stateName(st.State), wait, ctx.Err())
		case <-tick.C:
		}
	}
}

// serviceConfig is what status shows of the service's registration.
type serviceConfig struct {
	command, displayName, account string
	startType                     uint32
	delayed                       bool
}

// queryConfig reads the registration. Unlike mgr.Service.Config it does
// not fail where the service manager knows no delayed start or service
// SID (Wine's).
func queryConfig(s *mgr.Service) (serviceConfig, error) {
	n := uint32(1024)
	for {
		b := make([]uint64, n/8+1) // aligned for the structure
		p := (*windows.QUERY_SERVICE_CONFIG)(unsafe.Pointer(&b[0]))
		err := windows.QueryServiceConfig(s.Handle, p, uint32(len(b)*8), &n)
		if errors.Is(err, windows.ERROR_INSUFFICIENT_BUFFER) {
			continue
		}
		if err != nil {
			return serviceConfig{}, fmt.Errorf("cannot read the configuration of service %s: %w", serviceName, err)
		}
		c := serviceConfig{
			command:     windows.UTF16PtrToString(p.BinaryPathName),
			displayName: windows.UTF16PtrToString(p.DisplayName),
			account:     windows.UTF16PtrToString(p.ServiceStartName),
			startType:   p.StartType,
		}
		var info windows.SERVICE_DELAYED_AUTO_START_INFO
		var need uint32
		if windows.QueryServiceConfig2(s.Handle, windows.SERVICE_CONFIG_DELAYED_AUTO_START_INFO,
			(*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), &need) == nil {
			c.delayed = info.IsDelayedAutoStartUp != 0
		}
		return c, nil
	}
}
