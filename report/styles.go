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
	font string // RGB, "" for the default
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

// rowStyles holds the style of each kind of cell in a row of one colour.
type rowStyles [kindCause + 1]int

func newStyles(f *excelize.File) *styles {
	return &styles{f: f, cache: map[styleKey]int{}, rows: map[string]*rowStyles{}}
}

// row returns the styles of a row of a cause of colour c, looked up once
// per row rather than once per cell: the row in a tint of c, the cause's
// cell in c itself.
func (s *styles) row(c string) (*rowStyles, error) {
	if r, ok := s.rows[c]; ok {
		return r, nil
	}
	r := &rowStyles{}
	for k := range r {
		key := styleKey{kind: cellKind(k), fill: tint(c)}
		if cellKind(k) == kindCause && c != "" {
			key = styleKey{kind: kindText, fill: c, font: textOn(c)}
		}
		id, err := s.get(key)
		if err != nil {
			return nil, err
		}
		r[k] = id
	}
	s.rows[c] = r
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
	if k.bold || k.font != "" {
		st.Font = &excelize.Font{Bold: k.bold, Color: k.font}
	}
	if k.fill != "" {
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{k.fill}}
	}
	id, err := s.f.NewStyle(complete(st))
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
	id, err := s.f.NewStyle(complete(st))
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

// complete names the font of a style that sets one: a font without a name
// is drawn in the reader's default, a serif in LibreOffice. Text sits at
// the top of its cell, beside the wrapped text of its row.
func complete(st *excelize.Style) *excelize.Style {
	if st.Font != nil {
		f := *st.Font
		if f.Family == "" {
			f.Family = "Calibri"
		}
		if f.Size == 0 {
			f.Size = 11
		}
		st.Font = &f
	}
	if st.Alignment == nil {
		st.Alignment = &excelize.Alignment{Vertical: "top"}
	} else if st.Alignment.Vertical == "" {
		a := *st.Alignment
		a.Vertical = "top"
		st.Alignment = &a
	}
	return st
}
