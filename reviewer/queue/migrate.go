package queue

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// A migration changes the queue's own tables (River's have their own, applied by
// rivermigrate). Migrations are applied in order of version, each in a transaction that
// also records it in reviewer_migration, so that a start that dies half-way leaves
// either the whole migration or none of it. A database records the versions it has;
// one that has a version this binary does not know was migrated by a newer release,
// and is refused.
//
// To change the tables, append a migration with the next version; never edit one that
// has shipped.
type migration struct {
	version int
	name    string
	up      func(ctx context.Context, x execer, d dialect) error
}

// migrations are the queue's own, in order. Version 1 creates the tables with CREATE
// ... IF NOT EXISTS, so that a database made before migrations were recorded (which has
// them, with their rows) is adopted as it is.
var migrations = []migration{
	{1, "queue tables", createTables},
	{2, "deliveries per forge from reviewer_deliveries", migrateDeliveries},
	{3, "replica heartbeats", createReplicas},
	{historyVersion, "review history", createHistory},
	{5, "dismissals", createDismissals},
	{6, "dismissal paths", addDismissalPath},
}

// createReplicas makes the heartbeat table of the replicas (reclaim.go).
func createReplicas(ctx context.Context, x execer, _ dialect) error {
	if _, err := x.exec(ctx, replicasTable); err != nil {
		return fmt.Errorf("create replicas table: %w", err)
	}
	return nil
}

// versionTable records the applied migrations of the queue's own tables.
const versionTable = "reviewer_migration"

// Step is one migration: River's or the queue's own.
type Step struct {
	// Component is "river" (River's tables) or "reviewer" (the queue's own).
	Component string
	Version   int
	Name      string
}

func (s Step) String() string { return fmt.Sprintf("%s %d (%s)", s.Component, s.Version, s.Name) }

// riverMigrator is the part of rivermigrate's Migrator (generic over the transaction
// type) that migrating uses.
type riverMigrator interface {
	AllVersions() []rivermigrate.Migration
	ExistingVersions(ctx context.Context) ([]rivermigrate.Migration, error)
	Migrate(ctx context.Context, direction rivermigrate.Direction, opts *rivermigrate.MigrateOpts) (*rivermigrate.MigrateResult, error)
}

// schemaDB is a database whose schema is checked or migrated.
type schemaDB struct {
	d     dialect
	x     execer
	inTx  func(ctx context.Context, fn func(x execer) error) error
	river riverMigrator
	log   *slog.Logger
}

// errNewer marks a database migrated by a newer release than this one.
var errNewer = errors.New("the queue database was migrated by a newer release of reviewer")

// pending lists the migrations the database lacks, River's first. A database with a
// migration this binary does not know is refused.
func (s schemaDB) pending(ctx context.Context) ([]Step, error) {
	var steps []Step
	existing, err := s.river.ExistingVersions(ctx)
	if err != nil {
		return nil, fmt.Errorf("river's migrations: %w", err)
	}
	all := s.river.AllVersions()
	have := map[int]bool{}
	for _, m := range existing {
		have[m.Version] = true
		if m.Version > all[len(all)-1].Version {
			return nil, fmt.Errorf("%w: River's tables are at version %d, this release knows up to %d; run the newer release",
				errNewer, m.Version, all[len(all)-1].Version)
		}
	}
	for _, m := range all {
		if !have[m.Version] {
			steps = append(steps, Step{Component: "river", Version: m.Version, Name: m.Name})
		}
	}
	applied, err := s.applied(ctx, s.x)
	if err != nil {
		return nil, err
	}
	latest := migrations[len(migrations)-1].version
	if len(applied) > 0 && slices.Max(applied) > latest {
		return nil, fmt.Errorf("%w: its own tables are at version %d, this release knows up to %d; run the newer release",
			errNewer, slices.Max(applied), latest)
	}
	for _, m := range migrations {
		if !slices.Contains(applied, m.version) {
			steps = append(steps, Step{Component: "reviewer", Version: m.version, Name: m.name})
		}
	}
	return steps, nil
}

