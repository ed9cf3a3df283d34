package config

import "testing"

// The trend and retention settings default to a month of nights shown and
// a year of nights kept, and 0 turns each off.
func TestTrendDefaults(t *testing.T) {
	c, err := Parse("demo.yaml", []byte("database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Report.TrendNights != 30 || c.Report.ProgressWindow.D() != DefaultProgressWindow || c.State.KeepNights != 400 {
		t.Fatalf("defaults: trend %d, progress window %s, keep %d", c.Report.TrendNights, c.Report.ProgressWindow.D(), c.State.KeepNights)
	}
	c, err = Parse("demo.yaml", []byte("database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\n"+
		"report: {trend_nights: 0, progress_window: 7d}\nstate: {keep_nights: 0}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Report.TrendNights != 0 || c.Report.ProgressWindow.D().Hours() != 168 || c.State.KeepNights != 0 {
		t.Fatalf("turned off: %+v %+v", c.Report, c.State)
	}
}
