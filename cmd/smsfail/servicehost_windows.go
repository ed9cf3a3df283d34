//go:build windows

package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
)

// runUnderServiceManager runs serve as the Windows service when the service
// control manager started this process, and reports whether it did. Under
// the service manager there is no console: the output goes to the
// Application event log, and a stop request cancels serve's context.
func runUnderServiceManager(a *app, serve func(ctx context.Context, a *app) error) (bool, error) {
	isService, err := svc.IsWindowsService()
	if err != nil {
		return false, fmt.Errorf("cannot tell whether smsfail runs as a Windows service: %w", err)
	}
	if !isService {
		return false, nil
	}
	elog, err := eventlog.Open(serviceName)
	if err != nil {
		return true, fmt.Errorf("cannot open event-log source %s (reinstall the service): %w", serviceName, err)
	}
	defer elog.Close()
	w := &eventWriter{log: elog}
	host := &serviceHost{serve: serve, app: &app{stdout: w, stderr: w, getenv: a.getenv}}
	if err := svc.Run(serviceName, host); err != nil {
		return true, fmt.Errorf("cannot run as service %s: %w", serviceName, err)
	}
	return true, host.err
}

// serviceHost answers the service control manager while serve runs.
type serviceHost struct {
	serve func(ctx context.Context, a *app) error
	app   *app
	err   error
}

// Execute is called by svc.Run; it returns when serve does.
func (h *serviceHost) Execute(_ []string, requests <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- h.serve(ctx, h.app) }()
	accepts := svc.AcceptStop | svc.AcceptShutdown
	status <- svc.Status{State: svc.Running, Accepts: accepts}
	for {
		select {
		case err := <-done:
			return h.exit(err)
		case req := <-requests:
			switch req.Cmd {
			case svc.Interrogate:
				status <- req.CurrentStatus
			case svc.Stop, svc.Shutdown:
				cancel()
				return h.exit(h.waitStopping(done, status))
			}
		}
	}
}

// waitStopping reports progress while serve finishes its running job, so
// the service manager does not take a long grace period for a hang.
func (h *serviceHost) waitStopping(done <-chan error, status chan<- svc.Status) error {
	const hint = 10 * time.Second
	tick := time.NewTicker(hint / 2)
	defer tick.Stop()
	for checkpoint := uint32(1); ; checkpoint++ {
		status <- svc.Status{State: svc.StopPending, CheckPoint: checkpoint, WaitHint: uint32(hint / time.Millisecond)}
		select {
		case err := <-done:
			return err
		case <-tick.C:
		}
	}
}

func (h *serviceHost) exit(err error) (bool, uint32) {
	h.err = err
	if err == nil {
		return false, 0
	}
	fmt.Fprintf(h.app.stderr, "smsfail: %v\n", err)
	return true, exitFailure
}

// eventWriter turns each line of output into an Application event,
// as an error or a warning when the log line says so.
type eventWriter struct {
	log *eventlog.Log
	mu  sync.Mutex
	buf []byte
}

const eventID = 1

func (w *eventWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(bytes.TrimRight(w.buf[:i], "\r"))
		w.buf = w.buf[i+1:]
		if line == "" {
			continue
		}
		var err error
		switch {
		case strings.HasPrefix(line, "smsfail: ") || containsAny(line, "level=ERROR", `"level":"ERROR"`):
			err = w.log.Error(eventID, line)
		case containsAny(line, "level=WARN", `"level":"WARN"`):
			err = w.log.Warning(eventID, line)
		default:
			err = w.log.Info(eventID, line)
		}
		if err != nil {
			return 0, err
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
