package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, pure Go
)

// Options tunes a Queue. The zero value of each field means its default.
type Options struct {
	// Workers is how many jobs this replica runs at once (queue.workers). Default 4.
	Workers int
	// Debounce delays every new job, so that a burst of pushes to one change ends in one
	// review of the newest head: each push supersedes the job of the one before while
	// it still waits. Default 2s; negative means no delay.
	Debounce time.Duration
	// JobTimeout bounds one attempt; its context is cancelled then and the job retried.
	// Default 15m.
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before it is taken for abandoned
	// (its replica was killed or lost the database) and run again. It must exceed
	// JobTimeout, or live jobs would be run twice. Default JobTimeout + 5m. A killed
	// worker's job runs again within RescueAfter plus River's rescue interval (30 s),
	// plus, if the killed replica was River's leader, its leadership's expiry (about
	// 15 s). Sooner paths take a dead process's jobs back first (see reclaim.go):
	// on SQLite at the next start, on PostgreSQL after HeartbeatTimeout.
	RescueAfter time.Duration
	// HeartbeatTimeout is, on PostgreSQL, how long a replica may go without writing
	// its heartbeat (every few seconds) before the leader takes its running jobs for
	// abandoned and runs them again (queue.heartbeat_timeout). Default 60s.
	HeartbeatTimeout time.Duration
	// MaxAttempts bounds how often a failing job is tried. Default 6: with River's
	// backoff (attempt⁴ seconds, capped at 10 minutes) the last try is about 16 minutes
	// after the first.
	MaxAttempts int
	// CacheMaxAge is how long Cache keeps an entry. Default 7 days.
	CacheMaxAge time.Duration
	// HistoryMaxAge is how long the History keeps a review (history.max_age). Default
	// 90 days.
	HistoryMaxAge time.Duration
	// PollInterval is how often a worker looks for due jobs when nothing woke it: a
	// debounced job starts within this of its time. Default 1s; tests shorten it.
	PollInterval time.Duration
	// Logger receives the queue's and River's logs. Nil discards them.
	Logger *slog.Logger
	// Handler runs the jobs. A queue without one can only enqueue (Start fails).
	Handler Handler
	// CheckSchema makes Open refuse a database that needs migrations, River's or the
	// queue's own, instead of applying them (queue.migrate: check); Migrate applies
	// them. Either way, a database migrated by a newer release is refused.
	CheckSchema bool
	// Learn, when set, is run by a periodic job that only River's leader schedules, every
	// LearnEvery (default 24h): `reviewer learn` in the service (learn.enabled).
	Learn      func(ctx context.Context) error
	LearnEvery time.Duration

	// testOnly turns off River's startup jitter, which only slows tests down.
	testOnly bool
	// pruneBatch, when set, replaces pruneBatch, for tests.
	pruneBatch int
}

func (o Options) withDefaults() (Options, error) {
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.LearnEvery <= 0 {
		o.LearnEvery = 24 * time.Hour
	}
	if o.Debounce == 0 {
		o.Debounce = 2 * time.Second
	}
	if o.Debounce < 0 {
		o.Debounce = 0
	}
	if o.JobTimeout == 0 {
		o.JobTimeout = 15 * time.Minute
	}
	if o.RescueAfter == 0 {
		o.RescueAfter = o.JobTimeout + 5*time.Minute
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 6
	}
	if o.HeartbeatTimeout == 0 {
		o.HeartbeatTimeout = time.Minute
	}
	if o.CacheMaxAge == 0 {
		o.CacheMaxAge = 7 * 24 * time.Hour
	}
	if o.PollInterval == 0 {
		o.PollInterval = time.Second
	}
	if o.HistoryMaxAge == 0 {
		o.HistoryMaxAge = 90 * 24 * time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var errs []error
	if o.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers %d is negative", o.Workers))
	}
	if o.JobTimeout < 0 {
		errs = append(errs, fmt.Errorf("job timeout %s is negative", o.JobTimeout))
	}
	if o.RescueAfter <= o.JobTimeout {
		errs = append(errs, fmt.Errorf("rescue after %s must exceed the job timeout %s", o.RescueAfter, o.JobTimeout))
	}
	if o.HeartbeatTimeout < 0 {
		errs = append(errs, fmt.Errorf("heartbeat timeout %s is negative", o.HeartbeatTimeout))
	}
	if o.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("max attempts %d is negative", o.MaxAttempts))
	}
	if o.CacheMaxAge < 0 {
		errs = append(errs, fmt.Errorf("cache max age %s is negative", o.CacheMaxAge))
	}
	if o.PollInterval < 0 {
		errs = append(errs, fmt.Errorf("poll interval %s is negative", o.PollInterval))
	}
	if o.HistoryMaxAge < 0 {
		errs = append(errs, fmt.Errorf("history max age %s is negative", o.HistoryMaxAge))
	}
	return o, errors.Join(errs...)
}

