package classify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"smsfail"
)

func TestBuiltinRules(t *testing.T) {
	r := Builtin()
	ids := map[string]bool{}
	for _, c := range r.Causes() {
		ids[c.ID] = true
		if c.Title == "" || c.Remediation == "" || c.Source != SourceBuiltin || !slices.Contains(groups, c.Group) {
			t.Errorf("cause %+v is incomplete", c)
		}
	}
	// The cause identifiers are the job's contract.
	for _, id := range []string{"catalog-install-failed", "package-damaged", "setup-canceled", "prerequisite-failed",
		"install-incomplete", "migration-blocked", "registry-access-denied", "access-denied", "disk-space",
		"file-in-use", "custom-action-failed", "service-start-failed", "source-missing", "invalid-drive",
		"assembly-install-failed", "installer-database-error", "another-install-running", "no-detail", "unclassified",
		"not-applicable", "already-installed", "newer-version-installed", "installer-service-unavailable", "reboot-pending"} {
		if !ids[id] {
			t.Errorf("built-in cause %s is missing", id)
		}
	}
	if len(ids) != 24 {
		t.Errorf("%d built-in causes, want the 24 of the contract", len(ids))
	}
	for _, info := range r.List() {
		if info.Source != SourceBuiltin || info.Overridden || info.Disabled {
			t.Errorf("built-in rule %+v", info)
		}
	}
}

func TestLoadOverridesAndAdds(t *testing.T) {
	path := filepath.Join("testdata", "rules", "override-add.yaml")
	r, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := r.Cause("antivirus-lock")
	if !ok || c.Source != path || c.Group != "environment" {
		t.Fatalf("site cause: %+v, %v", c, ok)
	}
	rules := map[string]RuleInfo{}
	for _, info := range r.List() {
		rules[info.ID] = info
	}
	if got := rules["site-antivirus"]; got.Source != path || got.Overridden || got.Priority != 80 {
		t.Errorf("added rule: %+v", got)
	}
	// An override keeps what it does not set.
	if got := rules["msi-service-start"]; got.Source != path || !got.Overridden || got.Cause != "service-start-failed" || got.Priority != 70 || got.Scope != ScopeBeforeFail {
		t.Errorf("overridden rule: %+v", got)
	}
	if got := rules["update-incomplete-code"]; !got.Disabled {
		t.Errorf("disabled rule: %+v", got)
	}

	// The site's rule outranks the built-in 1310 rule for its file.
	f := classifyCorpus(t, r, "file-in-use--msi-1310-utf16.log")
	if f.Cause != "antivirus-lock" || f.Rule != "site-antivirus" || f.Title != "Antivirus holds the file" {
		t.Errorf("site rule did not decide: %+v", f)
	}
	// The overridden rule gives its new remediation, the cause's title.
	f = classifyCorpus(t, r, "service-start-failed--msi-1920-utf16.log")
	if f.Cause != "service-start-failed" || !strings.HasPrefix(f.Remediation, "Our agent needs") || f.Title != "A service failed to start" {
		t.Errorf("override: %+v", f)
	}
	// A disabled rule decides nothing: the extended code it explained is
	// now an error no rule knows.
	f = classifyCorpus(t, r, "install-incomplete--svcpack-tail-only.log")
	if f.Cause != smsfail.CauseUnclassified {
		t.Errorf("disabled rule still decides: %+v", f)
	}
}

func classifyCorpus(t *testing.T, r *Rules, name string) smsfail.Finding {
	t.Helper()
	return classifyPath(t, r, filepath.Join("testdata", name))
}

