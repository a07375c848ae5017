package queue

import (
	"context"
	"fmt"
	"time"
)

// Dismissal is a person's word, in one of the bot's threads, that a finding is wrong or
// will not be acted on. The review of that change does not post the finding again, and
// it no longer counts against the status; dismissals marked ForLearning are the
// evidence the rules may learn from.
type Dismissal struct {
	Forge string `json:"forge"`
	Repo  string `json:"repo"`
	// Change is the pull or merge request's number.
	Change int `json:"change"`
	// Fingerprint is the finding's, as the thread's marker records it.
	Fingerprint string `json:"fingerprint"`
	// RuleID is the rule that raised the finding, when known.
	RuleID string `json:"rule_id,omitempty"`
	// Path and Line are where the finding was, as its thread says; empty for
	// dismissals recorded before they were kept.
	Path string `json:"path,omitempty"`
	Line int    `json:"line,omitempty"`
	// Thread names the thread it was said in (GitHub comment id, GitLab discussion id).
	Thread string `json:"thread,omitempty"`
	// Who dismissed it (login or username) and their words, cut to MaxDismissalWords.
	Who   string `json:"who"`
	Words string `json:"words"`
	// At is when it was recorded.
	At time.Time `json:"at"`
	// ForLearning is false for the change's own author: their word counts for their
	// change, not as evidence about the rule.
	ForLearning bool `json:"for_learning"`
}

// MaxDismissalWords bounds the words kept with a dismissal, in bytes.
const MaxDismissalWords = 1000

const dismissalsTable = `CREATE TABLE IF NOT EXISTS reviewer_dismissals (
	forge TEXT NOT NULL,
	repo TEXT NOT NULL,
	change_number BIGINT NOT NULL,
	fingerprint TEXT NOT NULL,
	rule_id TEXT NOT NULL,
	thread TEXT NOT NULL,
	who TEXT NOT NULL,
	words TEXT NOT NULL,
	created_ms BIGINT NOT NULL,
	for_learning BOOLEAN NOT NULL,
	PRIMARY KEY (forge, repo, change_number, fingerprint, who)
)`

// createDismissals makes the dismissals table, indexed by rule for learning.
func createDismissals(ctx context.Context, x execer, _ dialect) error {
	for _, stmt := range []string{
		dismissalsTable,
		`CREATE INDEX IF NOT EXISTS reviewer_dismissals_rule ON reviewer_dismissals (forge, repo, rule_id)`,
	} {
		if _, err := x.exec(ctx, stmt); err != nil {
			return fmt.Errorf("create dismissals table: %w", err)
		}
	}
	return nil
}

// addDismissalPath keeps where each dismissed finding was, the evidence `reviewer
// learn` counts paths from. Older rows keep an empty path. Like migration 1 it adopts a
// table that has the columns already (a database whose record of migrations is behind
// its tables).
func addDismissalPath(ctx context.Context, x execer, d dialect) error {
	for _, col := range []struct{ name, def string }{
		{"path", "TEXT NOT NULL DEFAULT ''"},
		{"line", "BIGINT NOT NULL DEFAULT 0"},
	} {
		q := `SELECT count(*) FROM pragma_table_info('reviewer_dismissals') WHERE name = $1`
		if d == dialectPostgres {
			q = `SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()
				AND table_name = 'reviewer_dismissals' AND column_name = $1`
		}
		var n int
		if err := x.queryRow(ctx, q, col.name).Scan(&n); err != nil {
			return fmt.Errorf("add dismissal %s: %w", col.name, err)
		}
		if n > 0 {
			continue
		}
		if _, err := x.exec(ctx, `ALTER TABLE reviewer_dismissals ADD COLUMN `+col.name+` `+col.def); err != nil {
			return fmt.Errorf("add dismissal %s: %w", col.name, err)
		}
	}
	return nil
}

// Dismiss records d. A second dismissal of one finding on one change by the same
// person replaces the first (their latest words count). At is set to now when zero.
func (q *Queue) Dismiss(ctx context.Context, d Dismissal) error {
	if d.Forge == "" || d.Repo == "" || d.Change <= 0 || d.Fingerprint == "" || d.Who == "" {
		return fmt.Errorf("dismiss: incomplete dismissal of %q on %s:%s!%d by %q", d.Fingerprint, d.Forge, d.Repo, d.Change, d.Who)
	}
	if d.At.IsZero() {
		d.At = q.now()
	}
	words := d.Words
	if len(words) > MaxDismissalWords {
		n := MaxDismissalWords
		for n > 0 && words[n]&0xC0 == 0x80 {
			n--
		}
		words = words[:n]
	}
	if _, err := q.eng.pool().exec(ctx, `INSERT INTO reviewer_dismissals
		(forge, repo, change_number, fingerprint, rule_id, thread, who, words, created_ms, for_learning, path, line)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (forge, repo, change_number, fingerprint, who) DO UPDATE SET
		rule_id = excluded.rule_id, thread = excluded.thread, words = excluded.words,
		created_ms = excluded.created_ms, for_learning = excluded.for_learning, path = excluded.path, line = excluded.line`,
		d.Forge, d.Repo, d.Change, d.Fingerprint, d.RuleID, d.Thread, d.Who, words, d.At.UnixMilli(), d.ForLearning, d.Path, d.Line); err != nil {
		return fmt.Errorf("dismiss %s on %s:%s!%d: %w", d.Fingerprint, d.Forge, d.Repo, d.Change, err)
	}
	return nil
}

// DismissalFilter selects dismissals; empty fields select all.
type DismissalFilter struct {
	Forge, Repo string
	// Change, when not 0, selects one change's.
	Change int
}

// Dismissals lists the dismissals f selects, oldest first.
func (q *Queue) Dismissals(ctx context.Context, f DismissalFilter) ([]Dismissal, error) {
	rows, err := q.eng.pool().query(ctx, `SELECT forge, repo, change_number, fingerprint, rule_id, thread, who, words,
		created_ms, for_learning, path, line FROM reviewer_dismissals
		WHERE ($1 = '' OR forge = $1) AND ($2 = '' OR repo = $2) AND ($3 = 0 OR change_number = $3)
		ORDER BY created_ms, forge, repo, change_number, fingerprint, who`, f.Forge, f.Repo, f.Change)
	if err != nil {
		return nil, fmt.Errorf("list dismissals: %w", err)
	}
	defer rows.Close()
	var out []Dismissal
	for rows.Next() {
		var (
			d  Dismissal
			ms int64
		)
		if err := rows.Scan(&d.Forge, &d.Repo, &d.Change, &d.Fingerprint, &d.RuleID, &d.Thread, &d.Who, &d.Words,
			&ms, &d.ForLearning, &d.Path, &d.Line); err != nil {
			return nil, fmt.Errorf("list dismissals: %w", err)
		}
		d.At = time.UnixMilli(ms).UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list dismissals: %w", err)
	}
	return out, nil
}
