package report

import "smsfail"

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
}

// DefaultSettings are the settings an empty report section gives.
func DefaultSettings() Settings {
	return Settings{Dir: "reports", PerCollectionSheets: 20, KeepLogs: true}
}

// Check finds the settings that cannot work; the keys are those of the
// report section.
func (s Settings) Check() error {
	var es smsfail.SettingErrors
	if s.Dir == "" {
		es.Add("dir", "must not be empty")
	}
	es.Between("per_collection_sheets", s.PerCollectionSheets, 0, 250)
	return es.Err()
}
