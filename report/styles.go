package report

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// Number formats of the workbook.
const (
	dateFormat     = "yyyy-mm-dd hh:mm:ss"
	durationFormat = "[h]:mm:ss"
	percentFormat  = "0.0%"
	integerFormat  = "0"
)

// styleKey names one cell style: how the value is shown and the row's fill.
type styleKey struct {
	kind cellKind
	fill string // RGB, "" for none
	bold bool
	wrap bool
}

// styles creates cell styles on first use, so a workbook holds only those
// it needs.
type styles struct {
	f     *excelize.File
	cache map[styleKey]int
	rows  map[string]*rowStyles
}

// rowStyles holds the style of each kind of cell in a row of one fill.
type rowStyles [kindLink + 1]int

func newStyles(f *excelize.File) *styles {
	return &styles{f: f, cache: map[styleKey]int{}, rows: map[string]*rowStyles{}}
}

// row returns the styles of a row filled with fill, looked up once per row
// rather than once per cell.
func (s *styles) row(fill string) (*rowStyles, error) {
	if r, ok := s.rows[fill]; ok {
		return r, nil
	}
	r := &rowStyles{}
	for k := range r {
		id, err := s.get(styleKey{kind: cellKind(k), fill: fill})
		if err != nil {
			return nil, err
		}
		r[k] = id
	}
	s.rows[fill] = r
	return r, nil
}

func (s *styles) get(k styleKey) (int, error) {
	if id, ok := s.cache[k]; ok {
		return id, nil
	}
	st := &excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: k.wrap}}
	switch k.kind {
	case kindNumber:
		st.CustomNumFmt = strPtr(integerFormat)
	case kindDate:
		st.CustomNumFmt = strPtr(dateFormat)
	case kindLink:
		st.Font = &excelize.Font{Color: "0563C1", Underline: "single"}
	}
	if k.bold {
		st.Font = &excelize.Font{Bold: true}
	}
	if k.fill != "" {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{k.fill}}
	}
	id, err := s.f.NewStyle(st)
	if err != nil {
		return 0, fmt.Errorf("cannot create a cell style: %w", err)
	}
	s.cache[k] = id
	return id, nil
}

// custom returns a style built by the caller, cached under name.
func (s *styles) custom(name string, st *excelize.Style) (int, error) {
	k := styleKey{kind: cellKind(255), fill: name}
	if id, ok := s.cache[k]; ok {
		return id, nil
	}
	id, err := s.f.NewStyle(st)
	if err != nil {
		return 0, fmt.Errorf("cannot create style %s: %w", name, err)
	}
	s.cache[k] = id
	return id, nil
}

// header is the style of a table's header row.
func (s *styles) header() (int, error) {
	return s.custom("header", &excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "top"},
	})
}

func strPtr(s string) *string { return &s }
