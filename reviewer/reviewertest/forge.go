// Package reviewertest holds in-memory fakes of the core's interfaces, in the style of
// httptest, for tests of the pipeline and of the entry points that drive it.
package reviewertest

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
)

// Forge is an in-memory forge holding one change: its diff, the files of its base
// revision, and everything the bot posts on it. It implements every forge interface of
// the reviewer package and is safe for concurrent use.
type Forge struct {
	mu sync.Mutex

	// Change is what ReadChange returns (Forge, Repo and Number are kept from the
	// request).
	Change reviewer.Change
	// Patch is the change's unified diff.
	Patch []byte
	// Files are the repository's files at the base revision.
	Files fstest.MapFS
	// HeadNow is what Head returns; "" means Change.HeadSHA.
	HeadNow string
	// Reject makes Post refuse comments on these lines of these paths ("path:line").
	Reject map[string]string
	// Style is the suggestion syntax the forge reports.
	Style reviewer.SuggestionStyle
	// Interdiffs are what Compare answers, by "from..to"; a missing pair is a head that
	// is gone (reviewer.ErrNotFound), as after a force-push.
	Interdiffs map[string][]byte

	// Comments are the inline comments posted so far, in order, with their state.
	Comments []Posted
	// Batches counts Post calls that posted something (reviews, bulk publishes).
	Batches int
	// Summary is the summary comment's body, "" when there is none; SummaryWrites counts
	// its creations and edits.
	Summary       string
	SummaryWrites int
	// Statuses are the commit statuses set, in order.
	Statuses []Status
	calls    int64
}

// Posted is an inline comment on the fake forge.
type Posted struct {
	reviewer.Comment
	Resolved bool
	Replied  bool
}

// Status is a commit status set on the fake forge.
type Status struct {
	SHA         string
	State       reviewer.StatusState
	Description string
}

var (
	_ reviewer.DiffSource    = (*Forge)(nil)
	_ reviewer.ChangeReader  = (*Forge)(nil)
	_ reviewer.TreeReader    = (*Forge)(nil)
	_ reviewer.Poster        = (*Forge)(nil)
	_ reviewer.CommentLister = (*Forge)(nil)
	_ reviewer.Summarizer    = (*Forge)(nil)
	_ reviewer.StatusSetter  = (*Forge)(nil)
	_ reviewer.Resolver      = (*Forge)(nil)
	_ reviewer.HeadReader    = (*Forge)(nil)
	_ reviewer.CallCounter   = (*Forge)(nil)
	_ reviewer.Comparer      = (*Forge)(nil)
)

// Compare implements reviewer.Comparer.
func (f *Forge) Compare(_ context.Context, _ reviewer.Change, from, to string) ([]byte, error) {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	d, ok := f.Interdiffs[from+".."+to]
	if !ok {
		return nil, fmt.Errorf("compare %s..%s: %w", from, to, reviewer.ErrNotFound)
	}
	return d, nil
}

func (f *Forge) call() {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
}

// ReadChange implements reviewer.ChangeReader.
func (f *Forge) ReadChange(_ context.Context, c reviewer.Change) (reviewer.Change, error) {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.Change
	out.Forge, out.Repo, out.Number = c.Forge, c.Repo, c.Number
	return out, nil
}

// Diff implements reviewer.DiffSource.
func (f *Forge) Diff(context.Context, reviewer.Change) ([]byte, error) {
	f.call()
	return f.Patch, nil
}

// Tree implements reviewer.TreeReader: the base files, whatever the revision.
func (f *Forge) Tree(_ context.Context, _ reviewer.Change, _ string, paths []string) (fs.FS, error) {
	f.call()
	out := fstest.MapFS{}
	for name, file := range f.Files {
		for _, p := range paths {
			if name == p || len(name) > len(p) && name[:len(p)+1] == p+"/" {
				out[name] = file
			}
		}
	}
	return out, nil
}

// Post implements reviewer.Poster.
func (f *Forge) Post(_ context.Context, _ reviewer.Change, comments []reviewer.Comment) ([]reviewer.Rejected, error) {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	var rejected []reviewer.Rejected
	n := 0
	for _, c := range comments {
		if why, ok := f.Reject[fmt.Sprintf("%s:%d", c.Finding.Path, c.Finding.Line)]; ok {
			rejected = append(rejected, reviewer.Rejected{Comment: c, Reason: why})
			continue
		}
		f.Comments = append(f.Comments, Posted{Comment: c})
		n++
	}
	if n > 0 {
		f.Batches++
	}
	return rejected, nil
}

// Suggestions implements reviewer.Poster.
func (f *Forge) Suggestions() reviewer.SuggestionStyle { return f.Style }

// ListComments implements reviewer.CommentLister.
func (f *Forge) ListComments(context.Context, reviewer.Change) ([]reviewer.PostedComment, error) {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []reviewer.PostedComment
	for i, c := range f.Comments {
		fp, ok := reviewer.ParseMarker(c.Body)
		if !ok {
			continue
		}
		pc := reviewer.PostedComment{ID: fmt.Sprint(i), Fingerprint: fp, Path: c.Finding.Path, Line: c.Finding.Line, Resolved: c.Resolved, Replied: c.Replied}
		pc.Severity, pc.HasSeverity = reviewer.ParseMarkerSeverity(c.Body)
		pc.Body, pc.RuleID = c.Body, reviewer.ParseCommentRule(c.Body)
		out = append(out, pc)
	}
	return out, nil
}

// FindSummary implements reviewer.Summarizer.
func (f *Forge) FindSummary(context.Context, reviewer.Change) (*reviewer.PostedSummary, error) {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	if !reviewer.IsSummary(f.Summary) {
		return nil, nil
	}
	return &reviewer.PostedSummary{ID: "summary", Body: f.Summary}, nil
}

// WriteSummary implements reviewer.Summarizer.
func (f *Forge) WriteSummary(_ context.Context, _ reviewer.Change, id, body string) error {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	if id == "" && f.Summary != "" {
		return fmt.Errorf("a second summary would be created")
	}
	f.Summary = body
	f.SummaryWrites++
	return nil
}

// SetStatus implements reviewer.StatusSetter.
func (f *Forge) SetStatus(_ context.Context, c reviewer.Change, state reviewer.StatusState, desc string) error {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Statuses = append(f.Statuses, Status{SHA: c.HeadSHA, State: state, Description: desc})
	return nil
}

// Resolve implements reviewer.Resolver.
func (f *Forge) Resolve(_ context.Context, _ reviewer.Change, p reviewer.PostedComment) error {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	var i int
	if _, err := fmt.Sscan(p.ID, &i); err != nil || i < 0 || i >= len(f.Comments) {
		return fmt.Errorf("no comment %q", p.ID)
	}
	f.Comments[i].Resolved = true
	return nil
}

// Head implements reviewer.HeadReader.
func (f *Forge) Head(context.Context, reviewer.Change) (string, error) {
	f.call()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.HeadNow != "" {
		return f.HeadNow, nil
	}
	return f.Change.HeadSHA, nil
}

// APICalls implements reviewer.CallCounter.
func (f *Forge) APICalls() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}
