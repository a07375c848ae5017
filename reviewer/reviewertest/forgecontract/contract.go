// Package forgecontract is the contract every forge adapter keeps: the same behaviours,
// run by Run against an adapter over a fresh fake forge (reviewertest/fakegithub,
// fakegitlab), so that what one adapter does the other does too. A forge's own test calls
// Run with a Harness that builds its adapter and reads back what its fake holds.
package forgecontract

import (
	"embed"
	"slices"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

//go:embed testdata
var testdata embed.FS

// Adapter is what a forge adapter offers the pipeline.
type Adapter interface {
	reviewer.DiffSource
	reviewer.ChangeReader
	reviewer.TreeReader
	reviewer.Poster
	reviewer.CommentLister
	reviewer.Summarizer
	reviewer.StatusSetter
	reviewer.HeadReader
}

// Comment is an inline comment as the fake forge holds it.
type Comment struct {
	Path string
	// Line is the line commented on (the last of a range), on Side "new" or "old".
	Line int
	Side string
	Body string
	// Bot says the bot wrote it.
	Bot bool
	// Resolved says the thread is resolved (GitLab) or outdated (GitHub): closed.
	Resolved bool
}

// Status is a commit status as the fake forge holds it, State in the forge's words.
type Status struct {
	SHA, State string
}

// Fake is the suite's view of the fake forge under the adapter.
type Fake interface {
	// Push makes rev the change's head.
	Push(rev fakeforge.Rev)
	// Comments are the inline comments on the change, the bot's and others'.
	Comments() []Comment
	// Summaries are the bodies of the comments holding the summary marker.
	Summaries() []string
	// Statuses are the commit statuses set, in order.
	Statuses() []Status
	// AddComment adds a comment by a person on new line line of path.
	AddComment(path string, line int, body string)
	// RejectLine makes the forge refuse comments on new line line of path.
	RejectLine(path string, line int)
	// RateLimitNext makes the forge answer the next read of the change with a rate
	// limit, to be retried after a second.
	RateLimitNext()
	// ChangeReads counts the reads of the change (JSON, not its diff) so far.
	ChangeReads() int
	// MoveHeadOnRead pushes rev when the change is read for the n-th time, before the
	// answer.
	MoveHeadOnRead(n int, rev fakeforge.Rev)
}

// Harness builds an adapter over a fresh fake forge.
type Harness struct {
	// Start starts a fake forge holding one change at rev and returns an adapter of it
	// whose retries do not wait, the change as a request names it (forge, repo, number),
	// and the fake.
	Start func(t *testing.T, rev fakeforge.Rev) (Adapter, reviewer.Change, Fake)
}

// The commits of the change (testdata/, the scratch repository of the command's
// end-to-end tests): the first head, and a fix on a rebased base.
const (
	base1 = "45c7cfb8cf397a545392b0019f6d6ef712ca9971"
	start = "234d194e57d10a6e91b7c77c8d9f8807e26a24de"
	head1 = "ad8ce15e38e1272dc4c167e649a15d47b31cde97"
	base3 = "1d6fff2dd86ab36e5d57199f6d5b278144cafa75"
	head3 = "250799d1ebb23c5ac62b6c3d36e4a7b89f4a7f24"
	path  = "app/client.py"
)

// V1 is the change's first head: it turns TLS verification off (new line 5 of
// app/client.py), drops a host check (old line 5), keeps def total (old 9, new 8) and
// calls eval (new line 16).
func V1(t testing.TB) fakeforge.Rev { return rev(t, "change.v1.diff", base1, start, head1) }

// V3 is the fix, rebased: TLS verified again, the loop gone.
func V3(t testing.TB) fakeforge.Rev { return rev(t, "change.v3-fixed.diff", base3, base3, head3) }

func rev(t testing.TB, name, base, start, head string) fakeforge.Rev {
	data, err := testdata.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return fakeforge.Rev{Base: base, Start: start, Head: head, Diff: string(data)}
}

var (
	added       = reviewer.Finding{Path: path, Line: 5, EndLine: 5, Side: reviewer.SideNew, Severity: rules.SeverityError, Message: "TLS verification is off.", Fingerprint: "c0c0c0c0c0c0c001"}
	removed     = reviewer.Finding{Path: path, Line: 5, EndLine: 5, Side: reviewer.SideOld, Severity: rules.SeverityWarning, Message: "The host check is gone.", Fingerprint: "c0c0c0c0c0c0c002"}
	contextLine = reviewer.Finding{Path: path, Line: 8, EndLine: 8, Side: reviewer.SideNew, Severity: rules.SeverityInfo, Message: "total walks the items itself.", Fingerprint: "c0c0c0c0c0c0c003"}
)

// Run runs every behaviour of the contract, each on a fresh fake.
func Run(t *testing.T, h Harness) {
	t.Run("Diff", func(t *testing.T) { testDiff(t, h) })
	t.Run("PostOnAddedRemovedAndContextLines", func(t *testing.T) { testPost(t, h) })
	t.Run("ListsOwnCommentsOnly", func(t *testing.T) { testOwnComments(t, h) })
	t.Run("RepostIsNoOp", func(t *testing.T) { testRepost(t, h) })
	t.Run("SummaryCreatedThenEditedInPlace", func(t *testing.T) { testSummary(t, h) })
	t.Run("Status", func(t *testing.T) { testStatus(t, h) })
	t.Run("FixedFindingResolved", func(t *testing.T) { testResolved(t, h) })
	t.Run("RejectedLineReported", func(t *testing.T) { testRejected(t, h) })
	t.Run("HeadMovedDuringReview", func(t *testing.T) { testHeadMoved(t, h) })
	t.Run("RateLimitRetried", func(t *testing.T) { testRateLimit(t, h) })
}

// read reads the change as the pipeline does before it posts.
func read(t *testing.T, a Adapter, c reviewer.Change) reviewer.Change {
	t.Helper()
	c, err := a.ReadChange(t.Context(), c)
	if err != nil {
		t.Fatalf("ReadChange: %v", err)
	}
	if _, err := a.Diff(t.Context(), c); err != nil {
		t.Fatalf("Diff: %v", err)
	}
	return c
}

func comments(style reviewer.SuggestionStyle, fs ...reviewer.Finding) []reviewer.Comment {
	var out []reviewer.Comment
	for _, f := range fs {
		out = append(out, reviewer.Comment{Finding: f, Body: reviewer.CommentBody(f, style)})
	}
	return out
}

func botComments(f Fake) []Comment {
	var out []Comment
	for _, c := range f.Comments() {
		if c.Bot {
			out = append(out, c)
		}
	}
	return out
}

// review runs the pipeline with the built-in pattern rules and no model: it finds TLS
// verification off and eval on V1, and eval alone on V3.
func review(t *testing.T, a Adapter, c reviewer.Change) reviewer.Result {
	t.Helper()
	rv := reviewer.New(a, reviewer.TreeRules{Tree: a}, reviewer.Options{Forge: a}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: c})
	if err != nil {
		t.Fatalf("Review: %v", err)
	}
	return res
}

