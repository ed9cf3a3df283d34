package report

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"smsfail"
)

// Settings say where workbooks go and how they are laid out: the report
// section of the configuration file.
type Settings struct {
	Dir string `yaml:"dir"` // a folder per run is made in it
	// PerCollectionSheets makes a sheet per collection when a run meets at
	// most this many collections; 0 never does.
	PerCollectionSheets int `yaml:"per_collection_sheets"`
	// KeepLogs keeps a copy of every log read in the run's folder, linked
	// from the workbook.
	KeepLogs bool `yaml:"keep_logs"`
	// ChartCauses is how many causes the Summary's chart shows apart.
	ChartCauses int `yaml:"chart_causes"`
	// LinkBase is where the report folder (Dir) is published, a UNC path
	// or an http(s) URL: the workbook's links and the mail point there.
	// "" links beside the workbook and gives the mail its absolute path.
	LinkBase string `yaml:"link_base"`
	// TrendNights is how many nights, up to the run's, the Trend sheet and
	// the mail show from the history; 0 shows none.
	TrendNights int `yaml:"trend_nights"`
	// ProgressWindow is how far back a machine's last outcome counts for
	// the deployments' progress.
	ProgressWindow time.Duration `yaml:"progress_window"`
}

// Defaults of the settings besides DefaultChartCauses.
const (
	DefaultTrendNights    = 30
	DefaultProgressWindow = 30 * 24 * time.Hour // status messages are kept 30 days by default
	MaxTrendNights        = 366
)

// DefaultSettings are the settings an empty report section gives.
func DefaultSettings() Settings {
	return Settings{Dir: "reports", PerCollectionSheets: 20, KeepLogs: true, ChartCauses: DefaultChartCauses,
		TrendNights: DefaultTrendNights, ProgressWindow: DefaultProgressWindow}
}

// Check finds the settings that cannot work; the keys are those of the
// report section.
func (s Settings) Check() error {
	var es smsfail.SettingErrors
	if s.Dir == "" {
		es.Add("dir", "must not be empty")
	}
	es.Between("per_collection_sheets", s.PerCollectionSheets, 0, 250)
	es.Between("chart_causes", s.ChartCauses, 1, MaxChartCauses)
	if s.LinkBase != "" {
		if _, err := PublishedAt(s.LinkBase); err != nil {
			es.Add("link_base", "%v", err)
		}
	}
	es.Between("trend_nights", s.TrendNights, 0, MaxTrendNights)
	if w := s.ProgressWindow; w < 24*time.Hour || w > 366*24*time.Hour {
		es.Add("progress_window", "must be between 1d and 366d (got %s)", formatDays(w))
	}
	return es.Err()
}

// uncPath is \\server\share with an optional path under it.
var uncPath = regexp.MustCompile(`^\\\\[^\\/:*?"<>|]+\\[^\\/:*?"<>|]+(\\[^\\/:*?"<>|]+)*\\?$`)

// PublishedAt checks link_base, where the report folder is published, a
// UNC path or an http(s) URL, and returns it without a trailing separator.
func PublishedAt(s string) (string, error) {
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", fmt.Errorf("%q holds a control character", s)
	}
	if strings.HasPrefix(s, `\\`) {
		if !uncPath.MatchString(s) {
			return "", fmt.Errorf(`"%s" is not a UNC path like \\SMSSRV\reports$`, s)
		}
		return strings.TrimRight(s, `\`), nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf(`"%s" is neither a UNC path like \\SMSSRV\reports$ nor an http(s) URL like https://smssrv/reports: give where the folder report.dir is published`, s)
	}
	return strings.TrimRight(s, "/"), nil
}

// formatDays shows a duration in whole days when it is one.
func formatDays(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}
