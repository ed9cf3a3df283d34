package report

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CheckReplaceable says whether a workbook may be written at path: the
// path is free, or holds a workbook smsfail wrote (its document
// properties name smsfail as the creator). A folder, a device, a link or
// any other file is refused, so that a mistyped --out never replaces the
// site database or /dev/full.
func CheckReplaceable(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot write the workbook to %s: %w", path, err)
	}
	switch m := fi.Mode(); {
	case m.IsDir():
		return fmt.Errorf("cannot write the workbook to %s: it is a folder; give a file's path, like %s",
			path, filepath.Join(path, "smsfail.xlsx"))
	case m&fs.ModeSymlink != 0:
		return fmt.Errorf("cannot write the workbook to %s: it is a symbolic link; give the path of a file", path)
	case !m.IsRegular():
		return fmt.Errorf("cannot write the workbook to %s: it is a device or special file, not a workbook", path)
	}
	ok, err := writtenBySmsfail(path)
	if err != nil {
		return fmt.Errorf("cannot write the workbook to %s: cannot tell whether smsfail wrote the file there: %w", path, err)
	}
	if !ok {
		return fmt.Errorf("cannot write the workbook to %s: the file there is not a workbook written by smsfail; "+
			"give another path, or move that file away first", path)
	}
	return nil
}

// writtenBySmsfail reads the creator out of a workbook's document
// properties (docProps/core.xml).
func writtenBySmsfail(path string) (bool, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return false, nil // not a zip: not a workbook at all
	}
	defer zr.Close()
	f, err := zr.Open("docProps/core.xml")
	if err != nil {
		return false, nil
	}
	defer f.Close()
	var core struct {
		Creator string `xml:"creator"`
	}
	if err := xml.NewDecoder(io.LimitReader(f, 1<<20)).Decode(&core); err != nil {
		return false, nil
	}
	// "smsfail" alone, or "smsfail <version>" since workbooks name their version.
	return core.Creator == creator || strings.HasPrefix(core.Creator, creator+" "), nil
}
