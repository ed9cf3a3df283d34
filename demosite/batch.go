package demosite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batchRows is how many rows one multi-row INSERT carries. SQLite allows
// 32766 parameters per statement; ten columns by 200 rows stays well below.
const batchRows = 200

// inserter loads rows into one table with prepared multi-row INSERTs: one
// statement for a full batch, one for a single row to finish with.
type inserter struct {
	table string
	cols  int
	full  *sql.Stmt
	one   *sql.Stmt
	args  []any
}

func newInserter(ctx context.Context, tx *sql.Tx, table string, cols int) (*inserter, error) {
	full, err := tx.PrepareContext(ctx, insertText(table, cols, batchRows))
	if err != nil {
		return nil, fmt.Errorf("cannot prepare the insert into %s: %w", table, err)
	}
	one, err := tx.PrepareContext(ctx, insertText(table, cols, 1))
	if err != nil {
		full.Close()
		return nil, fmt.Errorf("cannot prepare the insert into %s: %w", table, err)
	}
	return &inserter{table: table, cols: cols, full: full, one: one, args: make([]any, 0, cols*batchRows)}, nil
}

func insertText(table string, cols, rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
	return "INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(row+",", rows), ",")
}

func (in *inserter) add(ctx context.Context, vals ...any) error {
	if len(vals) != in.cols {
		return fmt.Errorf("cannot insert into %s: %d values for %d columns", in.table, len(vals), in.cols)
	}
	in.args = append(in.args, vals...)
	if len(in.args) < in.cols*batchRows {
		return nil
	}
	if _, err := in.full.ExecContext(ctx, in.args...); err != nil {
		return fmt.Errorf("cannot insert into %s: %w", in.table, err)
	}
	in.args = in.args[:0]
	return nil
}

// close writes what is left and releases the statements.
func (in *inserter) close(ctx context.Context) error {
	defer in.full.Close()
	defer in.one.Close()
	for len(in.args) > 0 {
		if _, err := in.one.ExecContext(ctx, in.args[:in.cols]...); err != nil {
			return fmt.Errorf("cannot insert into %s: %w", in.table, err)
		}
		in.args = in.args[in.cols:]
	}
	return nil
}
