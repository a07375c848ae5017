package queue

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"
)

// The outcomes of a review attempt in the history.
const (
	// OutcomeReviewed: the review ran and was published.
	OutcomeReviewed = "reviewed"
	// OutcomeSkipped: the review ran but no file of the change was reviewed (all
	// filtered, withheld or skipped); Reason says why.
	OutcomeSkipped = "skipped"
	// OutcomeFailed: the attempt failed and the job is not retried (a permanent failure,
	// or the last attempt).
	OutcomeFailed = "failed"
	// OutcomeRetrying: the attempt failed and the job will be tried again.
	OutcomeRetrying = "retrying"
	// OutcomeLimited: a limit (size, budget) turned the review down.
	OutcomeLimited = "limited"
	// OutcomeRefused: whoever asked may not request a review.
	OutcomeRefused = "refused"
	// OutcomeSuperseded: a newer head of the change was queued.
	OutcomeSuperseded = "superseded"
	// OutcomeStopped: the service stopped mid-review; the job stays queued.
	OutcomeStopped = "stopped"
)

// Review is one attempt of one review job, as the history keeps it. Its JSON form is what
// `reviewer history --format json` prints, one object per attempt; fields are only ever
// added to it. Strings that came from a forge (Repo, HeadSHA, Event, DeliveryID) are
// stored as they came and are hostile: neutralise them before showing them.
type Review struct {
	ID int64 `json:"id"`
	// JobID is the queue's job id, the same across the attempts of one job.
	JobID   int64 `json:"job_id"`
	Attempt int   `json:"attempt"`

	Forge   string `json:"forge"`
	Repo    string `json:"repo"`
	Change  int    `json:"change"`
	HeadSHA string `json:"head_sha"`
	// Trigger is "webhook" (an event of the change), "command" (a /review comment) or
	// "retry" (a later attempt of a failed one); Event is the forge's event, as
	// "pull_request.synchronize".
	Trigger string `json:"trigger"`
	Event   string `json:"event"`
	// Tier is the change's risk tier, when known.
	Tier string `json:"tier"`

	// Outcome is one of the Outcome constants. Reason says why, for every outcome but
	// reviewed, in the service's own words (reviewer.FailureReason for a failure), never
	// an error's raw text. ErrorKind classifies a failure ("timeout", "forge", "rules",
	// "gateway", "rate_limit", "publish", "config", "other").
	Outcome   string `json:"outcome"`
	Reason    string `json:"reason"`
	ErrorKind string `json:"error_kind"`

	Files FileCounts `json:"files"`
	// Findings counts what the model and pattern rules reported; Posted the comments
	// this attempt posted, Kept those already on the change from an earlier review.
	Findings int `json:"findings"`
	Posted   int `json:"posted"`
	Kept     int `json:"kept"`

	ModelRequests    int     `json:"model_requests"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CachedTokens     int64   `json:"cached_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`

	DeliveryID string `json:"delivery_id"`
	// Started and Finished bound the attempt; DurationMS is their difference.
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	DurationMS int64     `json:"duration_ms"`
}

// FileCounts counts a review's files by outcome (reviewer.Coverage). Unseen counts the
// files with code the review did not see, whatever their outcome.
type FileCounts struct {
	Reviewed int `json:"reviewed"`
	Skipped  int `json:"skipped"`
	Filtered int `json:"filtered"`
	Withheld int `json:"withheld"`
	Failed   int `json:"failed"`
	Unseen   int `json:"unseen"`
}

// Failed reports whether the attempt failed, retried or not.
func (r Review) Failed() bool { return r.Outcome == OutcomeFailed || r.Outcome == OutcomeRetrying }

// History is the record of every review attempt the service ran, in the queue's
// database: written by the worker at the end of each attempt, read by `reviewer history`
// and the status page. Rows older than Options.HistoryMaxAge are pruned with the rest.
type History struct {
	x     execer
	d     dialect
	close func()
}

// History returns the queue's review history.
func (q *Queue) History() *History {
	return &History{x: q.eng.pool(), d: q.t.dialect, close: func() {}}
}

// historyVersion is the migration that made the history table.
const historyVersion = 4

