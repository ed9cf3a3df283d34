package report

import (
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Page margins, in inches: narrow, so that more of a wide sheet fits a
// page's width, with room for the footer.
var (
	marginSide   = 0.4
	marginTop    = 0.5
	marginBottom = 0.6
	marginFooter = 0.25
)

// printSetup gives a sheet what a report needs on paper: landscape, every
// column on the width of one page and as many pages down as it takes,
// the used range as the print area, the header row repeated on every page
// when titles is set, and a footer with the site, the window and the page.
// A streamed sheet must be set up before its stream writer starts.
func (b *book) printSetup(sheet string, lastCol, lastRow int, titles bool) error {
	landscape, wide, tall, fit, scale := "landscape", 1, 0, true, false
	f := b.f
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &landscape, FitToWidth: &wide, FitToHeight: &tall})
	if err != nil {
		return err
	}
	err = f.SetPageMargins(sheet, &excelize.PageLayoutMarginsOptions{Left: &marginSide, Right: &marginSide,
		Top: &marginTop, Bottom: &marginBottom, Header: &marginFooter, Footer: &marginFooter})
	if err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{ScaleWithDoc: &scale, OddFooter: b.footer}); err != nil {
		return fmt.Errorf("cannot set the footer of sheet %s: %w", sheet, err)
	}
	last, err := excelize.CoordinatesToCellName(max(lastCol, 1), max(lastRow, 1), true)
	if err != nil {
		return err
	}
	ref := quoteSheet(sheet) + "!$A$1:" + last
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: ref, Scope: sheet}); err != nil {
		return fmt.Errorf("cannot set the print area of sheet %s: %w", sheet, err)
	}
	if !titles {
		return nil
	}
	err = f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: quoteSheet(sheet) + "!$1:$1", Scope: sheet})
	if err != nil {
		return fmt.Errorf("cannot repeat the header row of sheet %s: %w", sheet, err)
	}
	return nil
}

// quoteSheet quotes a sheet name for a reference: 'Name'!A1.
func quoteSheet(name string) string {
	return "'" + strings.ReplaceAll(name, "'", "''") + "'"
}

// footerText is the footer of every printed page: the site on the left,
// the window in the middle, the sheet and the page on the right.
func footerText(run Run) string {
	const layout = "2006-01-02 15:04"
	window := ""
	if !run.Since.IsZero() && !run.Until.IsZero() {
		window = run.Since.In(run.Location).Format(layout) + " to " + run.Until.In(run.Location).Format(layout)
	}
	site := "smsfail"
	if run.Site != "" {
		site += " " + run.Site
	}
	// The footer holds at most 255 characters; a site's name is shortened
	// to leave room for the rest.
	site = truncateUTF16(cellText(site), 120)
	return "&L" + footerEscape(site) + "&C" + footerEscape(window) + "&R&A, page &P of &N"
}

// footerEscape keeps text literal in a footer, where & starts a code.
func footerEscape(s string) string {
	return strings.ReplaceAll(s, "&", "&&")
}