// TestLoadInvalid checks the exact error an admin sees for each mistake.
func TestLoadInvalid(t *testing.T) {
	dir := filepath.Join("testdata", "rules")
	tests := map[string]string{
		"invalid-pattern.yaml":         `cannot load rules: testdata/rules/invalid-pattern.yaml:4: rule "bad-pattern": bad pattern: error parsing regexp: missing closing ): ` + "`Error (1310`",
		"invalid-cause.yaml":           `cannot load rules: testdata/rules/invalid-cause.yaml:3: rule "mystery": unknown cause "gremlins"; define it under causes: with a title and a remediation, or use one of: access-denied, already-installed, another-install-running, assembly-install-failed, catalog-install-failed, custom-action-failed, disk-space, file-in-use, install-incomplete, installer-database-error, installer-service-unavailable, invalid-drive, migration-blocked, newer-version-installed, no-detail, not-applicable, package-damaged, prerequisite-failed, reboot-pending, registry-access-denied, service-start-failed, setup-canceled, source-missing, unclassified`,
		"invalid-key.yaml":             `cannot load rules: testdata/rules/invalid-key.yaml:4: rule "typo": patern: unknown key (did you mean "pattern"?)`,
		"invalid-kind.yaml":            `cannot load rules: testdata/rules/invalid-kind.yaml:4: rule "wrong-kind": unknown log kind "msi"; kinds: update-exe, msi-verbose, msi-event, unknown`,
		"invalid-scope.yaml":           `cannot load rules: testdata/rules/invalid-scope.yaml:4: rule "wrong-scope": unknown scope "last-run"; scopes: anywhere, last-session, before-first-return-3`,
		"invalid-code.yaml":            `cannot load rules: testdata/rules/invalid-code.yaml:4: rule "wrong-code": msi-error code "13l0" is not a number`,
		"invalid-new-cause.yaml":       `cannot load rules: testdata/rules/invalid-new-cause.yaml:2: cause "antivirus-lock": a new cause needs a title and a remediation`,
		"invalid-empty-rule.yaml":      `cannot load rules: testdata/rules/invalid-empty-rule.yaml:2: rule "nothing": matches nothing: give a pattern, codes, an action or custom-action: true`,
		"invalid-duplicate-key.yaml":   `cannot load rules: testdata/rules/invalid-duplicate-key.yaml:6: rule "twice": pattern: given twice (first at line 4)`,
		"invalid-second-document.yaml": `cannot load rules: testdata/rules/invalid-second-document.yaml:5: a second YAML document (after ---) would not be read: keep all causes and rules in one`,
		"invalid-syntax.yaml":          `cannot load rules: testdata/rules/invalid-syntax.yaml:2: not valid YAML: found a tab character that violates indentation`,
		"invalid-kind-item.yaml":       `cannot load rules: testdata/rules/invalid-kind-item.yaml:7: rule "wrong-kind-item": unknown log kind "msi-events"; kinds: update-exe, msi-verbose, msi-event, unknown`,
		"invalid-list-item.yaml":       `cannot load rules: testdata/rules/invalid-list-item.yaml:11: rule "wrong-item": msi-error code "13O4" is not a number`,
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Load(filepath.Join(dir, name))
			if err == nil {
				t.Fatal("loaded without error")
			}
			if err.Error() != want {
				t.Errorf("error\n%s\nwant\n%s", err, want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "rules", "absent.yaml"))
	if err == nil || !strings.Contains(err.Error(), "cannot read rules file testdata/rules/absent.yaml") {
		t.Errorf("error %v", err)
	}
}

// FuzzLoadRules: no rules file makes the reader panic, and every refusal
// names the file.
func FuzzLoadRules(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "rules", "*.yaml"))
	for _, file := range append(files, "rules.yaml") {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := parseFile("fuzz.yaml", data)
		if err == nil {
			_, err = build(mustParseBuiltin(t), spec)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "fuzz.yaml") && !strings.HasPrefix(err.Error(), SourceBuiltin) {
			t.Errorf("error does not name the file: %v", err)
		}
	})
}

func mustParseBuiltin(t *testing.T) *fileSpec {
	f, err := parseFile(SourceBuiltin, builtinYAML)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestCodesChecked: a code kind or a code that cannot be is refused at
// the line of the very item.
func TestCodesChecked(t *testing.T) {
	for text, want := range map[string]string{
		"rules:\n- id: x\n  cause: file-in-use\n  codes:\n    msi-eror: [1310]\n":                `r.yaml:5: rule "x": codes: unknown key "msi-eror"; known keys: ` + strings.Join(codeKinds, ", "),
		"rules:\n- id: x\n  cause: file-in-use\n  codes:\n    msi-error:\n    - 1310\n    - x\n": `r.yaml:7: rule "x": msi-error code "x" is not a number`,
		"rules:\n- id: x\n  cause: file-in-use\n  kinds: {a: b}\n":                               `r.yaml:4: rule "x": kinds: expected a value or a list of values, got a mapping`,
	} {
		if _, err := parseFile("r.yaml", []byte(text)); err == nil || err.Error() != want {
			t.Errorf("%q:\ngot  %v\nwant %s", text, err, want)
		}
	}
}
