package fetch

import (
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// smbclient's ls prints one line per entry (source3/client/client.c,
// display_finfo):
//
//	"  %-30s%7.7s %8.0f  %s" name, attributes, size, asctime(mtime)
//
// as in "  svcpack.log                         A       15  Thu Feb 15 20:47:56 2007".
// A name may hold spaces and is not padded past 30 bytes, so the line is
// read from its right end, where every field has a known width.
const (
	listingTimeLayout = "Mon Jan _2 15:04:05 2006" // asctime, in smbclient's TZ (UTC: see smbclientEnv)
	listingAttrWidth  = 7
	listingSizeWidth  = 8
)

// listingAttrs are the letters smbclient uses for file attributes
// (libcli/smb/util.c, attrib_string); 'D' is a directory, always within
// the 7 printed since only 'V' (a volume label) comes before it.
const listingAttrs = "VDAHSNRdtsrcone"

// parseListing reads one line of smbclient's ls output; ok is false for
// any other line (errors, the free-space summary, debug output).
func parseListing(line string) (fi fileInfo, ok bool) {
	line = strings.TrimRight(line, "\r\n")
	rest, ok := strings.CutPrefix(line, "  ")
	if !ok || len(rest) < len(listingTimeLayout)+2 {
		return fileInfo{}, false
	}
	stamp := rest[len(rest)-len(listingTimeLayout):]
	mtime, err := time.Parse(listingTimeLayout, stamp)
	if err != nil {
		return fileInfo{}, false
	}
	rest, ok = strings.CutSuffix(rest[:len(rest)-len(stamp)], "  ")
	if !ok {
		return fileInfo{}, false
	}
	digits := len(rest) - len(strings.TrimRight(rest, "0123456789"))
	size, err := strconv.ParseInt(rest[len(rest)-digits:], 10, 64)
	if digits == 0 || err != nil {
		return fileInfo{}, false
	}
	rest = rest[:len(rest)-digits]
	// One space, then the size right-aligned in 8 columns.
	gap := 1 + max(0, listingSizeWidth-digits)
	if len(rest) < gap+listingAttrWidth || strings.TrimLeft(rest[len(rest)-gap:], " ") != "" {
		return fileInfo{}, false
	}
	rest = rest[:len(rest)-gap]
	attrs := rest[len(rest)-listingAttrWidth:]
	if !validAttrs(attrs) {
		return fileInfo{}, false
	}
	// Names shorter than 30 bytes are padded with spaces; Windows names
	// never end with one.
	name := strings.TrimRight(rest[:len(rest)-listingAttrWidth], " ")
	if name == "" {
		return fileInfo{}, false
	}
	return fileInfo{name: name, size: size, mtime: mtime, dir: strings.ContainsRune(attrs, 'D')}, true
}

// validAttrs reports whether a 7-byte attribute column is attribute
// letters right-aligned in spaces.
func validAttrs(a string) bool {
	letters := strings.TrimLeft(a, " ")
	for _, c := range letters {
		if !strings.ContainsRune(listingAttrs, c) {
			return false
		}
	}
	return true
}

// fileInfo is an entry of smbclient's listing.
type fileInfo struct {
	name  string
	size  int64
	mtime time.Time
	dir   bool
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) ModTime() time.Time { return f.mtime }
func (f fileInfo) IsDir() bool        { return f.dir }
func (f fileInfo) Sys() any           { return nil }

func (f fileInfo) Mode() fs.FileMode {
	if f.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
