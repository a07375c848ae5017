package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

const (
	// maxListedFiles is how many files GitHub's pull request files API lists at most.
	maxListedFiles = 3000
	// reasonTooLarge is the ledger reason for a file GitHub lists without a patch.
	reasonTooLarge = "too large for GitHub's diff API"
)

// Diff returns the pull request's unified diff. See DiffWithGaps.
func (cl *Client) Diff(ctx context.Context, c reviewer.Change) ([]byte, error) {
	d, _, err := cl.DiffWithGaps(ctx, c)
	return d, err
}

// DiffWithGaps returns the pull request's unified diff, and the files it could not
// give a patch for.
//
// It asks for the diff media type first. GitHub answers 406 when the diff is too large
// for it (over 300 files or 20,000 lines); the diff is then rebuilt from the paginated
// files API, whose per-file patches GitHub still serves, up to 3000 files. A file listed
// without a patch (too large even there) is returned as a gap, skipped.
//
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#get-a-pull-request
// GitHub API docs: https://docs.github.com/rest/pulls/pulls#list-pull-requests-files
func (cl *Client) DiffWithGaps(ctx context.Context, c reviewer.Change) ([]byte, []reviewer.FileCoverage, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return nil, nil, err
	}
	raw, _, err := cl.gh.PullRequests.GetRaw(ctx, owner, name, c.Number, github.RawOptions{Type: github.Diff})
	if err == nil {
		return []byte(raw), nil, nil
	}
	if statusOf(err) != http.StatusNotAcceptable {
		return nil, nil, mapError(fmt.Sprintf("get diff of pull request %d", c.Number), err)
	}
	files, err := cl.listFiles(ctx, owner, name, c.Number)
	if err != nil {
		return nil, nil, err
	}
	d, gaps := synthesizeDiff(files)
	return d, gaps, nil
}

func (cl *Client) listFiles(ctx context.Context, owner, name string, number int) ([]*github.CommitFile, error) {
	var all []*github.CommitFile
	opts := &github.ListOptions{PerPage: perPage}
	for {
		files, resp, err := cl.gh.PullRequests.ListFiles(ctx, owner, name, number, opts)
		if err != nil {
			return nil, mapError(fmt.Sprintf("list files of pull request %d", number), err)
		}
		all = append(all, files...)
		if resp.NextPage == 0 || len(all) >= maxListedFiles {
			return all, nil
		}
		opts.Page = resp.NextPage
	}
}

// emptyBlob is git's id of the empty file.
const emptyBlob = "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"

// synthesizeDiff writes the files API's entries as a git diff, with the headers git
// would write (renames, copies, added and removed files), and returns the files that
// have no patch as gaps. File modes are not in the files API: added and removed files
// get 100644, which only the ledger's "mode" detail could notice.
func synthesizeDiff(files []*github.CommitFile) ([]byte, []reviewer.FileCoverage) {
	var (
		b    strings.Builder
		gaps []reviewer.FileCoverage
	)
	for _, f := range files {
		path := f.GetFilename()
		old := f.GetPreviousFilename()
		if old == "" {
			old = path
		}
		status := f.GetStatus()
		patch := f.GetPatch()
		if patch == "" && !headerOnly(status, f.GetChanges()) {
			gaps = append(gaps, reviewer.FileCoverage{Path: path, Outcome: reviewer.OutcomeSkipped, Reason: reasonTooLarge})
			continue
		}
		fmt.Fprintf(&b, "diff --git %s %s\n", diff.QuotePath("a/"+old), diff.QuotePath("b/"+path))
		minus, plus := diff.QuotePath("a/"+old), diff.QuotePath("b/"+path)
		switch status {
		case "added":
			b.WriteString("new file mode 100644\n")
			minus = "/dev/null"
		case "removed":
			b.WriteString("deleted file mode 100644\n")
			plus = "/dev/null"
		case "renamed":
			fmt.Fprintf(&b, "rename from %s\nrename to %s\n", diff.QuotePath(old), diff.QuotePath(path))
		case "copied":
			fmt.Fprintf(&b, "copy from %s\ncopy to %s\n", diff.QuotePath(old), diff.QuotePath(path))
		}
		if patch == "" {
			if status == "added" && f.GetSHA() != "" && f.GetSHA() != emptyBlob {
				// An added file with content but no patch and no changed lines is
				// binary: git's diff would say so, and the review judges a binary
				// file by its kind, where an empty one holds nothing.
				fmt.Fprintf(&b, "Binary files /dev/null and %s differ\n", plus)
			}
			continue
		}
		fmt.Fprintf(&b, "--- %s\n+++ %s\n", minus, plus)
		b.WriteString(patch)
		if !strings.HasSuffix(patch, "\n") {
			b.WriteByte('\n')
		}
	}
	if len(files) >= maxListedFiles {
		gaps = append(gaps, reviewer.FileCoverage{
			Path:    "*",
			Outcome: reviewer.OutcomeSkipped,
			Reason:  "GitHub lists at most 3000 files of a pull request; files beyond were not reviewed",
		})
	}
	return []byte(b.String()), gaps
}

// headerOnly reports whether a file without a patch is still fully described by its
// git headers: an empty file added or removed, or a rename or copy without changes.
func headerOnly(status string, changes int) bool {
	switch status {
	case "added", "removed", "renamed", "copied":
		return changes == 0
	}
	return false
}
