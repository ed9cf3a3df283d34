//go:build windows

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
)

// runAsService runs serve as the Windows service: 'smsfail service
// install' registers 'serve --service'. There is no console: the output goes
// to the Application event log, and a stop request cancels serve's context.
func runAsService(a *app, serve func(ctx context.Context, a *app, ready func()) error) error {
	elog, err := eventlog.Open(serviceName)
	if err != nil {
		err = fmt.Errorf("cannot open event-log source %s (reinstall the service): %w", serviceName, err)
		recordLastError(err.Error())
		return err
	}
	defer elog.Close()
	w := &eventWriter{log: elog}
	host := &serviceHost{serve: serve, app: &app{stdout: w, stderr: w, getenv: a.getenv}}
	if err := svc.Run(serviceName, host); err != nil {
		return fmt.Errorf("cannot run as service %s (serve --service is for the service manager only): %w", serviceName, err)
	}
	return host.err
}

// serviceHost answers the service control manager while serve runs.
type serviceHost struct {
	serve func(ctx context.Context, a *app, ready func()) error
	app   *app
	err   error
}

// pendingHint is how long the service manager is told to wait between two
// reports while the service starts or stops.
const pendingHint = 10 * time.Second

// Execute is called by svc.Run; it returns when serve does. The service
// reports start pending until serve has loaded its configuration and
// opened its state folder, so that 'smsfail service start' learns of a
// configuration that cannot work.
func (h *serviceHost) Execute(_ []string, requests <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	clearLastError()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() { done <- h.serve(ctx, h.app, func() { once.Do(func() { close(ready) }) }) }()
	if ended, err := h.waitReady(ready, done, status); ended {
		return h.exit(err)
	}
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
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

// waitReady reports start pending, with a checkpoint every half hint,
// until serve is ready or has ended; ended says which.
func (h *serviceHost) waitReady(ready <-chan struct{}, done <-chan error, status chan<- svc.Status) (ended bool, err error) {
	tick := time.NewTicker(pendingHint / 2)
	defer tick.Stop()
	for checkpoint := uint32(1); ; checkpoint++ {
		status <- svc.Status{State: svc.StartPending, CheckPoint: checkpoint, WaitHint: uint32(pendingHint / time.Millisecond)}
		select {
		case <-ready:
			return false, nil
		case err := <-done:
			if err == nil {
				err = errors.New("serve ended before it was ready")
			}
			return true, err
		case <-tick.C:
		}
	}
}

// waitStopping reports progress while serve finishes its running job, so
// the service manager does not take a long grace period for a hang.
func (h *serviceHost) waitStopping(done <-chan error, status chan<- svc.Status) error {
	tick := time.NewTicker(pendingHint / 2)
	defer tick.Stop()
	for checkpoint := uint32(1); ; checkpoint++ {
		status <- svc.Status{State: svc.StopPending, CheckPoint: checkpoint, WaitHint: uint32(pendingHint / time.Millisecond)}
		select {
		case err := <-done:
			return err
		case <-tick.C:
		}
	}
}

// exit logs and records the error serve ended with: the service manager
// keeps only the exit code.
func (h *serviceHost) exit(err error) (bool, uint32) {
	h.err = err
	if err == nil {
		return false, 0
	}
	fmt.Fprintf(h.app.stderr, "smsfail: %v\n", err)
	recordLastError(err.Error())
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
