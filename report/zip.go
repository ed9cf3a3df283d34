package report

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"runtime"
	"sync"

	"github.com/xuri/excelize/v2"
)

// zipChunk is how much of an entry one goroutine compresses at a time.
const zipChunk = 1 << 20

// parallelZip is the zip writer excelize saves the workbook through. A
// million-row sheet is over half a gigabyte of XML, and deflating it on one
// core takes seconds: each entry is cut into chunks compressed side by side
// and joined in order, as pigz does. Every chunk but the last ends with a
// sync flush, on a byte boundary, so the chunks make one valid deflate
// stream; back-references never cross chunks, which costs little
// compression at this chunk size.
type parallelZip struct {
	zw      *zip.Writer
	workers int
	flaters sync.Pool
	cur     *zipEntry
}

var _ excelize.ZipWriter = (*parallelZip)(nil)

func newParallelZip(w io.Writer) *parallelZip {
	return &parallelZip{
		zw:      zip.NewWriter(w),
		workers: max(1, runtime.GOMAXPROCS(0)),
		flaters: sync.Pool{New: func() any {
			fw, _ := flate.NewWriter(io.Discard, flate.BestSpeed) // a valid level never fails
			return fw
		}},
	}
}

// Create starts an entry; its size and checksum follow its data, in a
// data descriptor, as they are known only at its end.
func (z *parallelZip) Create(name string) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	fh := &zip.FileHeader{Name: name, Method: zip.Deflate, Flags: 0x8}
	w, err := z.zw.CreateRaw(fh)
	if err != nil {
		return nil, err
	}
	z.cur = z.newEntry(fh, w)
	return z.cur, nil
}

// AddFS is part of excelize's interface; excelize never calls it.
func (z *parallelZip) AddFS(fs.FS) error {
	return errors.New("adding a file system to the workbook is not supported")
}

func (z *parallelZip) Close() error {
	if err := z.finish(); err != nil {
		return err
	}
	return z.zw.Close()
}

func (z *parallelZip) finish() error {
	if z.cur == nil {
		return nil
	}
	e := z.cur
	z.cur = nil
	return e.close()
}

// zipEntry compresses one entry's chunks in parallel and writes them in
// order.
type zipEntry struct {
	z       *parallelZip
	fh      *zip.FileHeader
	buf     []byte
	crc     uint32
	size    uint64
	pending chan chan chunkResult // in order; its capacity bounds the chunks in flight
	written chan error            // the writer's outcome, once pending is closed
	csize   uint64
}

type chunkResult struct {
	data []byte
	err  error
}

func (z *parallelZip) newEntry(fh *zip.FileHeader, w io.Writer) *zipEntry {
	e := &zipEntry{z: z, fh: fh, pending: make(chan chan chunkResult, 2*z.workers), written: make(chan error, 1)}
	go e.writeInOrder(w)
	return e
}

func (e *zipEntry) writeInOrder(w io.Writer) {
	var err error
	for res := range e.pending {
		r := <-res
		if err == nil && r.err != nil {
			err = r.err
		}
		if err == nil {
			_, err = w.Write(r.data)
			e.csize += uint64(len(r.data))
		}
	}
	e.written <- err
}

func (e *zipEntry) Write(p []byte) (int, error) {
	e.crc = crc32.Update(e.crc, crc32.IEEETable, p)
	e.size += uint64(len(p))
	n := len(p)
	for len(p) > 0 {
		if e.buf == nil {
			e.buf = make([]byte, 0, zipChunk)
		}
		k := min(len(p), cap(e.buf)-len(e.buf))
		e.buf = append(e.buf, p[:k]...)
		p = p[k:]
		if len(e.buf) == cap(e.buf) {
			e.dispatch(false)
		}
	}
	return n, nil
}

// dispatch hands the buffered chunk to a goroutine of its own.
func (e *zipEntry) dispatch(last bool) {
	data := e.buf
	e.buf = nil
	res := make(chan chunkResult, 1)
	e.pending <- res // waits while too many chunks are in flight
	go func() {
		fw := e.z.flaters.Get().(*flate.Writer)
		defer e.z.flaters.Put(fw)
		var out bytes.Buffer
		out.Grow(len(data)/4 + 64)
		fw.Reset(&out)
		_, err := fw.Write(data)
		if err == nil && last {
			err = fw.Close()
		} else if err == nil {
			err = fw.Flush()
		}
		res <- chunkResult{out.Bytes(), err}
	}()
}

// close compresses what is left and fills in the header the data
// descriptor and the central directory are written from.
func (e *zipEntry) close() error {
	e.dispatch(true)
	close(e.pending)
	if err := <-e.written; err != nil {
		return err
	}
	fh := e.fh
	fh.CRC32, fh.CompressedSize64, fh.UncompressedSize64 = e.crc, e.csize, e.size
	if e.csize >= math.MaxUint32 || e.size >= math.MaxUint32 {
		fh.CompressedSize, fh.UncompressedSize = math.MaxUint32, math.MaxUint32
		fh.ReaderVersion = 45 // zip64
	} else {
		fh.CompressedSize, fh.UncompressedSize = uint32(e.csize), uint32(e.size)
	}
	return nil
}
