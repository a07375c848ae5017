package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// Compare returns the diff from commit from to commit to in the change's project, as a
// unified git diff synthesized like DiffWithGaps's. from must be an ancestor of to: the
// merge base of the two is read first, and when it is not from (a force-push rewrote the
// history from was on) or GitLab knows no such commit, the error wraps reviewer.ErrNotFound
// and the caller reviews the whole change instead. The comparison is straight (from..to,
// not from...to), which for an ancestor is the same diff without a second merge-base walk.
//
// Files GitLab lists without a diff because they have no changed lines (renames and mode
// changes only, empty files) are left out. A file GitLab found too large or collapsed is
// not: its changed lines are not known, and leaving it out would tell the caller, which
// shows the model only the lines the comparison added, that none were, though the change's
// own diff may show them (a 150 KB file replaced by 100 KB of new code is a 250 KB
// comparison). Compare then returns an error wrapping reviewer.ErrTooLarge, as it does when
// GitLab cut the comparison at its diff limits (compare_timeout): the caller reviews the
// whole change. client-go's Diff drops the too_large and collapsed flags, so the answer is
// read into compareAnswer.
//
// GitLab API: https://docs.gitlab.com/api/repositories/#merge-base and
// https://docs.gitlab.com/api/repositories/#compare-branches-tags-or-commits
func (c *Client) Compare(ctx context.Context, ch reviewer.Change, from, to string) ([]byte, error) {
	if ch.Repo == "" {
		return nil, errors.New("compare: change has no project")
	}
	if from == "" || to == "" {
		return nil, fmt.Errorf("compare %q..%q: want two commits", from, to)
	}
	if err := c.checkAncestor(ctx, ch, from, to); err != nil {
		return nil, err
	}
	var cmp compareAnswer
	opt := &gl.CompareOptions{From: gl.Ptr(from), To: gl.Ptr(to), Straight: gl.Ptr(true)}
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		cmp = compareAnswer{}
		req, err := c.api.NewRequest(http.MethodGet, "projects/"+gl.PathEscape(ch.Repo)+"/repository/compare", opt, o)
		if err != nil {
			return nil, err
		}
		return c.api.Do(req, &cmp)
	})
	if err != nil {
		return nil, fmt.Errorf("compare %s..%s: %w", short(from), short(to), err)
	}
	if cmp.CompareTimeout {
		return nil, fmt.Errorf("compare %s..%s: gitlab cut the diff at its limits", short(from), short(to))
	}
	entries := make([]*gl.MergeRequestDiff, 0, len(cmp.Diffs))
	for _, d := range cmp.Diffs {
		if d == nil {
			continue
		}
		if d.Diff == "" && (d.TooLarge || d.Collapsed) && !d.DeletedFile {
			// What changed in this file is not known: leaving it out would pass its new
			// lines as reviewed before, though the change's own diff may well show them.
			return nil, fmt.Errorf("compare %s..%s: %w: gitlab gives no diff of %s (too large or collapsed)",
				short(from), short(to), reviewer.ErrTooLarge, d.NewPath)
		}
		if d.Diff == "" {
			continue
		}
		entries = append(entries, &gl.MergeRequestDiff{
			OldPath: d.OldPath, NewPath: d.NewPath, AMode: d.AMode, BMode: d.BMode, Diff: d.Diff,
			NewFile: d.NewFile, RenamedFile: d.RenamedFile, DeletedFile: d.DeletedFile,
		})
	}
	out, _ := synthesize(entries) // no gaps: entries without a diff are already left out
	if _, err := diff.Parse(out); err != nil {
		return nil, fmt.Errorf("gitlab compare diff: %w", err)
	}
	return out, nil
}

// compareAnswer is the part of GitLab's compare answer Compare reads.
type compareAnswer struct {
	Diffs []*struct {
		Diff        string `json:"diff"`
		OldPath     string `json:"old_path"`
		NewPath     string `json:"new_path"`
		AMode       string `json:"a_mode"`
		BMode       string `json:"b_mode"`
		NewFile     bool   `json:"new_file"`
		RenamedFile bool   `json:"renamed_file"`
		DeletedFile bool   `json:"deleted_file"`
		TooLarge    bool   `json:"too_large"`
		Collapsed   bool   `json:"collapsed"`
	} `json:"diffs"`
	CompareTimeout bool `json:"compare_timeout"`
}

// checkAncestor returns nil when from is an ancestor of to (or to itself), and an error
// wrapping reviewer.ErrNotFound when it is not, when the two share no history (GitLab
// answers 404) or when GitLab knows no such commit (it answers 400 "Could not find ref").
func (c *Client) checkAncestor(ctx context.Context, ch reviewer.Change, from, to string) error {
	var base *gl.Commit
	refs := []string{from, to}
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		base, r, err = c.api.Repositories.MergeBase(ch.Repo, &gl.MergeBaseOptions{Ref: &refs}, o...)
		return r, err
	})
	switch {
	case err == nil:
	case unknownRef(err):
		return fmt.Errorf("merge base of %s and %s: %w: %w", short(from), short(to), reviewer.ErrNotFound, err)
	default:
		return fmt.Errorf("merge base of %s and %s: %w", short(from), short(to), err)
	}
	if base == nil || !strings.EqualFold(base.ID, from) {
		return fmt.Errorf("commit %s is not an ancestor of the head %s (force-push): %w", short(from), short(to), reviewer.ErrNotFound)
	}
	return nil
}

// unknownRef reports whether GitLab refused a merge base because it does not know one of
// the refs: a 400, not a 404, whose message names them.
func unknownRef(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.status == http.StatusBadRequest && strings.Contains(se.msg, "Could not find ref")
}