// Queue is the durable review queue. It is safe for concurrent use.
type Queue struct {
	opts Options
	t    target
	log  *slog.Logger
	eng  engine

	mu      sync.Mutex
	running bool
	// stopBeat ends the heartbeat (PostgreSQL) and waits for it.
	stopBeat func()

	now func() time.Time
	// batch is how many rows one prune statement deletes (pruneBatch).
	batch int
}

// engine is what differs between the two databases: River's client is generic over the
// transaction type, so everything that touches a River transaction lives behind this.
type engine interface {
	enqueue(ctx context.Context, q *Queue, j Job) (Enqueued, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
	stopAndCancel(ctx context.Context) error
	pool() execer
	// clientID is River's id of this replica, which it records in attempted_by.
	clientID() string
	close() error
}

// Open connects to the queue's database, brings River's tables and the queue's own up
// to date (or, with CheckSchema, checks that they are), and returns a queue ready to
// Enqueue. Call Start to run jobs.
//
// url is sqlite:///abs/path/reviewer.db, sqlite://relative/path.db (from the working
// directory), or postgres://... (postgresql:// too) in pgx's syntax, pool_max_conns
// included. Several replicas may share a PostgreSQL database. A SQLite file serves one
// process, which holds a lock on path + ".lock" from Open to Close (Open fails while
// another process holds it); it must be on a local disk (WAL uses shared memory).
func Open(ctx context.Context, url string, opts Options) (*Queue, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("queue options: %w", err)
	}
	q := &Queue{opts: opts, t: t, log: opts.Logger, now: time.Now, batch: pruneBatch}
	if opts.pruneBatch > 0 {
		q.batch = opts.pruneBatch
	}
	w := &worker{handler: opts.Handler}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely[reviewArgs](workers, w); err != nil {
		return nil, fmt.Errorf("queue worker: %w", err)
	}
	if err := river.AddWorkerSafely[replyArgs](workers, &replyWorker{handler: opts.Handler}); err != nil {
		return nil, fmt.Errorf("queue worker: %w", err)
	}
	if err := river.AddWorkerSafely[pruneArgs](workers, &pruneWorker{q: q}); err != nil {
		return nil, fmt.Errorf("queue worker: %w", err)
	}
	if opts.Learn != nil {
		if err := river.AddWorkerSafely[learnArgs](workers, &learnWorker{learn: opts.Learn}); err != nil {
			return nil, fmt.Errorf("queue worker: %w", err)
		}
	}
	cfg := q.riverConfig(workers)
	switch t.dialect {
	case dialectSQLite:
		q.eng, err = openSQLite(ctx, t, cfg, opts.CheckSchema, q.log)
	case dialectPostgres:
		q.eng, err = openPostgres(ctx, t, cfg, opts.Workers, opts.CheckSchema)
	}
	if err != nil {
		return nil, err
	}
	return q, nil
}

func (q *Queue) riverConfig(workers *river.Workers) *river.Config {
	cfg := &river.Config{
		Logger:               q.log.With(slog.String("component", "river")),
		Workers:              workers,
		MaxAttempts:          q.opts.MaxAttempts,
		JobTimeout:           q.opts.JobTimeout,
		RescueStuckJobsAfter: q.opts.RescueAfter,
		FetchPollInterval:    q.opts.PollInterval,
		FetchCooldown:        min(100*time.Millisecond, q.opts.PollInterval),
		RetryPolicy:          &retryPolicy{},
		Hooks:                []rivertype.Hook{&debounceHook{}},
		TestOnly:             q.opts.testOnly,
	}
	if q.opts.Handler != nil {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: q.opts.Workers}}
		// Only a queue that runs jobs prunes; River lets only its leader insert them.
		cfg.PeriodicJobs = []*river.PeriodicJob{prunePeriodic()}
		if q.opts.Learn != nil {
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, learnPeriodic(q.opts))
		}
	}
	return cfg
}

