package queue

import (
	"context"
	"fmt"
	"log/slog"
	"time"
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
// whose last attempt is by a replica silent for Options.HeartbeatTimeout. A replica
// that still beats keeps its jobs, however long they run.
//
// Either way a job taken back becomes available at once, as a retry: the killed
// attempt counts, so that a job that kills its process (a diff that exhausts memory)
// ends after Options.MaxAttempts like any failing job instead of killing replicas
// forever. A job on its last attempt is left to River's rescuer, which discards it
// with an error recorded. A review run again posts no comment twice (the fingerprints
// of the comments already posted are skipped) and edits its summary in place.

// replicasTable is the DDL of the heartbeat table, kept here in one place so that it
// can move into a versioned migration. heartbeat_ms is the database's clock (unix
// milliseconds), so that replicas' clocks need not agree.
const replicasTable = `CREATE TABLE IF NOT EXISTS reviewer_replicas (
	client_id TEXT PRIMARY KEY,
	heartbeat_ms BIGINT NOT NULL
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

// beat writes this replica's heartbeat.
func beat(ctx context.Context, x execer, clientID string) error {
	_, err := x.exec(ctx, `INSERT INTO reviewer_replicas (client_id, heartbeat_ms) VALUES ($1, `+pgNowMS+`)
		ON CONFLICT (client_id) DO UPDATE SET heartbeat_ms = excluded.heartbeat_ms`, clientID)
	if err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// reclaimSilent takes back, if clientID is River's leader, the running review jobs
// whose last attempt is by a replica silent for timeout, and forgets replicas silent for
// replicaRetention. It returns the ids of the jobs taken back.
func reclaimSilent(ctx context.Context, x execer, clientID string, timeout time.Duration) ([]int64, error) {
	rows, err := x.query(ctx, `UPDATE river_job SET state = 'available'
		WHERE state = 'running' AND kind = $1 AND attempt < max_attempts
			AND attempted_by[array_length(attempted_by, 1)] IN (
				SELECT client_id FROM reviewer_replicas WHERE heartbeat_ms < `+pgNowMS+` - $2)
			AND EXISTS (SELECT 1 FROM river_leader WHERE leader_id = $3 AND expires_at > now())
		RETURNING id`, jobKind, timeout.Milliseconds(), clientID)
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
func (q *Queue) heartbeat(ctx context.Context, clientID string) {
	t := time.NewTicker(heartbeatInterval(q.opts.HeartbeatTimeout))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		x := q.eng.pool()
		if err := beat(ctx, x, clientID); err != nil {
			q.log.WarnContext(ctx, "queue heartbeat failed", slog.Any("error", q.t.mask(err.Error(), err)))
			continue
		}
		ids, err := reclaimSilent(ctx, x, clientID, q.opts.HeartbeatTimeout)
		if err != nil && ctx.Err() == nil {
			q.log.WarnContext(ctx, "queue reclaim failed", slog.Any("error", q.t.mask(err.Error(), err)))
		}
		if len(ids) > 0 {
			q.log.InfoContext(ctx, "took back jobs of a silent replica", slog.Any("jobs", ids),
				slog.Duration("heartbeat_timeout", q.opts.HeartbeatTimeout))
		}
	}
}
