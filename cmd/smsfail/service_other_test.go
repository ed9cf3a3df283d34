//go:build !windows

package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestServiceIsWindowsOnly(t *testing.T) {
	var out, errs bytes.Buffer
	a := &app{stdout: &out, stderr: &errs, getenv: func(string) string { return "" }}
	code := dispatch(context.Background(), a, []string{"service", "install", "--config", "smsfail.yml"})
	if code != exitUsage {
		t.Fatalf("exit code %d, want %d", code, exitUsage)
	}
	for _, want := range []string{"for Windows only", "smsfail serve --config FILE", "docs/smsfail.service", "cron"} {
		if !strings.Contains(errs.String(), want) {
			t.Errorf("message %q does not mention %q", errs.String(), want)
		}
	}
	errs.Reset()
	if code := dispatch(context.Background(), a, []string{"serve", "--service", "--config", "smsfail.yml"}); code != exitUsage {
		t.Fatalf("serve --service: exit code %d, want %d", code, exitUsage)
	}
	if !strings.Contains(errs.String(), "Windows service manager") {
		t.Errorf("serve --service says %q", errs.String())
	}
}
