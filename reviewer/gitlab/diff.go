package gitlab

import (
	"context"
	"errors"
	"fmt"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// maxPages bounds a listing, so that a server that keeps announcing a next page cannot keep
// the client busy forever: 1000 pages of 100 is beyond any merge request GitLab will diff.
const maxPages = 1000

// tooLarge is the ledger reason of a file GitLab lists without its diff.
const tooLarge = "too large for GitLab's diff API"

// Diff returns the merge request's diff as a unified git diff. See DiffWithGaps.
func (c *Client) Diff(ctx context.Context, ch reviewer.Change) ([]byte, error) {
	d, _, err := c.DiffWithGaps(ctx, ch)
	return d, err
}

// DiffWithGaps returns the merge request's diff as a unified git diff, synthesized from the
// per-file diffs GitLab gives (a git header, mode, rename and ---/+++ lines, then GitLab's
// hunks), and the files GitLab listed without a diff (too large or collapsed) as gaps, which
// the diff leaves out. A merge request past GitLab's diff limits, whose changes_count
// reads "1000+", lists only the files within them: that is a gap too (path "*"). The parsed diff is kept for Post, which needs each line's number on
// both sides.
//
// GitLab API: https://docs.gitlab.com/api/merge_requests/#list-merge-request-diffs
func (c *Client) DiffWithGaps(ctx context.Context, ch reviewer.Change) ([]byte, []reviewer.FileCoverage, error) {
	out, gaps, err := c.readDiff(ctx, ch)
	if err != nil {
		return nil, nil, err
	}
	s := c.state(ch)
	c.mu.Lock()
	count := s.changesCount
	c.mu.Unlock()
	if count == "" {
		mr, err := c.mergeRequest(ctx, ch)
		if err != nil {
			return nil, nil, err
		}
		count = mr.ChangesCount
	}
	if strings.HasSuffix(count, "+") {
		// GitLab stopped at its diff limits (files, lines or bytes) and lists no file
		// beyond them: code there was not seen.
		gaps = append(gaps, reviewer.FileCoverage{Path: "*", Outcome: reviewer.OutcomeSkipped,
			Reason: "GitLab's diff stops at its limits (changes_count " + count + "); files beyond were not reviewed"})
	}
	return out, gaps, nil
}

// readDiff lists the merge request's diffs, synthesizes them into one diff and keeps it
// parsed for Post.
func (c *Client) readDiff(ctx context.Context, ch reviewer.Change) ([]byte, []reviewer.FileCoverage, error) {
	if err := checkChange(ch); err != nil {
		return nil, nil, err
	}
	var entries []*gl.MergeRequestDiff
	opt := &gl.ListMergeRequestDiffsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	err := c.pages(ctx, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		page, r, err := c.api.MergeRequests.ListMergeRequestDiffs(ch.Repo, int64(ch.Number), opt, o...)
		entries = append(entries, page...)
		return r, err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list merge request diffs: %w", err)
	}
	out, gaps := synthesize(entries)
	files, err := diff.Parse(out)
	if err != nil {
		return nil, nil, fmt.Errorf("gitlab diff: %w", err)
	}
	s := c.state(ch)
	c.mu.Lock()
	s.files = byPath(files)
	c.mu.Unlock()
	for _, e := range entries {
		if e.GeneratedFile {
			c.log.DebugContext(ctx, "gitlab marks file as generated", "path", e.NewPath)
		}
	}
	return out, gaps, nil
}

// parsedDiff returns the parsed diff of ch, reading it when Diff has not been called on ch.
func (c *Client) parsedDiff(ctx context.Context, ch reviewer.Change) (map[string]*diff.File, error) {
	s := c.state(ch)
	c.mu.Lock()
	files := s.files
	c.mu.Unlock()
	if files != nil {
		return files, nil
	}
	if _, _, err := c.readDiff(ctx, ch); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return s.files, nil
}

func byPath(files []*diff.File) map[string]*diff.File {
	m := make(map[string]*diff.File, len(files))
	for _, f := range files {
		if f.OldPath != "" {
			m[f.OldPath] = f
		}
	}
	// New paths win over old ones: a finding names the file as it is after the change.
	for _, f := range files {
		if f.NewPath != "" {
			m[f.NewPath] = f
		}
	}
	return m
}

// pages runs a listing request for every page: GitLab announces the next page in X-Next-Page
// (offset pagination) or in a Link header (keyset pagination); client-go's WithNext reads both.
func (c *Client) pages(ctx context.Context, fn func(o ...gl.RequestOptionFunc) (*gl.Response, error)) error {
	var next gl.RequestOptionFunc
	for range maxPages {
		var resp *gl.Response
		err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			if next != nil {
				o = append(o, next)
			}
			r, err := fn(o...)
			resp = r
			return r, err
		})
		if err != nil {
			return err
		}
		n, ok := gl.WithNext(resp)
		if !ok {
			return nil
		}
		next = n
	}
	return errors.New("listing is longer than 1000 pages")
}

