//go:build linux

package wintest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServiceLifecycle installs smsfail as a Windows service in Wine's
// service control manager, starts it, lets it run a scheduled night whose
// lines reach the event log, starts it again through net start, stops it,
// starts it with a configuration that cannot work, and removes it.
func TestServiceLifecycle(t *testing.T) {
	w := needWine(t)
	site := demo(t, w)
	cfg := site + `\service.yaml`
	base := string(w.read(t, site+`\smsfail.yaml`))
	w.write(t, cfg, []byte(base+"schedule:\n  cron: \"@every 3s\"\n"))
	t.Cleanup(func() { w.smsfail(t, "service", "uninstall") })

	r := w.want(t, exitFailure, "service", "status")
	wantSays(t, r, "service smsfail is not installed")
	refusedInstall(t, w, site, base)

	r = w.want(t, exitOK, "service", "install", "--config", cfg)
	wantSays(t, r, `installed service smsfail: C:\smsfail\smsfail.exe serve --service --config `+cfg)
	wantSC(t, w, "STOPPED")
	r = w.want(t, exitFailure, "service", "install", "--config", cfg)
	wantSays(t, r, "service smsfail is already installed; run 'smsfail service uninstall' first")
	r = w.want(t, exitFailure, "service", "status")
	wantSays(t, r, "state:    stopped", `command:  C:\smsfail\smsfail.exe serve --service --config "`+cfg+`"`)

	seen := len(w.events(t))
	r = w.want(t, exitOK, "service", "start")
	wantSays(t, r, "service smsfail is running")
	wantSC(t, w, "RUNNING")
	w.waitEvent(t, seen, `msg="schedule started" spec="@every 3s"`, time.Minute)
	night := w.waitEvent(t, seen, `msg="night done"`, time.Minute)
	if night.level != "trace" || !strings.Contains(night.text, `workbook="C:\\smsfail tests\\`) {
		t.Errorf("the night's event: %+v, want an Information event naming the workbook", night)
	}
	reports, _ := filepath.Glob(w.unix(site+`\reports`) + "/KID-*/*.xlsx")
	if len(reports) == 0 {
		t.Error("the service's night wrote no workbook")
	}
	r = w.want(t, exitOK, "service", "start")
	wantSays(t, r, "service smsfail is already running")
	r = w.want(t, exitOK, "service", "status")
	wantSays(t, r, "state:    running", "start:    automatic")

	seen = len(w.events(t))
	r = w.want(t, exitOK, "service", "stop")
	wantSays(t, r, "service smsfail is stopped")
	wantSC(t, w, "STOPPED")
	w.waitEvent(t, seen, `msg="schedule stopped"`, 10*time.Second)
	r = w.want(t, exitOK, "service", "stop")
	wantSays(t, r, "service smsfail is not running")

	netStartStop(t, w)
	startFailing(t, w, site, cfg, base)

	r = w.want(t, exitOK, "service", "uninstall")
	wantSays(t, r, "removed service smsfail")
	if r := w.run(t, "sc", "query", "smsfail"); r.code == 0 {
		t.Errorf("sc query finds the removed service:\n%s", r)
	}
	r = w.want(t, exitFailure, "service", "uninstall")
	wantSays(t, r, "service smsfail is not installed")

	// An event source removed by hand does not keep the service from
	// being removed.
	w.write(t, cfg, []byte(base+"schedule:\n  cron: \"@daily\"\n"))
	w.want(t, exitOK, "service", "install", "--config", cfg)
	if r := w.run(t, "reg", "delete", `HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\smsfail`, "/f"); r.code != 0 {
		t.Fatalf("reg delete: %s", r)
	}
	r = w.want(t, exitOK, "service", "uninstall")
	wantSays(t, r, "removed service smsfail", "event-log source smsfail was not registered")
}

// refusedInstall: install loads the configuration as the service would
// and registers nothing when it cannot work.
func refusedInstall(t *testing.T, w *wine, site, base string) {
	t.Helper()
	for _, c := range []struct{ name, cfg, says string }{
		{"no schedule.yaml", base, "schedule.cron is empty"},
		{"bad rules.yaml", base + "rules:\n  file: missing rules.yaml\nschedule:\n  cron: \"@daily\"\n", `missing rules.yaml`},
		{"env secret.yaml", strings.Replace(base, "database:\n", "database:\n  password: {env: SMSFAIL_NOT_SET}\n", 1) + "schedule:\n  cron: \"@daily\"\n",
			"SMSFAIL_NOT_SET is not set"},
	} {
		w.write(t, site+`\`+c.name, []byte(c.cfg))
		r := w.want(t, exitFailure, "service", "install", "--config", site+`\`+c.name)
		wantSays(t, r, c.says)
		if r := w.run(t, "sc", "query", "smsfail"); r.code == 0 {
			t.Fatalf("a refused install (%s) registered the service:\n%s", c.name, r)
		}
	}
}

// netStartStop starts and stops the service through Windows' own net
// command, as an admin may.
func netStartStop(t *testing.T, w *wine) {
	t.Helper()
	if r := w.run(t, "net", "start", "smsfail"); r.code != 0 {
		t.Fatalf("net start smsfail: %s", r)
	}
	wantSC(t, w, "RUNNING")
	r := w.run(t, "net", "start")
	if !strings.Contains(r.stdout, "smsfail nightly report") {
		t.Errorf("net start does not list the service:\n%s", r)
	}
	if r := w.run(t, "net", "stop", "smsfail"); r.code != 0 {
		t.Fatalf("net stop smsfail: %s", r)
	}
	wantSC(t, w, "STOPPED")
}

// startFailing: a service whose configuration broke since it was installed
// does not report running; start waits for it and says why it stopped, and
// status keeps the reason.
func startFailing(t *testing.T, w *wine, site, cfg, base string) {
	t.Helper()
	broken := base + "rules:\n  file: gone rules.yaml\nschedule:\n  cron: \"@every 3s\"\n"
	w.write(t, cfg, []byte(broken))
	seen := len(w.events(t))
	r := w.want(t, exitFailure, "service", "start")
	wantSays(t, r, "service smsfail stopped while starting (exit code 1): ", `gone rules.yaml`)
	wantSC(t, w, "STOPPED")
	e := w.waitEvent(t, seen, "gone rules.yaml", 10*time.Second)
	if e.level != "err" {
		t.Errorf("the reason reached the event log as %q, want an Error event: %s", e.level, e.text)
	}
	r = w.want(t, exitFailure, "service", "status")
	wantSays(t, r, "state:    stopped", "stopped:  exit code 1: ", "gone rules.yaml")
	if err := os.Remove(w.unix(cfg)); err != nil {
		t.Fatal(err)
	}
}

// wantSC checks the service's state as Wine's sc query reports it.
func wantSC(t *testing.T, w *wine, state string) {
	t.Helper()
	r := w.run(t, "sc", "query", "smsfail")
	if !regexp.MustCompile(`STATE\s+:\s+\d\s+` + state).MatchString(r.stdout) {
		t.Fatalf("sc query smsfail: want %s, got %s", state, r)
	}
}

func wantSays(t *testing.T, r result, says ...string) {
	t.Helper()
	for _, s := range says {
		if !strings.Contains(r.stdout+r.stderr, s) {
			t.Errorf("output does not say %q:\n%s", s, r)
		}
	}
}
