package main

import (
	"errors"
	"fmt"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteFix says what to do about SQLite's errors on the embedded site
// database that come from its folder or its disk, which SQLite's own words
// ("attempt to write a readonly database (1544)", "disk I/O error (4874)")
// name neither; "" for any other error.
func sqliteFix(path string, err error) string {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return ""
	}
	dir := filepath.Dir(path)
	switch code := se.Code(); {
	case code&0xff == sqlite3.SQLITE_READONLY:
		return fmt.Sprintf("%s is in WAL mode and SQLite, even to read it, writes %s-shm beside it: "+
			"let the account smsfail runs as write the folder %s, or turn WAL off once (sqlite3 %s 'PRAGMA journal_mode=DELETE')",
			path, filepath.Base(path), dir, path)
	case code == sqlite3.SQLITE_FULL || code == sqlite3.SQLITE_IOERR_SHMSIZE || code == sqlite3.SQLITE_IOERR_WRITE ||
		code == sqlite3.SQLITE_IOERR_TRUNCATE:
		return fmt.Sprintf("the disk holding %s is full or failing (SQLite cannot size %s-shm beside it): "+
			"free space on it, or move the database to another disk", dir, filepath.Base(path))
	}
	return ""
}