func testDiff(t *testing.T, h Harness) {
	t.Parallel()
	a, c, _ := h.Start(t, V1(t))
	got, err := a.ReadChange(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if got.HeadSHA != head1 || got.BaseSHA == "" {
		t.Errorf("ReadChange: head %q, base %q; want head %s and a base", got.HeadSHA, got.BaseSHA, head1)
	}
	d, err := a.Diff(t.Context(), got)
	if err != nil {
		t.Fatal(err)
	}
	files, err := diff.Parse(d)
	if err != nil {
		t.Fatalf("diff.Parse: %v\n%s", err, d)
	}
	want, _ := fakeforge.ParseDiff(V1(t).Diff)
	var gotPaths, wantPaths []string
	for _, f := range files {
		gotPaths = append(gotPaths, f.Path())
	}
	for _, f := range want {
		wantPaths = append(wantPaths, f.NewPath)
	}
	if !slices.Equal(gotPaths, wantPaths) {
		t.Errorf("changed files %q, want %q", gotPaths, wantPaths)
	}
	if !strings.Contains(string(d), "+    return eval(expr)\n") || !strings.Contains(string(d), "-    check_host(url)\n") {
		t.Errorf("the diff lacks the change's added and removed lines:\n%s", d)
	}
}

func testPost(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	c = read(t, a, c)
	rejected, err := a.Post(t.Context(), c, comments(a.Suggestions(), added, removed, contextLine))
	if err != nil || len(rejected) != 0 {
		t.Fatalf("Post: rejected %v, %v", rejected, err)
	}
	type place struct {
		Line int
		Side string
	}
	var got []place
	for _, cm := range botComments(f) {
		if cm.Path != path {
			t.Errorf("comment on %s, want %s", cm.Path, path)
		}
		got = append(got, place{cm.Line, cm.Side})
	}
	want := []place{{5, "new"}, {5, "old"}, {8, "new"}}
	slices.SortFunc(got, func(x, y place) int { return x.Line*10 + len(x.Side) - y.Line*10 - len(y.Side) })
	slices.SortFunc(want, func(x, y place) int { return x.Line*10 + len(x.Side) - y.Line*10 - len(y.Side) })
	if !slices.Equal(got, want) {
		t.Errorf("comments at %v, want %v", got, want)
	}
}

func testOwnComments(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	c = read(t, a, c)
	// A person quotes the bot's marker of a finding the bot never posted.
	f.AddComment(path, 16, "Is this the bot's?\n"+reviewer.Marker("dddddddddddddddd", rules.SeverityError))
	if _, err := a.Post(t.Context(), c, comments(a.Suggestions(), added, removed)); err != nil {
		t.Fatal(err)
	}
	listed, err := a.ListComments(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	var fps []string
	for _, p := range listed {
		fps = append(fps, p.Fingerprint)
	}
	slices.Sort(fps)
	if want := []string{added.Fingerprint, removed.Fingerprint}; !slices.Equal(fps, want) {
		t.Errorf("ListComments fingerprints %q, want the bot's own %q", fps, want)
	}
}

func testRepost(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	first := review(t, a, c)
	if first.Published.Posted != 2 || len(botComments(f)) != 2 {
		t.Fatalf("first review posted %d, the forge holds %d bot comments; want the 2 findings of the pattern rules",
			first.Published.Posted, len(botComments(f)))
	}
	again := review(t, a, c)
	if again.Published.Posted != 0 || again.Published.Kept != 2 {
		t.Errorf("second review posted %d and kept %d, want 0 and 2", again.Published.Posted, again.Published.Kept)
	}
	if n := len(botComments(f)); n != 2 {
		t.Errorf("the forge holds %d bot comments after the re-run, want 2", n)
	}
	if s := f.Summaries(); len(s) != 1 {
		t.Errorf("%d summaries after two reviews, want 1", len(s))
	}
}

func testSummary(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	c = read(t, a, c)
	ctx := t.Context()
	if s, err := a.FindSummary(ctx, c); err != nil || s != nil {
		t.Fatalf("FindSummary on a new change = %v, %v; want none", s, err)
	}
	marker := reviewer.SummaryMarker(c, head1, seal.Key{})
	if err := a.WriteSummary(ctx, c, "", "## reviewer\n\nfirst\n"+marker+"\n"); err != nil {
		t.Fatal(err)
	}
	s, err := a.FindSummary(ctx, c)
	if err != nil || s == nil || !strings.Contains(s.Body, "first") {
		t.Fatalf("FindSummary after writing = %+v, %v; want the summary", s, err)
	}
	if err := a.WriteSummary(ctx, c, s.ID, "## reviewer\n\nsecond\n"+marker+"\n"); err != nil {
		t.Fatal(err)
	}
	got := f.Summaries()
	if len(got) != 1 || !strings.Contains(got[0], "second") {
		t.Errorf("summaries %q, want one, edited to say second", got)
	}
}

func testStatus(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	c = read(t, a, c)
	for _, s := range []reviewer.StatusState{reviewer.StatusPending, reviewer.StatusSuccess} {
		if err := a.SetStatus(t.Context(), c, s, "reviewing"); err != nil {
			t.Fatalf("SetStatus %s: %v", s, err)
		}
	}
	got := f.Statuses()
	want := []Status{{head1, "pending"}, {head1, "success"}}
	if !slices.Equal(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
}

func testResolved(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	review(t, a, c)
	f.Push(V3(t))
	res := review(t, a, c)
	if res.Published.Posted != 0 {
		t.Errorf("the review of the fix posted %d comments, want none", res.Published.Posted)
	}
	listed, err := a.ListComments(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	var open, resolved int
	for _, cm := range botComments(f) {
		if cm.Resolved {
			resolved++
		} else {
			open++
		}
	}
	// The TLS comment's line is fixed; the eval one is still there.
	if resolved != 1 || open != 1 {
		t.Errorf("after the fix the forge holds %d resolved and %d open bot comments, want 1 and 1", resolved, open)
	}
	var listedResolved int
	for _, p := range listed {
		if p.Resolved {
			listedResolved++
		}
	}
	if listedResolved != 1 {
		t.Errorf("ListComments reads %d comments as resolved, want 1: %+v", listedResolved, listed)
	}
}

func testRejected(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	c = read(t, a, c)
	f.RejectLine(path, 5)
	rejected, err := a.Post(t.Context(), c, comments(a.Suggestions(), added, contextLine))
	if err != nil {
		t.Fatalf("Post: %v", err)
	}
	if len(rejected) != 1 || rejected[0].Comment.Finding.Fingerprint != added.Fingerprint {
		t.Errorf("rejected %+v, want the comment on the refused line", rejected)
	}
	got := botComments(f)
	if len(got) != 1 || got[0].Line != 8 {
		t.Errorf("the forge holds %+v, want the comment on line 8 alone", got)
	}
}

func testHeadMoved(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	// The first read is the review's; the second, the check before publishing.
	f.MoveHeadOnRead(2, V3(t))
	res := review(t, a, c)
	if !res.Published.Stale || res.Published.Posted != 0 {
		t.Errorf("published %+v, want stale and nothing posted", res.Published)
	}
	if n := len(f.Comments()); n != 0 {
		t.Errorf("%d comments on a change whose head moved, want none", n)
	}
	if s := f.Summaries(); len(s) != 0 {
		t.Errorf("summaries %q on a change whose head moved, want none", s)
	}
	if s := f.Statuses(); len(s) != 0 {
		t.Errorf("statuses %v on a change whose head moved, want none", s)
	}
}

func testRateLimit(t *testing.T, h Harness) {
	t.Parallel()
	a, c, f := h.Start(t, V1(t))
	f.RateLimitNext()
	got, err := a.ReadChange(t.Context(), c)
	if err != nil {
		t.Fatalf("ReadChange after a rate limit: %v", err)
	}
	if got.HeadSHA != head1 {
		t.Errorf("head %s, want %s", got.HeadSHA, head1)
	}
	if n := f.ChangeReads(); n != 2 {
		t.Errorf("%d reads of the change, want the limited one and its retry", n)
	}
}
