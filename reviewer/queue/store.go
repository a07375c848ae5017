package queue

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// execer runs the queue's own SQL on either database, in or out of a transaction. The
// statements are written once with $1-style parameters: PostgreSQL's own, and SQLite
// (modernc) binds $N to the N-th argument too.
type execer interface {
	exec(ctx context.Context, q string, args ...any) (int64, error)
	queryRow(ctx context.Context, q string, args ...any) scanner
	query(ctx context.Context, q string, args ...any) (rowsScanner, error)
}

type scanner interface{ Scan(dest ...any) error }

type rowsScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// errNoRows is what a scanner of either database returns for an empty result.
var errNoRows = errors.New("no rows")

// sqlExec is an execer over database/sql, for SQLite.
type sqlExec struct {
	db interface {
		ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
		QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
		QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	}
}

func (x sqlExec) exec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := x.db.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (x sqlExec) queryRow(ctx context.Context, q string, args ...any) scanner {
	return sqlRow{x.db.QueryRowContext(ctx, q, args...)}
}

func (x sqlExec) query(ctx context.Context, q string, args ...any) (rowsScanner, error) {
	rows, err := x.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

type sqlRow struct{ r *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); errors.Is(err, sql.ErrNoRows) {
		return errNoRows
	} else if err != nil {
		return err
	}
	return nil
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() } // read-only: Err reports what matters

// pgxExec is an execer over pgx, for PostgreSQL.
type pgxExec struct {
	db interface {
		Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error)
		QueryRow(ctx context.Context, q string, args ...any) pgx.Row
		Query(ctx context.Context, q string, args ...any) (pgx.Rows, error)
	}
}

func (x pgxExec) exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := x.db.Exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (x pgxExec) queryRow(ctx context.Context, q string, args ...any) scanner {
	return pgxRow{x.db.QueryRow(ctx, q, args...)}
}

func (x pgxExec) query(ctx context.Context, q string, args ...any) (rowsScanner, error) {
	rows, err := x.db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return rows, nil
}

type pgxRow struct{ r pgx.Row }

func (r pgxRow) Scan(dest ...any) error {
	if err := r.r.Scan(dest...); errors.Is(err, pgx.ErrNoRows) {
		return errNoRows
	} else if err != nil {
		return err
	}
	return nil
}
