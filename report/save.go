package report

import (
	"archive/zip"
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// writeAtomic builds a workbook and puts it at path only once it is
// complete: built, zipped into a temporary file beside path, flushed to
// disk, then renamed over path. On any error, or when ctx is cancelled, the
// temporary files are removed and path is left as it was.
func writeAtomic(ctx context.Context, path string, build func(*book) error) (err error) {
	// The stream writer spills sheets past 16 MB of XML to files in the
	// system's temporary folder (TMPDIR), removed by Close.
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("cannot remove the workbook's temporary files: %w", cerr)
		}
	}()
	if err := build(&book{f: f}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	zipped, err := tempBeside(path)
	if err != nil {
		return err
	}
	defer removeTemp(zipped)
	if err := saveZip(ctx, f, zipped); err != nil {
		return err
	}
	final, err := tempBeside(path)
	if err != nil {
		return err
	}
	defer removeTemp(final)
	if err := canonicalZip(ctx, zipped, final); err != nil {
		return err
	}
	if err := final.Sync(); err != nil {
		return fmt.Errorf("cannot flush %s: %w", final.Name(), err)
	}
	if err := final.Close(); err != nil {
		return fmt.Errorf("cannot close %s: %w", final.Name(), err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// Checked again at the last moment: the path may have changed hands
	// while the workbook was built.
	if err := CheckReplaceable(path); err != nil {
		return err
	}
	if err := os.Rename(final.Name(), path); err != nil {
		hint := ""
		if _, serr := os.Stat(path); serr == nil {
			hint = " (is it open in Excel?)"
		}
		return fmt.Errorf("cannot put the workbook in place%s: %w", hint, err)
	}
	return nil
}

// tempBeside creates a hidden temporary file next to path, readable as
// the workbook will be.
func tempBeside(path string) (*os.File, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary file beside %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		removeTemp(tmp)
		return nil, fmt.Errorf("cannot set the mode of %s: %w", tmp.Name(), err)
	}
	return tmp, nil
}

// removeTemp removes a temporary file unless it has been renamed away.
func removeTemp(f *os.File) {
	_ = f.Close()
	_ = os.Remove(f.Name())
}

// saveZip zips the workbook straight into out. excelize would otherwise
// build the whole file in memory first (File.WriteTo); its ZipWriter hook
// lets the zip go to the file instead, compressed on every core.
func saveZip(ctx context.Context, f *excelize.File, out *os.File) error {
	buf := bufio.NewWriterSize(out, 1<<20)
	zw := newParallelZip(&ctxWriter{ctx: ctx, w: buf})
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	err := f.Write(io.Discard)
	if err == nil {
		err = buf.Flush()
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return fmt.Errorf("cannot zip the workbook: %w", err)
	}
	return nil
}

// canonicalZip copies the zip entries of src into dst in a fixed order,
// without recompressing them: excelize writes streamed sheets in map order,
// and the same input must give the same bytes.
func canonicalZip(ctx context.Context, src, dst *os.File) error {
	info, err := src.Stat()
	if err != nil {
		return fmt.Errorf("cannot read back %s: %w", src.Name(), err)
	}
	zr, err := zip.NewReader(src, info.Size())
	if err != nil {
		return fmt.Errorf("cannot read back %s: %w", src.Name(), err)
	}
	files := slices.Clone(zr.File)
	slices.SortFunc(files, func(a, b *zip.File) int { return strings.Compare(entryKey(a.Name), entryKey(b.Name)) })
	buf := bufio.NewWriterSize(dst, 1<<20)
	zw := zip.NewWriter(&ctxWriter{ctx: ctx, w: buf})
	for _, zf := range files {
		if zf.Name == contentTypesPart {
			if err := copySortedContentTypes(zw, zf); err != nil {
				return err
			}
			continue
		}
		w, err := zw.CreateRaw(&zf.FileHeader)
		if err != nil {
			return err
		}
		r, err := zf.OpenRaw()
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, r); err != nil {
			return fmt.Errorf("cannot copy %s into %s: %w", zf.Name, dst.Name(), err)
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return buf.Flush()
}

const contentTypesPart = "[Content_Types].xml"

// contentTypeDefault matches one default content type of the package.
var contentTypeDefault = regexp.MustCompile(`<Default [^>]*?(/>|></Default>)`)

// copySortedContentTypes copies the package's content types with their
// defaults sorted: excelize lists the image types it registers with a
// chart in map order.
func copySortedContentTypes(zw *zip.Writer, zf *zip.File) error {
	r, err := zf.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("cannot read %s back: %w", zf.Name, err)
	}
	defaults := contentTypeDefault.FindAllString(string(b), -1)
	slices.Sort(defaults)
	i := 0
	sorted := contentTypeDefault.ReplaceAllStringFunc(string(b), func(string) string {
		i++
		return defaults[i-1]
	})
	w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, sorted)
	return err
}

// entryKey puts the content types first, as Office writes them, then
// every other part by name.
func entryKey(name string) string {
	if name == contentTypesPart {
		return ""
	}
	return name
}

// ctxWriter fails writes once ctx is done, so a cancelled run stops
// while the workbook is being zipped.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}
