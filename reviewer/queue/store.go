package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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

// schema creates the queue's own tables beside River's. Times are unix milliseconds, so
// that one statement compares them the same way on both databases. CREATE ... IF NOT
// EXISTS makes it safe to run at every Open; a change to these tables needs a migration
// of its own.
func schema(d dialect) []string {
	blob := "BLOB"
	if d == dialectPostgres {
		blob = "BYTEA"
	}
	return []string{
		// A delivery id seen before from the same forge is a redelivery; job_id is the job
		// it became (0: none). Each forge names its deliveries itself, so an id is only
		// unique within its forge: one forge's delivery must never pass for the other's.
		`CREATE TABLE IF NOT EXISTS reviewer_forge_deliveries (
			forge TEXT NOT NULL,
			delivery_id TEXT NOT NULL,
			job_id BIGINT NOT NULL DEFAULT 0,
			received_ms BIGINT NOT NULL,
			PRIMARY KEY (forge, delivery_id)
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_forge_deliveries_received_ms ON reviewer_forge_deliveries (received_ms)`,
		// One row per change: the head and job enqueued last, and the generation, which
		// changes with the head (see reviewArgs). Enqueue locks the row, so enqueues for
		// one change take turns on every replica.
		`CREATE TABLE IF NOT EXISTS reviewer_changes (
			change_key TEXT PRIMARY KEY,
			head_sha TEXT NOT NULL,
			job_id BIGINT NOT NULL,
			generation BIGINT NOT NULL,
			updated_ms BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_changes_updated_ms ON reviewer_changes (updated_ms)`,
		`CREATE TABLE IF NOT EXISTS reviewer_cache (
			cache_key TEXT PRIMARY KEY,
			value ` + blob + ` NOT NULL,
			created_ms BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_cache_created_ms ON reviewer_cache (created_ms)`,
		// Tokens the reviews used, per budget key (a repository, an author) and UTC day
		// (days since the Unix epoch): what Budget checks before a review starts.
		`CREATE TABLE IF NOT EXISTS reviewer_usage (
			usage_key TEXT NOT NULL,
			day BIGINT NOT NULL,
			tokens BIGINT NOT NULL,
			PRIMARY KEY (usage_key, day)
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_usage_day ON reviewer_usage (day)`,
	}
}

// legacyDeliveries is the delivery table of versions before deliveries were keyed per
// forge: one id space for both forges.
const legacyDeliveries = "reviewer_deliveries"

// migrateDeliveries moves the rows of the legacy delivery table into the per-forge one
// and drops it. Which forge sent an old row was not recorded, so it is kept for both:
// a redelivery of a delivery the old version acknowledged is still recognised for as
// long as it would have been (deliveryRetention), and the rows expire with it. Each
// step can run again, so a start that dies half-way is finished by the next.
func migrateDeliveries(ctx context.Context, x execer, d dialect) error {
	exists := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if d == dialectPostgres {
		exists = `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1`
	}
	var n int
	if err := x.queryRow(ctx, exists, legacyDeliveries).Scan(&n); err != nil {
		return fmt.Errorf("migrate deliveries: %w", err)
	}
	if n == 0 {
		return nil
	}
	// "WHERE true": without it SQLite would take the ON of ON CONFLICT for the join's.
	for _, stmt := range []string{
		`INSERT INTO reviewer_forge_deliveries (forge, delivery_id, job_id, received_ms)
			SELECT f.forge, d.delivery_id, d.job_id, d.received_ms
			FROM ` + legacyDeliveries + ` d CROSS JOIN (SELECT 'github' AS forge UNION ALL SELECT 'gitlab') f
			WHERE true
			ON CONFLICT (forge, delivery_id) DO NOTHING`,
		`DROP TABLE ` + legacyDeliveries,
	} {
		if _, err := x.exec(ctx, stmt); err != nil {
			return fmt.Errorf("migrate deliveries: %w", err)
		}
	}
	return nil
}
