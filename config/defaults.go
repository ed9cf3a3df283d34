package config

import (
	"time"

	"smsfail/mail"
	"smsfail/query"
	"smsfail/report"
)

// Default is the configuration an empty file gives: every default filled.
func Default() *Config {
	db := query.DefaultConfig() // one set of defaults for the connection
	readOnly, keep, retries, sheets, chart := true, true, 1, 20, report.DefaultChartCauses
	return &Config{
		Site: Site{TimeZone: "Local"},
		Database: Database{
			Driver:         "sqlserver",
			Auth:           "sql",
			Encrypt:        "true",
			ReadOnlyIntent: &readOnly,
			ConnectTimeout: Duration(db.ConnectTimeout),
			QueryTimeout:   Duration(db.QueryTimeout),
			Retries:        db.Retries,
			RetryWait:      Duration(db.RetryWait),
			Route:          "auto",
		},
		Failures: Failures{
			ExitCodes:     []int64{1603},
			MessageIDs:    []int{10006},
			ExitCodeIndex: 3,
			Window:        Duration(24 * time.Hour),
			Late:          Duration(3 * 24 * time.Hour),
		},
		Logs: Logs{
			Source:         "auto",
			SMB:            SMB{Port: 445, SMB1: "auto"},
			Concurrency:    32,
			ConnectTimeout: Duration(3 * time.Second),
			HostTimeout:    Duration(30 * time.Second),
			MaxBytes:       64 << 20,
			Retries:        &retries,
			Codepage:       "windows-1252",
		},
		Report: Report{Dir: "reports", PerCollectionSheets: &sheets, KeepLogs: &keep, ChartCauses: &chart,
			TrendNights: DefaultTrendNights, ProgressWindow: Duration(DefaultProgressWindow)},
		Mail: Mail{
			TLS:            mail.TLSStartTLS,
			Auth:           mail.AuthNone,
			Subject:        mail.DefaultSubject,
			MaxAttachBytes: mail.DefaultMaxAttachBytes,
			Retries:        3,
			Backoff:        Duration(mail.DefaultBackoff),
			Timeout:        Duration(mail.DefaultTimeout),
		},
		Schedule: Schedule{Grace: Duration(10 * time.Minute)},
		State:    State{Dir: "state", KeepNights: DefaultKeepNights},
	}
}