// OpenHistory opens the review history of the queue database at url to read, without
// the queue: no lock on a SQLite file (a running service keeps it; WAL lets this read
// beside it), no migration. A database without the history (never migrated to it, or no
// database at all) is an error saying what to do. Close it when done.
func OpenHistory(ctx context.Context, url string) (*History, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	var h *History
	switch t.dialect {
	case dialectSQLite:
		if _, err := os.Stat(t.path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no queue database at %s: reviewer serve creates it", t.redacted)
		}
		db, err := openSQLiteDB(ctx, t)
		if err != nil {
			return nil, err
		}
		h = &History{x: sqlExec{db}, d: t.dialect, close: func() { _ = db.Close() }} // read only
	case dialectPostgres:
		pool, err := openPool(ctx, t, 1)
		if err != nil {
			return nil, err
		}
		h = &History{x: pgxExec{pool}, d: t.dialect, close: pool.Close}
	}
	s := schemaDB{d: t.dialect, x: h.x}
	applied, err := s.applied(ctx, h.x)
	if err != nil {
		h.Close()
		return nil, t.redact("open history", err)
	}
	has := false
	for _, v := range applied {
		has = has || v == historyVersion
	}
	if !has {
		h.Close()
		return nil, fmt.Errorf("the queue database %s has no review history yet: run `reviewer migrate` with the same queue.url, "+
			"or start reviewer serve", t.redacted)
	}
	return h, nil
}

// Close releases a history from OpenHistory; for a queue's own, it does nothing.
func (h *History) Close() { h.close() }