// sqliteParams are the connection settings the queue needs from SQLite: WAL, so that
// readers never block the writer; a busy timeout, so that another process's write
// makes this one wait instead of failing with SQLITE_BUSY; transactions that take the
// write lock when they begin (a read that later wants to write could otherwise fail
// with SQLITE_BUSY without waiting); foreign keys; and synchronous=FULL, so that a
// committed enqueue survives a power cut, not only a crash.
const sqliteParams = "_txlock=immediate&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
	"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"

func openSQLite(ctx context.Context, t target, cfg *river.Config, check bool, log *slog.Logger) (engine, error) {
	db, err := openSQLiteDB(ctx, t)
	if err != nil {
		return nil, err
	}
	driver := riversqlite.New(db)
	s, err := sqliteSchema(db, driver, cfg.Logger)
	if err != nil {
		_ = db.Close() // the open failed; the close error adds nothing
		return nil, t.redact("open queue", err)
	}
	// The file serves one process (lock.go); the first queue of the process on it
	// migrates it and takes back what a dead process left running.
	ensured := false
	release, err := lockFile(t.path, func() error {
		if err := s.ensure(ctx, check); err != nil {
			return err
		}
		ensured = true
		return reclaimSQLite(ctx, sqlExec{db}, log)
	})
	if err != nil {
		_ = db.Close() // the open failed; the close error adds nothing
		return nil, t.redact("open queue", err)
	}
	fail := func(err error) (engine, error) {
		_ = db.Close() // the open failed; the close error adds nothing
		release()
		return nil, t.redact("open queue", err)
	}
	if !ensured {
		if err := s.ensure(ctx, check); err != nil {
			return fail(err)
		}
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return fail(err)
	}
	return &riverEngine[*sql.Tx]{
		client: client,
		// Enqueues wait for the one connection in the order they came: database/sql hands
		// a freed connection to any waiter, which under load starved some for 100 ms.
		gate: make(chan struct{}, 1),
		db:   sqlExec{db},
		begin: func(ctx context.Context) (*sql.Tx, execer, error) {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return nil, nil, err
			}
			return tx, sqlExec{tx}, nil
		},
		commit:   func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
		rollback: func(_ context.Context, tx *sql.Tx) { _ = tx.Rollback() },
		closeDB: func() error {
			defer release()
			return db.Close()
		},
	}, nil
}

// openSQLiteDB opens the queue's SQLite file with the connection settings it needs.
func openSQLiteDB(ctx context.Context, t target) (*sql.DB, error) {
	plain, err := sql.Open("sqlite", t.path+"?"+sqliteParams)
	if err != nil {
		return nil, t.redact("open queue", err)
	}
	// sql.Open connects to nothing: it only names the driver the connector wraps.
	db := sql.OpenDB(stmtCacheConnector{drv: plain.Driver(), dsn: t.path + "?" + sqliteParams})
	_ = plain.Close()
	// One connection: River's maintenance, fetches and completions would otherwise
	// compete for SQLite's single write lock and fail with SQLITE_BUSY. WAL lets readers
	// in other processes carry on.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		_ = db.Close() // the open failed; the close error adds nothing
		return nil, t.redact("open queue", err)
	}
	if mode != "wal" {
		_ = db.Close()
		return nil, t.redact("open queue", fmt.Errorf("journal mode is %s, not wal", mode))
	}
	return db, nil
}

// migrateLock is the PostgreSQL advisory lock replicas take while migrating, so that two
// starting at once do not both create River's tables. rivermigrate takes none itself.
const migrateLock = 0x72657669 // "revi"

func openPostgres(ctx context.Context, t target, cfg *river.Config, workers int, check bool) (engine, error) {
	pool, err := openPool(ctx, t, workers)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (engine, error) {
		pool.Close()
		return nil, t.redact("open queue", err)
	}
	driver := riverpgxv5.New(pool)
	s, err := postgresSchema(pool, driver, cfg.Logger)
	if err != nil {
		return fail(err)
	}
	if err := withMigrateLock(ctx, pool.Config().ConnConfig, func() error { return s.ensure(ctx, check) }); err != nil {
		return fail(err)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return fail(err)
	}
	return &riverEngine[pgx.Tx]{
		client: client,
		db:     pgxExec{pool},
		begin: func(ctx context.Context) (pgx.Tx, execer, error) {
			tx, err := pool.Begin(ctx)
			if err != nil {
				return nil, nil, err
			}
			return tx, pgxExec{tx}, nil
		},
		commit: func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
		rollback: func(ctx context.Context, tx pgx.Tx) {
			// Roll back even when ctx is done, or the connection returns to the pool
			// mid-transaction.
			_ = tx.Rollback(context.WithoutCancel(ctx))
		},
		closeDB: func() error { pool.Close(); return nil },
	}, nil
}

