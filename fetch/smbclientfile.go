package fetch

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// smbclientFile is a file smbclient streams from its start. Seeking ahead
// skips bytes of the stream: smbclient reads no file from an offset (its
// reget reads past the end and, against Samba 4.17 serving SMB 1, crashes
// the server's process at the close), so a log read from its end costs its
// whole size in transfer.
type smbclientFile struct {
	run  *smbclientRun
	info fs.FileInfo

	read int64 // bytes taken from the stream
	pos  int64 // where the next Read starts
	err  error // the stream's end: io.EOF or why it failed
}

func (f *smbclientFile) Stat() (fs.FileInfo, error) { return f.info, nil }

func (f *smbclientFile) Read(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	if f.pos > f.read {
		n, err := io.CopyN(io.Discard, f.run.stdout, f.pos-f.read)
		f.read += n
		if err != nil {
			return 0, f.end(err)
		}
	}
	n, err := f.run.stdout.Read(p)
	f.read += int64(n)
	f.pos = f.read
	if err != nil {
		return n, f.end(err)
	}
	return n, nil
}

// end settles the stream once standard output ended: io.EOF when
// smbclient says it got the whole file, else its error.
func (f *smbclientFile) end(err error) error {
	werr := f.run.wait(true)
	switch {
	case werr != nil:
		f.err = fmt.Errorf("cannot read %s: %w", f.info.Name(), werr)
	case err == io.EOF:
		f.err = io.EOF
	default:
		f.err = err
	}
	return f.err
}

func (f *smbclientFile) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = f.pos + offset
	case io.SeekEnd:
		abs = f.info.Size() + offset
	default:
		return 0, errors.New("invalid whence")
	}
	if abs < f.read {
		return 0, fmt.Errorf("cannot seek back to %d in %s: smbclient streams a file from its start", abs, f.info.Name())
	}
	f.pos = abs
	return abs, nil
}

// Close stops smbclient if it is still sending.
func (f *smbclientFile) Close() error {
	f.run.kill()
	return nil
}
