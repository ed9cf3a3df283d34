package main

// serviceUsage is the help of 'smsfail service', shown on every system so
// that an admin preparing a Windows server can read it anywhere.
const serviceUsage = `Usage: smsfail service install --config FILE [--user DOMAIN\NAME]
       smsfail service uninstall | start | stop | status [--wait DURATION]

install    checks the configuration as the service will read it, then
           registers the service "smsfail" (automatic, delayed start where
           Windows offers it; restarted a minute after a crash) running:
           smsfail.exe serve --service --config FILE, and the "smsfail"
           event-log source that receives its log.
           --user runs it under that account instead of LocalSystem; its
           password is read from SMSFAIL_SERVICE_PASSWORD.
uninstall  stops the service if it runs and removes it and its event source.
start      starts the service and waits until it has loaded its
           configuration and opened its state folder; when it stops
           instead, says why. A running service is left running.
stop       asks the service to stop (a running job gets its grace period)
           and waits until it has stopped.
status     prints the service's state, command line and last error; exit
           code 0 when it runs, 1 when it does not or is not installed.

Run from an elevated prompt: the service control manager requires it.
`

// serviceExitCodes are the exit codes of service.
var serviceExitCodes = exitCodes(
	exitDoc{exitOK, "done: installed, removed, started or stopped"},
	exitDoc{exitFailure, "the service control manager refused (not elevated?), or the service\ndid not start or stop in time"},
	exitDocUsage,
	exitDocInterrupted,
)

const serviceEnvHelp = `
Environment:
  SMSFAIL_SERVICE_PASSWORD  the password of the --user account (install)
  The service itself reads the secrets its configuration names, from the
  system environment or from files ({file: PATH}).
`