// openPool connects to the queue's PostgreSQL database, with room for workers.
func openPool(ctx context.Context, t target, workers int) (*pgxpool.Pool, error) {
	pcfg, err := pgxpool.ParseConfig(t.dsn)
	if err != nil {
		// pgx's error quotes the URL, with the password masked.
		return nil, t.mask("queue url: "+err.Error(), err)
	}
	if !hasParam(t.dsn, "pool_max_conns") {
		// Each worker holds a connection while it completes a job, River's notifier
		// keeps one for LISTEN, and its producer, elector and maintenance take turns
		// on the rest; pgxpool's default of 4 would make them queue.
		pcfg.MaxConns = max(pcfg.MaxConns, int32(min(workers, 1000))+4) //nolint:gosec // bounded above
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, t.redact("open queue", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, t.redact("open queue", err)
	}
	return pool, nil
}

func hasParam(dsn, name string) bool {
	u, err := url.Parse(dsn)
	return err == nil && u.Query().Has(name)
}

// sqliteSchema is the schema of a SQLite queue database.
func sqliteSchema(db *sql.DB, driver riverdriver.Driver[*sql.Tx], log *slog.Logger) (schemaDB, error) {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return schemaDB{}, fmt.Errorf("migrate: %w", err)
	}
	return schemaDB{d: dialectSQLite, x: sqlExec{db}, river: m, log: log,
		inTx: func(ctx context.Context, fn func(x execer) error) error {
			tx, err := db.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			if err := fn(sqlExec{tx}); err != nil {
				_ = tx.Rollback() // the error that made it roll back is the one to report
				return err
			}
			return tx.Commit()
		},
	}, nil
}

// postgresSchema is the schema of a PostgreSQL queue database.
func postgresSchema(pool *pgxpool.Pool, driver riverdriver.Driver[pgx.Tx], log *slog.Logger) (schemaDB, error) {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log})
	if err != nil {
		return schemaDB{}, fmt.Errorf("migrate: %w", err)
	}
	return schemaDB{d: dialectPostgres, x: pgxExec{pool}, river: m, log: log,
		inTx: func(ctx context.Context, fn func(x execer) error) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return fn(pgxExec{tx}) })
		},
	}, nil
}

// withMigrateLock runs fn holding a session advisory lock, so that replicas starting at
// once take turns instead of applying the same migration twice (rivermigrate takes no
// lock). The lock lives on a connection of its own, which closing releases whatever
// happens.
func withMigrateLock(ctx context.Context, cc *pgx.ConnConfig, fn func() error) error {
	lock, err := pgx.ConnectConfig(ctx, cc.Copy())
	if err != nil {
		return err
	}
	defer func() { _ = lock.Close(context.WithoutCancel(ctx)) }() // closing ends the session and its lock
	if _, err := lock.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	return fn()
}

// riverEngine is the engine for one River transaction type.
type riverEngine[TTx any] struct {
	client *river.Client[TTx]
	// gate, when set, admits one enqueue at a time, first come first served.
	gate     chan struct{}
	db       execer
	begin    func(ctx context.Context) (TTx, execer, error)
	commit   func(ctx context.Context, tx TTx) error
	rollback func(ctx context.Context, tx TTx)
	closeDB  func() error
}

func (e *riverEngine[TTx]) pool() execer { return e.db }

func (e *riverEngine[TTx]) clientID() string { return e.client.ID() }

func (e *riverEngine[TTx]) start(ctx context.Context) error { return e.client.Start(ctx) }

func (e *riverEngine[TTx]) stop(ctx context.Context) error { return e.client.Stop(ctx) }

func (e *riverEngine[TTx]) stopAndCancel(ctx context.Context) error {
	return e.client.StopAndCancel(ctx)
}

func (e *riverEngine[TTx]) close() error { return e.closeDB() }

