package reviewer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// since is the part of a change that is new since a previous review: the new-file lines
// each file added after the head that review covered.
type since struct {
	head  string
	lines map[string]map[int]bool
	// whole are the files that moved since head (renamed or copied): that review judged
	// them under their old path, which may have left them out (vendored, withheld,
	// ignored), so they are shown whole.
	whole map[string]bool
}

// changedSince finds the head the last published review covered (its summary says) and
// what changed after it, so the model sees only that. It returns nil, for a review of the
// whole change, when there was no earlier review, when the forge can not compare commits,
// or when the earlier head is gone (a force-push). The head is trusted only when the
// summary's seal verifies under the configured key: whoever names the head decides what
// the model never sees, so a head anyone else could have written (or none sealed, under
// the zero key) means a whole review.
func (r *Reviewer) changedSince(ctx context.Context, c Change, summaries *summaryLookup, log *slog.Logger) (*since, error) {
	if r.opts.Model == nil || c.HeadSHA == "" || r.opts.Publish.Seal.IsZero() {
		return nil, nil
	}
	var (
		sum Summarizer
		cmp Comparer
	)
	for _, v := range []any{r.opts.Forge, r.diffs} {
		if s, ok := v.(Summarizer); ok && sum == nil {
			sum = s
		}
		if cp, ok := v.(Comparer); ok && cmp == nil {
			cmp = cp
		}
	}
	if sum == nil || cmp == nil {
		return nil, nil
	}
	posted, err := summaries.find(ctx, sum, c)
	if err != nil {
		return nil, fmt.Errorf("find summary: %w", err)
	}
	if posted == nil {
		return nil, nil
	}
	last, ok := SummaryHead(c, posted.Body, r.opts.Publish.Seal)
	if !ok {
		log.DebugContext(ctx, "whole change reviewed: the summary names no head sealed under this key")
		return nil, nil
	}
	s := &since{head: last, lines: map[string]map[int]bool{}, whole: map[string]bool{}}
	if last == c.HeadSHA {
		return s, nil // reviewed already: nothing is new
	}
	raw, err := cmp.Compare(ctx, c, last, c.HeadSHA)
	switch {
	case errors.Is(err, ErrNotFound) || errors.Is(err, ErrTooLarge):
		log.InfoContext(ctx, "whole change reviewed", slog.String("previous_head", last), slog.String("reason", err.Error()))
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("compare %s..%s: %w", short(last), short(c.HeadSHA), err)
	}
	files, err := diff.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("compare %s..%s: %w", short(last), short(c.HeadSHA), err)
	}
	for _, f := range files {
		if f.OldPath != "" && f.NewPath != "" && f.OldPath != f.NewPath {
			s.whole[f.NewPath] = true
		}
		set := map[int]bool{}
		for hi := range f.Hunks {
			for _, l := range f.Hunks[hi].Lines {
				if l.Kind == diff.Added {
					set[l.NewLine] = true
				}
			}
		}
		if len(set) > 0 {
			s.lines[f.Path()] = set
		}
	}
	return s, nil
}

// narrow keeps the hunks of f that hold a line added since s.head; nil when none does. A
// file that moved since s.head is kept whole.
func (s *since) narrow(f *diff.File) *diff.File {
	if s.whole[f.Path()] {
		return f
	}
	set := s.lines[f.Path()]
	if len(set) == 0 {
		return nil
	}
	var keep []diff.Hunk
	for _, h := range f.Hunks {
		for _, l := range h.Lines {
			if l.Kind == diff.Added && set[l.NewLine] {
				keep = append(keep, h)
				break
			}
		}
	}
	if len(keep) == 0 {
		return nil
	}
	if len(keep) == len(f.Hunks) {
		return f
	}
	c := *f
	c.Hunks = keep
	return &c
}

// summaryLookup remembers the summary comment found once in a review, so the incremental
// check and the publish step do not both list the change's comments to find it.
type summaryLookup struct {
	from  Summarizer
	found *PostedSummary
}

func (l *summaryLookup) find(ctx context.Context, s Summarizer, c Change) (*PostedSummary, error) {
	// Only a comparable Summarizer (in practice a pointer to a client) can be recognised.
	if l.from != nil && reflect.TypeOf(s).Comparable() && l.from == s {
		return l.found, nil
	}
	found, err := s.FindSummary(ctx, c)
	if err != nil {
		return nil, err
	}
	l.from, l.found = s, found
	return found, nil
}