// createHistory is migration 4: the review history, one row per attempt. Times are unix
// milliseconds; finished_ms orders and prunes it, the change's columns find one change's
// reviews. IF NOT EXISTS, as migration 1 and 3: a database whose record of migrations
// was lost is adopted with the rows it has.
func createHistory(ctx context.Context, x execer, d dialect) error {
	id := "INTEGER PRIMARY KEY" // SQLite's rowid: assigned on insert
	if d == dialectPostgres {
		id = "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
	}
	for _, stmt := range []string{
		`CREATE TABLE IF NOT EXISTS reviewer_reviews (
			id ` + id + `,
			job_id BIGINT NOT NULL,
			attempt BIGINT NOT NULL,
			forge TEXT NOT NULL,
			repo TEXT NOT NULL,
			change_number BIGINT NOT NULL,
			head_sha TEXT NOT NULL,
			trigger_kind TEXT NOT NULL,
			event TEXT NOT NULL,
			tier TEXT NOT NULL,
			outcome TEXT NOT NULL,
			reason TEXT NOT NULL,
			error_kind TEXT NOT NULL,
			files_reviewed BIGINT NOT NULL,
			files_skipped BIGINT NOT NULL,
			files_filtered BIGINT NOT NULL,
			files_withheld BIGINT NOT NULL,
			files_failed BIGINT NOT NULL,
			files_unseen BIGINT NOT NULL,
			findings BIGINT NOT NULL,
			posted BIGINT NOT NULL,
			kept BIGINT NOT NULL,
			model_requests BIGINT NOT NULL,
			prompt_tokens BIGINT NOT NULL,
			cached_tokens BIGINT NOT NULL,
			completion_tokens BIGINT NOT NULL,
			cost_usd DOUBLE PRECISION NOT NULL,
			delivery_id TEXT NOT NULL,
			started_ms BIGINT NOT NULL,
			finished_ms BIGINT NOT NULL
		)`,
		`CREATE INDEX IF NOT EXISTS reviewer_reviews_finished_ms ON reviewer_reviews (finished_ms)`,
		`CREATE INDEX IF NOT EXISTS reviewer_reviews_change ON reviewer_reviews (repo, change_number, finished_ms)`,
	} {
		if _, err := x.exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// historyColumns are the columns of a Review, in the order of scan and record.
const historyColumns = `job_id, attempt, forge, repo, change_number, head_sha, trigger_kind, event, tier,
	outcome, reason, error_kind, files_reviewed, files_skipped, files_filtered, files_withheld, files_failed,
	files_unseen, findings, posted, kept, model_requests, prompt_tokens, cached_tokens, completion_tokens,
	cost_usd, delivery_id, started_ms, finished_ms`

// Record stores one attempt. Its ID and DurationMS are ignored: the database assigns the
// one, Started and Finished give the other.
func (h *History) Record(ctx context.Context, r Review) error {
	_, err := h.x.exec(ctx, `INSERT INTO reviewer_reviews (`+historyColumns+`) VALUES
		($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
		$21, $22, $23, $24, $25, $26, $27, $28, $29)`,
		r.JobID, r.Attempt, r.Forge, r.Repo, r.Change, r.HeadSHA, r.Trigger, r.Event, r.Tier,
		r.Outcome, r.Reason, r.ErrorKind, r.Files.Reviewed, r.Files.Skipped, r.Files.Filtered, r.Files.Withheld, r.Files.Failed,
		r.Files.Unseen, r.Findings, r.Posted, r.Kept, r.ModelRequests, r.PromptTokens, r.CachedTokens, r.CompletionTokens,
		r.CostUSD, r.DeliveryID, r.Started.UnixMilli(), r.Finished.UnixMilli())
	if err != nil {
		return fmt.Errorf("record review of %s:%s!%d: %w", r.Forge, r.Repo, r.Change, err)
	}
	return nil
}

// Filter selects reviews from the history. The zero value selects every review.
type Filter struct {
	// Forge and Repo, when set, select one forge's or one repository's reviews; Change
	// (with Repo) one change's.
	Forge  string
	Repo   string
	Change int
	// Since selects the attempts that finished at or after it.
	Since time.Time
	// Failed selects the failed attempts, retried or not.
	Failed bool
	// Limit caps how many are returned, newest first. Zero means 100.
	Limit int
}

// List returns the attempts f selects, newest first: the recent reviews, one change's
// reviews over time (Repo and Change), the failures with their reasons (Failed).
func (h *History) List(ctx context.Context, f Filter) ([]Review, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	where, args := f.where()
	args = append(args, f.Limit)
	rows, err := h.x.query(ctx, `SELECT id, `+historyColumns+` FROM reviewer_reviews`+where+
		fmt.Sprintf(` ORDER BY finished_ms DESC, id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var (
			r                   Review
			started, finished   int64
			attempt, change     int64
			fr, fs, ff, fw, ffl int64
			fu, fi, po, ke, mr  int64
		)
		if err := rows.Scan(&r.ID, &r.JobID, &attempt, &r.Forge, &r.Repo, &change, &r.HeadSHA, &r.Trigger, &r.Event, &r.Tier,
			&r.Outcome, &r.Reason, &r.ErrorKind, &fr, &fs, &ff, &fw, &ffl,
			&fu, &fi, &po, &ke, &mr, &r.PromptTokens, &r.CachedTokens, &r.CompletionTokens,
			&r.CostUSD, &r.DeliveryID, &started, &finished); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		r.Attempt, r.Change = int(attempt), int(change)
		r.Files = FileCounts{Reviewed: int(fr), Skipped: int(fs), Filtered: int(ff), Withheld: int(fw), Failed: int(ffl), Unseen: int(fu)}
		r.Findings, r.Posted, r.Kept, r.ModelRequests = int(fi), int(po), int(ke), int(mr)
		r.Started, r.Finished = time.UnixMilli(started).UTC(), time.UnixMilli(finished).UTC()
		r.DurationMS = finished - started
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return out, nil
}

// where is the WHERE clause of f, with its arguments.
func (f Filter) where() (string, []any) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Forge != "" {
		add("forge = $%d", f.Forge)
	}
	if f.Repo != "" {
		add("repo = $%d", f.Repo)
	}
	if f.Change != 0 {
		add("change_number = $%d", f.Change)
	}
	if !f.Since.IsZero() {
		add("finished_ms >= $%d", f.Since.UnixMilli())
	}
	if f.Failed {
		conds = append(conds, "outcome IN ('"+OutcomeFailed+"', '"+OutcomeRetrying+"')")
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// RepoDay is what one repository's reviews cost on one UTC day.
type RepoDay struct {
	// Day is the UTC day (Day), DayStart its first instant.
	Day      int64     `json:"day"`
	DayStart time.Time `json:"day_start"`
	Forge    string    `json:"forge"`
	Repo     string    `json:"repo"`
	// Reviews counts the attempts, Failed those of them that failed.
	Reviews          int     `json:"reviews"`
	Failed           int     `json:"failed"`
	PromptTokens     int64   `json:"prompt_tokens"`
	CachedTokens     int64   `json:"cached_tokens"`
	CompletionTokens int64   `json:"completion_tokens"`
	CostUSD          float64 `json:"cost_usd"`
}

// CostPerDay sums the attempts that finished at or after since by repository and UTC
// day, newest day first, then by cost.
func (h *History) CostPerDay(ctx context.Context, since time.Time) ([]RepoDay, error) {
	rows, err := h.x.query(ctx, `SELECT finished_ms / 86400000 AS day, forge, repo, count(*),
			CAST(sum(CASE WHEN outcome IN ('`+OutcomeFailed+`', '`+OutcomeRetrying+`') THEN 1 ELSE 0 END) AS BIGINT),
			CAST(sum(prompt_tokens) AS BIGINT), CAST(sum(cached_tokens) AS BIGINT), CAST(sum(completion_tokens) AS BIGINT), sum(cost_usd)
		FROM reviewer_reviews WHERE finished_ms >= $1
		GROUP BY finished_ms / 86400000, forge, repo
		ORDER BY day DESC, sum(cost_usd) DESC, forge, repo`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	defer rows.Close()
	var out []RepoDay
	for rows.Next() {
		var (
			d               RepoDay
			reviews, failed int64
		)
		if err := rows.Scan(&d.Day, &d.Forge, &d.Repo, &reviews, &failed, &d.PromptTokens, &d.CachedTokens, &d.CompletionTokens, &d.CostUSD); err != nil {
			return nil, fmt.Errorf("read history: %w", err)
		}
		d.Reviews, d.Failed, d.DayStart = int(reviews), int(failed), DayStart(d.Day)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read history: %w", err)
	}
	return out, nil
}