// synthesize writes GitLab's per-file diffs as one git diff. Entries without a diff
// because GitLab found them too large (or collapsed them) are left out and returned as gaps.
func synthesize(entries []*gl.MergeRequestDiff) ([]byte, []reviewer.FileCoverage) {
	var b strings.Builder
	var gaps []reviewer.FileCoverage
	for _, e := range entries {
		body := hunks(e.Diff)
		if body == "" && (e.TooLarge || e.Collapsed) {
			p := e.NewPath
			if e.DeletedFile || p == "" {
				p = e.OldPath
			}
			gaps = append(gaps, reviewer.FileCoverage{Path: p, Outcome: reviewer.OutcomeSkipped, Reason: tooLarge})
			continue
		}
		writeFile(&b, e, body)
	}
	return []byte(b.String()), gaps
}

// hunks returns the hunks of a GitLab file diff, without the ---/+++ lines some GitLab
// versions (and the unidiff option) put before them, and ending in a newline.
func hunks(d string) string {
	if d == "" {
		return ""
	}
	if !strings.HasPrefix(d, "@@") && !strings.HasPrefix(d, "Binary files ") {
		if i := strings.Index(d, "\n@@"); i >= 0 {
			d = d[i+1:]
		} else if i := strings.Index(d, "\nBinary files "); i >= 0 {
			d = d[i+1:]
		}
	}
	if !strings.HasSuffix(d, "\n") {
		d += "\n"
	}
	return d
}

func writeFile(b *strings.Builder, e *gl.MergeRequestDiff, body string) {
	oldPath, newPath := e.OldPath, e.NewPath
	if oldPath == "" {
		oldPath = newPath
	}
	if newPath == "" {
		newPath = oldPath
	}
	b.WriteString("diff --git " + diff.QuotePath("a/"+oldPath) + " " + diff.QuotePath("b/"+newPath) + "\n")
	switch {
	case e.NewFile:
		b.WriteString("new file mode " + mode(e.BMode) + "\n")
	case e.DeletedFile:
		b.WriteString("deleted file mode " + mode(e.AMode) + "\n")
	case e.AMode != e.BMode && realMode(e.AMode) && realMode(e.BMode):
		b.WriteString("old mode " + e.AMode + "\nnew mode " + e.BMode + "\n")
	}
	if e.RenamedFile && oldPath != newPath {
		b.WriteString("rename from " + diff.QuotePath(oldPath) + "\nrename to " + diff.QuotePath(newPath) + "\n")
	}
	if body == "" {
		return
	}
	from, to := "a/"+oldPath, "b/"+newPath
	if e.NewFile {
		from = "/dev/null"
	}
	if e.DeletedFile {
		to = "/dev/null"
	}
	if strings.HasPrefix(body, "Binary files ") {
		b.WriteString("Binary files " + diff.QuotePath(from) + " and " + diff.QuotePath(to) + " differ\n")
		return
	}
	b.WriteString("--- " + headerName(from) + "\n+++ " + headerName(to) + "\n")
	b.WriteString(body)
}

// mode returns a file mode for a new or deleted file's header; GitLab gives "0" for the
// side that does not exist, and older versions nothing.
func mode(m string) string {
	if realMode(m) {
		return m
	}
	return "100644"
}

func realMode(m string) bool { return m != "" && m != "0" }

// headerName writes a ---/+++ file name as git does: quoted when it must be, and followed
// by a tab when it holds a space, so the name's end is unambiguous.
func headerName(name string) string {
	q := diff.QuotePath(name)
	if q == name && strings.Contains(name, " ") {
		return name + "\t"
	}
	return q
}
