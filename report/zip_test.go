package report

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// TestParallelZipRoundTrips writes entries of several chunks, of exactly
// one, and empty, and reads them back with the standard library, which
// checks sizes and checksums.
func TestParallelZipRoundTrips(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var text bytes.Buffer
	for text.Len() < 3*zipChunk+12345 {
		fmt.Fprintf(&text, "<row r=\"%d\"><c t=\"inlineStr\"><is><t>%x</t></is></c></row>", text.Len(), rng.Uint64()%1000)
	}
	entries := map[string][]byte{
		"xl/worksheets/sheet2.xml": text.Bytes(),
		"one-chunk.xml":            text.Bytes()[:zipChunk],
		"empty.xml":                nil,
		"small.xml":                []byte("<x/>"),
	}
	var out bytes.Buffer
	z := newParallelZip(&out)
	for _, name := range []string{"xl/worksheets/sheet2.xml", "one-chunk.xml", "empty.xml", "small.xml"} {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		data := entries[name]
		for len(data) > 0 { // in uneven pieces, as io.Copy and excelize write
			n := min(len(data), 1+rng.IntN(70_000))
			if _, err := w.Write(data[:n]); err != nil {
				t.Fatal(err)
			}
			data = data[n:]
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc) // fails on a bad checksum
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		if !bytes.Equal(got, entries[zf.Name]) {
			t.Errorf("%s: read back %d bytes, wrote %d", zf.Name, len(got), len(entries[zf.Name]))
		}
		delete(entries, zf.Name)
	}
	if len(entries) > 0 {
		t.Errorf("entries missing: %d", len(entries))
	}
	if out.Len() > text.Len()/2 {
		t.Errorf("the zip is %d bytes for %d of repetitive text: not compressed", out.Len(), text.Len())
	}
}
