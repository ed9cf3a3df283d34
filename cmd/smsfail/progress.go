package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newProgress shows the stage and the hosts fetched so far when w is a
// terminal, and nothing otherwise, so logs and cron mail stay clean.
func newProgress(w io.Writer) func(stage string, done, total int) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	var mu sync.Mutex
	var bar *progressbar.ProgressBar
	current := ""
	return func(stage string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if stage != current {
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(w)
				bar = nil
			}
			current = stage
			if total > 0 {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w),
					progressbar.OptionSetDescription(stageTitle(stage)), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
			} else {
				fmt.Fprintln(w, stageTitle(stage))
			}
		}
		if bar != nil {
			_ = bar.Set(done)
		}
	}
}

func stageTitle(stage string) string {
	switch stage {
	case "query":
		return "Querying the site database..."
	case "fetch":
		return "Reading client logs"
	case "report":
		return "Writing the workbook..."
	}
	return stage
}