// applied lists the versions of the queue's own migrations the database has.
func (s schemaDB) applied(ctx context.Context, x execer) ([]int, error) {
	if ok, err := tableExists(ctx, x, s.d, versionTable); err != nil || !ok {
		return nil, err
	}
	rows, err := x.query(ctx, `SELECT version FROM `+versionTable)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", versionTable, err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("read %s: %w", versionTable, err)
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// apply applies the pending migrations and returns them. rivermigrate runs each of
// River's in a transaction of its own: River's PostgreSQL migrations cannot share one
// (one adds an enum value the next uses).
func (s schemaDB) apply(ctx context.Context, pending []Step) ([]Step, error) {
	var done []Step
	if slices.ContainsFunc(pending, func(st Step) bool { return st.Component == "river" }) {
		res, err := s.river.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return nil, fmt.Errorf("river's migrations: %w", err)
		}
		for _, v := range res.Versions {
			done = append(done, Step{Component: "river", Version: v.Version, Name: v.Name})
		}
	}
	if _, err := s.x.exec(ctx, `CREATE TABLE IF NOT EXISTS `+versionTable+` (
		version BIGINT PRIMARY KEY,
		name TEXT NOT NULL,
		applied_ms BIGINT NOT NULL
	)`); err != nil {
		return done, fmt.Errorf("create %s: %w", versionTable, err)
	}
	for _, m := range migrations {
		ran := false
		err := s.inTx(ctx, func(x execer) error {
			// Read again in the transaction: another process may have applied it since.
			applied, err := s.applied(ctx, x)
			if err != nil || slices.Contains(applied, m.version) {
				return err
			}
			if err := m.up(ctx, x, s.d); err != nil {
				return err
			}
			ran = true
			_, err = x.exec(ctx, `INSERT INTO `+versionTable+` (version, name, applied_ms) VALUES ($1, $2, $3)`,
				m.version, m.name, time.Now().UnixMilli())
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		if ran {
			done = append(done, Step{Component: "reviewer", Version: m.version, Name: m.name})
		}
	}
	return done, nil
}

// ensure brings the schema up to date at start, or with check only reports that it is
// not: a database that needs migrations is refused.
func (s schemaDB) ensure(ctx context.Context, check bool) error {
	pending, err := s.pending(ctx)
	if err != nil || len(pending) == 0 {
		return err
	}
	if check {
		return fmt.Errorf("the queue database needs %d migration(s): %s; run `reviewer migrate` with the same queue.url "+
			"(or set queue.migrate: auto to apply them at start)", len(pending), stepList(pending))
	}
	done, err := s.apply(ctx, pending)
	if len(done) > 0 {
		s.log.InfoContext(ctx, "queue database migrated", slog.String("applied", stepList(done)))
	}
	return err
}

func stepList(steps []Step) string {
	names := make([]string, len(steps))
	for i, st := range steps {
		names[i] = st.String()
	}
	return strings.Join(names, ", ")
}

// tableExists reports whether the current schema has the table.
func tableExists(ctx context.Context, x execer, d dialect, table string) (bool, error) {
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if d == dialectPostgres {
		q = `SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = $1`
	}
	var n int
	if err := x.queryRow(ctx, q, table).Scan(&n); err != nil {
		return false, fmt.Errorf("look for table %s: %w", table, err)
	}
	return n > 0, nil
}

// createTables is migration 1: the queue's own tables beside River's. Times are unix
// milliseconds, so that one statement compares them the same way on both databases.
func createTables(ctx context.Context, x execer, d dialect) error {
	blob := "BLOB"
	if d == dialectPostgres {
		blob = "BYTEA"
	}
	for _, stmt := range []string{
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
	} {
		if _, err := x.exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// legacyDeliveries is the delivery table of versions before deliveries were keyed per
// forge: one id space for both forges.
const legacyDeliveries = "reviewer_deliveries"

// migrateDeliveries is migration 2: it moves the rows of the legacy delivery table into
// the per-forge one and drops it. Which forge sent an old row was not recorded, so it is
// kept for both: a redelivery of a delivery the old version acknowledged is still
// recognised for as long as it would have been (deliveryRetention), and the rows expire
// with it.
func migrateDeliveries(ctx context.Context, x execer, d dialect) error {
	if ok, err := tableExists(ctx, x, d, legacyDeliveries); err != nil || !ok {
		return err
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
			return err
		}
	}
	return nil
}

// allSteps is every migration, River's and ours: what a new database needs.
func allSteps[TTx any](driver riverdriver.Driver[TTx], log *slog.Logger) ([]Step, error) {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var steps []Step
	for _, v := range m.AllVersions() {
		steps = append(steps, Step{Component: "river", Version: v.Version, Name: v.Name})
	}
	for _, v := range migrations {
		steps = append(steps, Step{Component: "reviewer", Version: v.version, Name: v.name})
	}
	return steps, nil
}

// MigrateOptions tunes Migrate.
type MigrateOptions struct {
	// DryRun lists the pending migrations without applying them.
	DryRun bool
	// Logger receives River's migrator's logs. Nil discards them.
	Logger *slog.Logger
}

// Migrate applies the migrations the queue database at url lacks, River's and then the
// queue's own, and returns them; with DryRun it returns them without applying them. On
// PostgreSQL it holds the same advisory lock as Open, so that it can run while replicas
// start. A database migrated by a newer release is refused.
func Migrate(ctx context.Context, url string, opts MigrateOptions) ([]Step, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	run := func(s schemaDB) ([]Step, error) {
		pending, err := s.pending(ctx)
		if err != nil || opts.DryRun || len(pending) == 0 {
			return pending, err
		}
		return s.apply(ctx, pending)
	}
	var steps []Step
	switch t.dialect {
	case dialectSQLite:
		if _, err := os.Stat(t.path); opts.DryRun && errors.Is(err, fs.ErrNotExist) {
			// Opening would create the file: a dry run lists everything instead.
			return allSteps(riversqlite.New(nil), opts.Logger)
		}
		db, err := openSQLiteDB(ctx, t)
		if err != nil {
			return nil, err
		}
		defer func() { _ = db.Close() }() // every migration was committed or reported
		s, err := sqliteSchema(db, riversqlite.New(db), opts.Logger)
		if err != nil {
			return nil, err
		}
		steps, err = run(s)
		if err != nil {
			return steps, t.redact("migrate queue", err)
		}
	case dialectPostgres:
		pool, err := openPool(ctx, t, 1)
		if err != nil {
			return nil, err
		}
		defer pool.Close()
		s, err := postgresSchema(pool, riverpgxv5.New(pool), opts.Logger)
		if err != nil {
			return nil, err
		}
		err = withMigrateLock(ctx, pool.Config().ConnConfig, func() (err error) {
			steps, err = run(s)
			return err
		})
		if err != nil {
			return steps, t.redact("migrate queue", err)
		}
	}
	return steps, nil
}
