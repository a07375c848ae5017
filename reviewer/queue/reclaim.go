package queue

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Taking back the jobs of a dead process, sooner than River's rescuer (which waits
// Options.RescueAfter, longer than any review may take, because it cannot tell a dead
// replica's job from a slow one).
//
// SQLite: the file's lock (lock.go) makes its holder the only process running its jobs,
// so the jobs found running when a process takes the lock are a dead process's, and
// reclaimSQLite takes them all back before the first job starts.
//
// PostgreSQL: each replica writes a heartbeat row every few seconds while it runs
// (replicasTable), keyed by its River client id, which River records in a job's
// attempted_by when the replica fetches it. River's leader takes back the running jobs
// whose last attempt is by a dead replica. A replica is dead when it has been silent
// for Options.HeartbeatTimeout (a lost node, a partition), or sooner when its process
// is gone: each replica also holds a session advisory lock (its row's lock_key) on a
// connection of its own, which PostgreSQL frees as soon as that connection closes, as
// it does when the process dies; a replica whose lock is free and that has missed two
// beats is dead too. A replica that still beats keeps its jobs, however long they run;
// one that loses its lock's connection takes it again at its next beat. When the dead
// replica was River's leader, the survivors delete its leadership (River would keep it
// for about 15 s more) so that one of them is elected at its next attempt.
//
// Either way a job taken back becomes available at once, as a retry: the killed
// attempt counts, so that a job that kills its process (a diff that exhausts memory)
// ends after Options.MaxAttempts like any failing job instead of killing replicas
// forever. A job on its last attempt is left to River's rescuer, which discards it
// with an error recorded. A review run again posts no comment twice (the fingerprints
// of the comments already posted are skipped) and edits its summary in place.

// replicasTable is the DDL of the heartbeat table, made by migration 3 (migrate.go).
// heartbeat_ms is the database's clock (unix
// milliseconds), so that replicas' clocks need not agree.
const replicasTable = `CREATE TABLE IF NOT EXISTS reviewer_replicas (
	client_id TEXT PRIMARY KEY,
	heartbeat_ms BIGINT NOT NULL,
	lock_key BIGINT NOT NULL DEFAULT 0
)`

