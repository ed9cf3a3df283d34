// Package query reads advertisement failures out of an SMS / ConfigMgr
// site database: through the status messages (every version) or the
// per-client advertisement status (ConfigMgr 2007 and later), on SQL
// Server or on the embedded demo site, with the same query text. It
// streams one record per machine and advertisement.
package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	mssql "github.com/microsoft/go-mssqldb"
	_ "github.com/microsoft/go-mssqldb/integratedauth/krb5" // Kerberos with a keytab or credential cache
	_ "modernc.org/sqlite"                                  // the embedded demo site
)

// DB is an open site database.
type DB struct {
	x   *sqlx.DB
	cfg Config
	log *slog.Logger
}

// Open checks the configuration, connects and proves the connection with
// a round trip, retrying transient failures.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	dsn, err := cfg.DSN()
	if err != nil {
		return nil, err
	}
	if cfg.Driver == DriverSQLite {
		if _, err := os.Stat(cfg.Path); err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", cfg.Target(), err)
		}
	}
	// sqlx knows sqlserver's @p1 binding; tell it sqlite uses ?, so that
	// Rebind is explicit rather than a default.
	sqlx.BindDriver(string(DriverSQLite), sqlx.QUESTION)
	x, err := sqlx.Open(string(cfg.Driver), dsn)
	if err != nil {
		return nil, redact(fmt.Errorf("cannot open %s: %w", cfg.Target(), err), cfg.Password)
	}
	if cfg.Driver == DriverSQLite {
		x.SetMaxOpenConns(4)
	}
	db := &DB{x: x, cfg: cfg, log: cfg.Logger}
	if db.log == nil {
		db.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	err = db.retry(ctx, "connecting", func(ctx context.Context) (bool, error) {
		ctx, cancel := withTimeout(ctx, cfg.ConnectTimeout)
		defer cancel()
		return false, ping(ctx, x)
	})
	if err != nil {
		x.Close()
		return nil, err
	}
	return db, nil
}

// ping proves the connection. go-mssqldb does not watch the context
// while it waits for the server's first answer, so the wait is abandoned
// here when the context ends: a signal or the connect timeout ends Open at
// once, and the driver's own connection timeout ends the attempt later.
func ping(ctx context.Context, x *sqlx.DB) error {
	done := make(chan error, 1)
	go func() { done <- x.PingContext(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close closes the connections.
func (db *DB) Close() error { return db.x.Close() }

// Target names the database for messages, without credentials.
func (db *DB) Target() string { return db.cfg.Target() }

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// retry runs one attempt after another while the error is transient, is
// not the caller's own, and the attempt delivered nothing yet (a streamed
// record cannot be taken back), waiting longer each time. The final error names the database and
// what was being done, never the password.
func (db *DB) retry(ctx context.Context, what string, attempt func(context.Context) (delivered bool, err error)) error {
	wait := db.cfg.RetryWait
	if wait <= 0 {
		wait = time.Second
	}
	for try := 0; ; try++ {
		delivered, err := attempt(ctx)
		if err == nil {
			return nil
		}
		var caller *callbackError
		if ctx.Err() != nil || delivered || errors.As(err, &caller) || try >= db.cfg.Retries || !Transient(err) {
			if try > 0 {
				what = fmt.Sprintf("%s (after %d tries)", what, try+1)
			}
			return redact(fmt.Errorf("cannot finish %s on %s: %w", what, db.Target(), err), db.cfg.Password)
		}
		db.log.Warn("site database: transient error, trying again", "doing", what, "target", db.Target(),
			"wait", wait, "err", redact(err, db.cfg.Password))
		select {
		case <-ctx.Done():
			return redact(fmt.Errorf("cannot finish %s on %s: %w (gave up waiting: %w)", what, db.Target(), err, ctx.Err()), db.cfg.Password)
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// Transient reports whether an error may go away by itself: a dropped or
// reset connection, a timeout, a deadlock victim, a busy database, the
// throttling answers of Azure SQL.
func Transient(err error) bool {
	var num interface{ SQLErrorNumber() int32 }
	if errors.As(err, &num) {
		switch num.SQLErrorNumber() {
		case 1205, 1222, 40197, 40501, 40613, 49918, 49919, 49920, 10928, 10929:
			return true
		}
		return false
	}
	var netErr interface{ Timeout() bool }
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"connection reset", "broken pipe", "bad connection", "database is locked", "sqlite_busy", "i/o timeout"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// timeArg passes a time the way each driver compares it with the views'
// datetime columns: SQL Server as datetime (not datetimeoffset, which
// would convert the column and lose the index seek); SQLite as UTC, which
// the driver writes in the same text form the demo site stores.
func (db *DB) timeArg(t time.Time) any {
	t = t.UTC()
	if db.cfg.Driver == DriverSQLServer {
		return mssql.DateTime1(t)
	}
	return t
}

// redact removes a password from an error's text, in plain and URL
// encoded form, wherever a driver may have echoed it.
func redact(err error, password string) error {
	if err == nil || password == "" {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, p := range []string{password, url.PathEscape(password), url.QueryEscape(password), url.UserPassword("u", password).String()[2:]} {
		clean = strings.ReplaceAll(clean, p, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return &redacted{msg: clean, err: err}
}

type redacted struct {
	msg string
	err error
}

func (r *redacted) Error() string { return r.msg }

// Unwrap keeps errors.Is and errors.As working; the text of the wrapped
// error is never printed through this one.
func (r *redacted) Unwrap() error { return r.err }
