package config

import "testing"

// TestReportLinkBase reads the places a report folder is published at, as
// an admin writes them, and the default number of causes charted.
func TestReportLinkBase(t *testing.T) {
	for in, want := range map[string]string{
		`'\\SMSSRV\reports$'`:              `\\SMSSRV\reports$`,
		`'\\SMSSRV\reports$\'`:             `\\SMSSRV\reports$`,
		`'\\smssrv.corp.example\d$\Rep X'`: `\\smssrv.corp.example\d$\Rep X`,
		`https://smssrv.corp.example/rep/`: `https://smssrv.corp.example/rep`,
		`http://smssrv:8080/reports`:       `http://smssrv:8080/reports`,
		`""`:                               ``,
	} {
		yaml := "database: {driver: sqlite, path: site.db}\nlogs: {source: local, root: clients}\nreport:\n  link_base: " + in + "\n"
		c, err := Parse("smsfail.yaml", []byte(yaml), env(nil))
		if err != nil {
			t.Errorf("link_base %s: %v", in, err)
			continue
		}
		if c.Report.LinkBase != want {
			t.Errorf("link_base %s read as %q, want %q", in, c.Report.LinkBase, want)
		}
		if *c.Report.ChartCauses != 8 {
			t.Errorf("chart_causes defaults to %d, want 8", *c.Report.ChartCauses)
		}
	}
}