// Start runs jobs until Stop. ctx serves the start-up only: jobs run on a context that
// keeps ctx's values but not its cancellation, so that cancelling it (a signal) does
// not cut running reviews short; call Stop with the time they may take.
func (q *Queue) Start(ctx context.Context) error {
	if q.opts.Handler == nil {
		return errors.New("start queue: no handler")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.running {
		return nil
	}
	var live *liveness
	if q.t.dialect == dialectPostgres {
		// The first beat is written before any job can be fetched, so that every job
		// this replica runs names a replica the leader can tell is dead.
		var err error
		if live, err = newLiveness(q.t.dsn); err != nil {
			return q.t.redact("start queue", err)
		}
		if err := beat(ctx, q.eng.pool(), live, q.eng.clientID()); err != nil {
			live.close(ctx)
			return q.t.redact("start queue", err)
		}
	}
	if err := q.eng.start(context.WithoutCancel(ctx)); err != nil {
		if live != nil {
			live.close(ctx)
		}
		return q.t.redact("start queue", err)
	}
	q.running = true
	if q.t.dialect == dialectPostgres {
		bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer live.close(bctx)
			q.heartbeat(bctx, live, q.eng.clientID())
		}()
		q.stopBeat = func() { cancel(); <-done }
	}
	return nil
}

// hardStopGrace bounds how long Stop waits for handlers to return once their contexts
// are cancelled; a handler that ignores its context is left behind.
const hardStopGrace = 10 * time.Second

// Stop stops fetching jobs and lets running ones finish until ctx is done. Then it
// cancels them; River puts a job whose handler returned its context's error back in
// the queue, without spending an attempt, for the next start (here or on another
// replica). A job whose handler does not return is rescued after RescueAfter.
func (q *Queue) Stop(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.running {
		return nil
	}
	err := q.eng.stop(ctx)
	if err == nil {
		q.running = false
		q.endBeat(ctx)
		return nil
	}
	if ctx.Err() == nil {
		return fmt.Errorf("stop queue: %w", err)
	}
	q.log.WarnContext(ctx, "queue stop timed out; cancelling running jobs")
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hardStopGrace)
	defer cancel()
	if err := q.eng.stopAndCancel(hctx); err != nil {
		// The heartbeat goes on: the jobs still running are this replica's until it
		// exits, and are taken back when it has been silent for HeartbeatTimeout.
		return fmt.Errorf("stop queue: jobs still running after cancel: %w", err)
	}
	q.running = false
	q.endBeat(hctx)
	return nil
}

// endBeat stops the heartbeat of a stopped queue, whose jobs are all back in the queue,
// and deletes its row.
func (q *Queue) endBeat(ctx context.Context) {
	if q.stopBeat == nil {
		return
	}
	q.stopBeat()
	q.stopBeat = nil
	if _, err := q.eng.pool().exec(context.WithoutCancel(ctx), `DELETE FROM reviewer_replicas WHERE client_id = $1`, q.eng.clientID()); err != nil {
		// The row is forgotten a day later: nothing is lost.
		q.log.WarnContext(ctx, "queue heartbeat row not deleted", slog.Any("error", q.t.mask(err.Error(), err)))
	}
}

// Close releases the database. Stop a started queue first: closing a running one pulls
// the database from under its jobs, which River then finds running and rescues after
// RescueAfter.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopBeat != nil {
		q.stopBeat() // the row stays: the jobs left running are taken back once it is stale
		q.stopBeat = nil
	}
	if err := q.eng.close(); err != nil {
		// Nothing is lost: every enqueue was committed before it returned.
		q.log.Warn("queue close failed", slog.Any("error", err))
	}
}

// Ready reports whether the database answers, for /readyz.
func (q *Queue) Ready(ctx context.Context) error {
	var one int
	if err := q.eng.pool().queryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return q.t.redact("ping queue", err)
	}
	return nil
}

// Depth counts the review jobs in each River state (available, scheduled, running,
// retryable, completed, cancelled, discarded, pending), for metrics. Every state is in
// the map, zero or not, so that a gauge falls back to zero. Finished jobs are counted
// until River deletes them (a day after they finish; a week when discarded).
func (q *Queue) Depth(ctx context.Context) (map[string]int, error) {
	depth := make(map[string]int)
	for _, s := range rivertype.JobStates() {
		depth[string(s)] = 0
	}
	rows, err := q.eng.pool().query(ctx, "SELECT state, count(*) FROM river_job WHERE kind = $1 GROUP BY state", jobKind)
	if err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("queue depth: %w", err)
		}
		depth[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue depth: %w", err)
	}
	return depth, nil
}
