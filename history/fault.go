package history

import (
	"errors"
	"fmt"
	"path/filepath"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// advise adds to an error of SQLite on the state database what the admin
// can do about it: SQLite's own words ("attempt to write a readonly
// database (1544)", "disk I/O error (4874)") name neither the folder nor
// the cause.
func (h *DB) advise(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	dir := filepath.Dir(h.path)
	switch code := se.Code(); {
	case code&0xff == sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%w: the state folder %s (or a file in it) cannot be written by the account smsfail runs as; "+
			"let that account write the folder and the files %s, %s-wal and %s-shm in it, or set state.dir to a folder it can write",
			err, dir, FileName, FileName, FileName)
	case code == sqlite3.SQLITE_FULL || code == sqlite3.SQLITE_IOERR_SHMSIZE || code == sqlite3.SQLITE_IOERR_WRITE ||
		code == sqlite3.SQLITE_IOERR_FSYNC || code == sqlite3.SQLITE_IOERR_TRUNCATE:
		return fmt.Errorf("%w: the disk holding the state folder %s is full or failing (history.db and its -wal and -shm "+
			"files cannot grow); free space on it, or set state.dir to a folder on another disk", err, dir)
	case code == sqlite3.SQLITE_CANTOPEN:
		return fmt.Errorf("%w: %s cannot be opened or created; check that the state folder %s exists and the account smsfail runs as may write it",
			err, h.path, dir)
	}
	return err
}
