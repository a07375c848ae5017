package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func historyCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "history",
		Short: "List the reviews reviewer serve ran: outcome, files, findings, tokens and cost",
		Long: `List the review attempts reviewer serve recorded in its queue database (queue.url), newest
first: the change and head, what triggered it, the outcome (and why, when it was not
reviewed), files by outcome, findings posted and kept, model requests, tokens, cost and
time. Reviews older than history.max_age are pruned.

It reads beside a running service, on SQLite as on PostgreSQL, and changes nothing.
--format json prints {"reviews": [...]}, one object per attempt (see README.md,
"Review history").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return history(cmd.Context(), cmd, e)
		},
	}
	fl := cmd.Flags()
	fl.String("queue-url", "", "sqlite:///path/reviewer.db or postgres://... (queue.url)")
	fl.String("forge", "", "only reviews of this forge (github or gitlab)")
	fl.String("repo", "", "only reviews of this repository (owner/name, or GitLab's full path)")
	fl.Int("change", 0, "only reviews of this pull or merge request number (with --repo: one change over time)")
	fl.String("since", "", "only reviews that finished since: a duration back from now (24h, 7d) or a date (2026-01-02, RFC 3339)")
	fl.Bool("failed", false, "only failed attempts, retried or not")
	fl.Int("limit", 50, "at most this many reviews, newest first")
	fl.String("format", "text", "text (a table) or json")
	return cmd
}

var historyBind = map[string]string{
	"queue.url": "queue-url",
}

func history(ctx context.Context, cmd *cobra.Command, e env) error {
	c, err := config(cmd, e, historyBind)
	if err != nil {
		return err
	}
	fl := cmd.Flags()
	var f queue.Filter
	f.Forge, _ = fl.GetString("forge")
	f.Repo, _ = fl.GetString("repo")
	f.Change, _ = fl.GetInt("change")
	f.Failed, _ = fl.GetBool("failed")
	f.Limit, _ = fl.GetInt("limit")
	format, _ := fl.GetString("format")
	since, _ := fl.GetString("since")
	var errs []error
	if since != "" {
		if f.Since, err = parseSince(since, time.Now()); err != nil {
			errs = append(errs, fmt.Errorf("--since: %w", err))
		}
	}
	if f.Limit < 1 {
		errs = append(errs, fmt.Errorf("--limit: %d; at least 1", f.Limit))
	}
	if f.Change < 0 {
		errs = append(errs, fmt.Errorf("--change: %d is not a change number", f.Change))
	}
	if format != "text" && format != "json" {
		errs = append(errs, fmt.Errorf("--format: %q; want text or json", format))
	}
	if f.Forge != "" && f.Forge != "github" && f.Forge != "gitlab" {
		errs = append(errs, fmt.Errorf("--forge: %q; want github or gitlab", f.Forge))
	}
	if err := errors.Join(errs...); err != nil {
		return usageError(err)
	}
	h, err := queue.OpenHistory(ctx, c.Queue.URL)
	if err != nil {
		return usageError(fmt.Errorf("queue.url: %w", err))
	}
	defer h.Close()
	reviews, err := h.List(ctx, f)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeHistoryJSON(e.stdout, reviews)
	}
	return writeHistoryTable(e.stdout, reviews)
}

// parseSince reads --since: a duration back from now (Go's, or whole days as "7d"), a
// date (UTC midnight), or an RFC 3339 time.
func parseSince(s string, now time.Time) (time.Time, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n >= 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("%q is negative", s)
		}
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a duration (24h, 7d) nor a date (2026-01-02, or RFC 3339)", s)
}

// writeHistoryJSON prints the reviews as {"reviews": [...]}: an empty list, not null,
// when there are none.
func writeHistoryJSON(w io.Writer, reviews []queue.Review) error {
	if reviews == nil {
		reviews = []queue.Review{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Reviews []queue.Review `json:"reviews"`
	}{reviews})
}

// writeHistoryTable prints the reviews as a table. The repository, head, trigger and
// reason are hostile (a repository's name is its owner's choice): they are made
// terminal-safe, and cut to a width.
func writeHistoryTable(w io.Writer, reviews []queue.Review) error {
	if len(reviews) == 0 {
		_, err := fmt.Fprintln(w, "no reviews recorded")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FINISHED (UTC)\tFORGE\tREPO\tCHANGE\tHEAD\tTRIGGER\tTIER\tATTEMPT\tOUTCOME\tFILES R/S/F/E/U\tFOUND\tPOSTED\tKEPT\tTOKENS\tCOST\tTOOK\tREASON")
	for _, r := range reviews {
		head := r.HeadSHA
		if len(head) > 10 {
			head = head[:10]
		}
		reason := r.Reason
		if r.ErrorKind != "" {
			reason = r.ErrorKind + ": " + reason
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t%d/%d/%d/%d/%d\t%d\t%d\t%d\t%d\t$%.4f\t%s\t%s\n",
			r.Finished.UTC().Format("2006-01-02 15:04:05"), cell(r.Forge, 8), cell(r.Repo, 60), r.Change,
			cell(head, 10), cell(r.Trigger, 10), cell(r.Tier, 10), r.Attempt, cell(r.Outcome, 12),
			r.Files.Reviewed, r.Files.Skipped, r.Files.Filtered+r.Files.Withheld, r.Files.Failed, r.Files.Unseen,
			r.Findings, r.Posted, r.Kept, r.PromptTokens+r.CompletionTokens, r.CostUSD,
			(time.Duration(r.DurationMS) * time.Millisecond).Round(100*time.Millisecond), cell(reason, 100))
	}
	return tw.Flush()
}

// cell is hostile text made safe for a table cell, "-" when nothing is left.
func cell(s string, maxRunes int) string {
	if s = termSafe(s, maxRunes); s == "" {
		return "-"
	}
	return s
}

// termSafe makes hostile text safe to print on a terminal, in one table cell: escape
// sequences (CSI, OSC and the rest) are dropped whole, other control characters
// (tab and line ends included) and the bidirectional overrides that make text read
// other than it is are dropped, invalid UTF-8 is replaced, and the text is cut to max
// runes.
func termSafe(s string, maxRunes int) string {
	var (
		b strings.Builder
		n int
	)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b:
			i += escapeSeq(s[i:])
			continue
		case r == 0x9b: // C1 CSI
			i += size + csiBody(s[i+size:])
			continue
		case r == utf8.RuneError && size == 1:
			r = '\uFFFD'
		case unicode.IsControl(r), r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069',
			r == '\u2028', r == '\u2029', r == '\u200E', r == '\u200F':
			i += size
			continue
		}
		if n == maxRunes {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
		i += size
	}
	return b.String()
}

// escapeSeq returns the length of the escape sequence at the start of s, which starts
// with ESC: CSI (ESC [ ... final byte), OSC, DCS and the like (ESC ] ... BEL or ESC \),
// or ESC and the one character after it.
func escapeSeq(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiBody(s[2:])
	case ']', 'P', 'X', '^', '_':
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	}
	_, size := utf8.DecodeRuneInString(s[1:])
	return 1 + size
}

// csiBody returns the length of a CSI sequence's parameters and final byte.
func csiBody(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
		if s[i] < 0x20 || s[i] > 0x7e {
			return i // not a CSI after all: stop before it
		}
	}
	return len(s)
}
