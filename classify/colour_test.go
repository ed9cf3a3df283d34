package classify

import (
	"path/filepath"
	"regexp"
	"testing"
)

// TestBuiltinColours checks every built-in cause has a colour of its own:
// the workbook and the mail show a cause in the same colour every night.
func TestBuiltinColours(t *testing.T) {
	seen := map[string]string{}
	for _, c := range Builtin().Causes() {
		if !regexp.MustCompile(`^[0-9A-F]{6}$`).MatchString(c.Colour) {
			t.Errorf("cause %s has colour %q, want RRGGBB", c.ID, c.Colour)
		}
		if other, ok := seen[c.Colour]; ok {
			t.Errorf("causes %s and %s share the colour %s", other, c.ID, c.Colour)
		}
		seen[c.Colour] = c.ID
	}
}

// TestColoursFromRulesFile reads colour and color, with and without #, in
// either case; a cause the file does not colour keeps the built-in one,
// and a new cause without one has none (the workbook derives it).
func TestColoursFromRulesFile(t *testing.T) {
	r, err := Load(filepath.Join("testdata", "colours", "site.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"antivirus-lock": "2E8B57", "disk-space": "8B4513", "no-colour": "", "file-in-use": "C55A11"} {
		if c, _ := r.Cause(id); c.Colour != want {
			t.Errorf("cause %s has colour %q, want %q", id, c.Colour, want)
		}
	}
}

func TestInvalidColours(t *testing.T) {
	for name, want := range map[string]string{
		"invalid-unquoted.yaml": `cannot load rules: testdata/colours/invalid-unquoted.yaml:3: cause "disk-space": colour: empty; write the colour in quotes, such as colour: "#1F4E79" (an unquoted # starts a YAML comment)`,
		"invalid-name.yaml":     `cannot load rules: testdata/colours/invalid-name.yaml:3: cause "disk-space": colour: "orange" is not a colour; give red, green and blue as six hexadecimal digits, such as "#1F4E79"`,
		"invalid-both.yaml":     `cannot load rules: testdata/colours/invalid-both.yaml:4: cause "disk-space": give colour or color, not both (colour at line 3)`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Load(filepath.Join("testdata", "colours", name))
			if err == nil || err.Error() != want {
				t.Errorf("error\n%v\nwant\n%s", err, want)
			}
		})
	}
}
