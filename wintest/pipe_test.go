//go:build linux

package wintest

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestClosedPipe: `smsfail rules | more` that ends early ends smsfail.exe
// quietly: Windows answers its next write with "The pipe is being
// closed", which ends it with exit code 0 and no error text.
func TestClosedPipe(t *testing.T) {
	w := needWine(t)
	for _, args := range [][]string{{"rules"}, {"rules", "--json"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		c := w.command(ctx, w.tools["wine"], append([]string{`C:\smsfail\smsfail.exe`}, args...)...)
		stderr, err := os.CreateTemp(w.root, "stderr-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(stderr.Name())
		c.Stderr = stderr
		stdout, err := c.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		if _, err := bufio.NewReader(stdout).ReadString('\n'); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		stdout.Close() // as more does when the admin quits it
		err = c.Wait()
		stderr.Close()
		errs, _ := os.ReadFile(stderr.Name())
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) || c.ProcessState.ExitCode() != 0 || strings.Contains(string(errs), "smsfail:") {
			t.Errorf("%v after its reader went: %v, exit code %d, stderr:\n%s", args, err, c.ProcessState.ExitCode(), errs)
		}
	}
}