// pgNowMS is PostgreSQL's clock in unix milliseconds.
const pgNowMS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`

// reclaimSQLite makes the review jobs left running by a dead process available again.
// It runs once the process holds the file's lock and before it runs any job.
func reclaimSQLite(ctx context.Context, x execer, log *slog.Logger) error {
	n, err := x.exec(ctx, `UPDATE river_job SET state = 'available'
		WHERE state = 'running' AND kind = $1 AND attempt < max_attempts`, jobKind)
	if err != nil {
		return fmt.Errorf("take back the jobs of a dead process: %w", err)
	}
	if n > 0 {
		log.InfoContext(ctx, "took back jobs a dead process left running", slog.Int64("jobs", n))
	}
	// A leadership recorded in the file is a dead process's too: ended now, this
	// process is elected at once instead of when it expires (River's maintenance, which
	// makes retries due, runs on the leader).
	if _, err := x.exec(ctx, `DELETE FROM river_leader`); err != nil {
		return fmt.Errorf("end a dead process's leadership: %w", err)
	}
	return nil
}

// heartbeatInterval is how often a replica writes its heartbeat (and, when leader,
// looks for silent replicas): a few times per timeout, and at least every 5 s.
func heartbeatInterval(timeout time.Duration) time.Duration {
	return min(5*time.Second, timeout/3)
}

// replicaRetention is how long a silent replica's row is kept: long after any job of
// its could still be running.
const replicaRetention = 24 * time.Hour

// liveness is a replica's advisory lock, held on a connection of its own for as long
// as the process lives.
type liveness struct {
	cc   *pgx.ConnConfig
	key  int64
	conn *pgx.Conn
}

func newLiveness(dsn string) (*liveness, error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	// Positive and under 2^62: PostgreSQL shows the two halves of the key as oids.
	return &liveness{cc: pcfg.ConnConfig, key: 1 + rand.Int64N(1<<62)}, nil //nolint:gosec // an id, not a secret
}

// hold makes sure the lock is held, connecting and taking it again if its connection
// was lost.
func (l *liveness) hold(ctx context.Context) error {
	if l.conn != nil {
		if err := l.conn.Ping(ctx); err == nil {
			return nil
		}
		l.close(ctx)
	}
	conn, err := pgx.ConnectConfig(ctx, l.cc.Copy())
	if err != nil {
		return fmt.Errorf("liveness lock: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", l.key).Scan(&ok); err != nil || !ok {
		_ = conn.Close(context.WithoutCancel(ctx))
		if err == nil {
			err = fmt.Errorf("key %d is held by another session", l.key)
		}
		return fmt.Errorf("liveness lock: %w", err)
	}
	l.conn = conn
	return nil
}

// close lets the lock go.
func (l *liveness) close(ctx context.Context) {
	if l.conn != nil {
		_ = l.conn.Close(context.WithoutCancel(ctx)) // closing the session frees its lock
		l.conn = nil
	}
}

// beat writes this replica's heartbeat, lock first.
func beat(ctx context.Context, x execer, live *liveness, clientID string) error {
	if err := live.hold(ctx); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	_, err := x.exec(ctx, `INSERT INTO reviewer_replicas (client_id, heartbeat_ms, lock_key) VALUES ($1, `+pgNowMS+`, $2)
		ON CONFLICT (client_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms, lock_key = excluded.lock_key`,
		clientID, live.key)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// deadReplicas selects the client ids of dead replicas: silent for $2 ms, or with
// their lock free and silent for $3 ms. An advisory lock on a bigint key shows in
// pg_locks as classid (high half) and objid (low half), with objsubid 1.
const deadReplicas = `SELECT r.client_id FROM reviewer_replicas r
	WHERE r.heartbeat_ms < ` + pgNowMS + ` - $2
		OR (r.heartbeat_ms < ` + pgNowMS + ` - $3 AND NOT EXISTS (
			SELECT 1 FROM pg_locks l
			WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
				AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
				AND l.classid::bigint = r.lock_key >> 32 AND l.objid::bigint = r.lock_key & 4294967295))`

// reclaimSilent takes back, if clientID is River's leader, the running review jobs
// whose last attempt is by a dead replica, and forgets replicas silent for
// replicaRetention; on any replica, it ends a dead replica's leadership. It returns the
// ids of the jobs taken back.
func reclaimSilent(ctx context.Context, x execer, clientID string, timeout, interval time.Duration) ([]int64, error) {
	if _, err := x.exec(ctx, `DELETE FROM river_leader WHERE leader_id <> $1 AND leader_id IN (`+deadReplicas+`)`,
		clientID, timeout.Milliseconds(), (2 * interval).Milliseconds()); err != nil {
		return nil, fmt.Errorf("end a dead replica's leadership: %w", err)
	}
	rows, err := x.query(ctx, `UPDATE river_job SET state = 'available'
		WHERE state = 'running' AND kind = $1 AND attempt < max_attempts
			AND attempted_by[array_length(attempted_by, 1)] IN (`+deadReplicas+`)
			AND EXISTS (SELECT 1 FROM river_leader WHERE leader_id = $4 AND expires_at > now())
		RETURNING id`, jobKind, timeout.Milliseconds(), (2 * interval).Milliseconds(), clientID)
	if err != nil {
		return nil, fmt.Errorf("take back the jobs of silent replicas: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("take back the jobs of silent replicas: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("take back the jobs of silent replicas: %w", err)
	}
	if _, err := x.exec(ctx, `DELETE FROM reviewer_replicas WHERE heartbeat_ms < `+pgNowMS+` - $1
		AND EXISTS (SELECT 1 FROM river_leader WHERE leader_id = $2 AND expires_at > now())`,
		replicaRetention.Milliseconds(), clientID); err != nil {
		return ids, fmt.Errorf("forget silent replicas: %w", err)
	}
	return ids, nil
}

// heartbeat runs until ctx is done: it beats every interval and, on the leader, takes
// back the jobs of silent replicas. A failed beat is logged and tried again at the next
// tick: a replica that cannot reach the database for the timeout loses its jobs, which
// then run again elsewhere (without duplicate comments).
func (q *Queue) heartbeat(ctx context.Context, live *liveness, clientID string) {
	interval := heartbeatInterval(q.opts.HeartbeatTimeout)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		x := q.eng.pool()
		if err := beat(ctx, x, live, clientID); err != nil {
			q.log.WarnContext(ctx, "queue heartbeat failed", slog.Any("error", q.t.mask(err.Error(), err)))
			continue
		}
		ids, err := reclaimSilent(ctx, x, clientID, q.opts.HeartbeatTimeout, interval)
		if err != nil && ctx.Err() == nil {
			q.log.WarnContext(ctx, "queue reclaim failed", slog.Any("error", q.t.mask(err.Error(), err)))
		}
		if len(ids) > 0 {
			q.log.InfoContext(ctx, "took back jobs of a dead replica", slog.Any("jobs", ids),
				slog.Duration("heartbeat_timeout", q.opts.HeartbeatTimeout))
		}
	}
}
