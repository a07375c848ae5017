package reviewer_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
)

// headRepo is a diff source that reads files at the change's head, and records each read.
type headRepo struct {
	patch []byte
	head  fstest.MapFS
	// refuse fails every read that asks for one of these paths, as a forge that will
	// not serve one file fails the whole batch.
	refuse map[string]bool

	mu    sync.Mutex
	reads [][]string
}

func (h *headRepo) Diff(context.Context, reviewer.Change) ([]byte, error) { return h.patch, nil }

func (h *headRepo) Tree(_ context.Context, c reviewer.Change, rev string, paths []string) (fs.FS, error) {
	out := fstest.MapFS{}
	if rev != c.HeadSHA {
		return out, nil
	}
	h.mu.Lock()
	h.reads = append(h.reads, slices.Clone(paths))
	h.mu.Unlock()
	for _, p := range paths {
		if h.refuse[p] {
			return nil, errors.New("read " + p + ": refused")
		}
	}
	for _, p := range paths {
		if f, ok := h.head[p]; ok {
			out[p] = f
		}
	}
	return out, nil
}

func contextRepo(t *testing.T) *headRepo {
	t.Helper()
	patch, err := os.ReadFile("testdata/context/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/context/handle.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	return &headRepo{patch: patch, head: fstest.MapFS{
		"svc/handle.go": {Data: src},
		".env":          {Data: []byte("PORT=8080\nDATABASE_URL=postgres://app:s3cr3t-pw@db/app\n")},
		"data/blob.txt": {Data: []byte("a\x00\nb\n")},
	}}
}

// TestReviewContext runs the pipeline on a change whose bug (a second mu.Lock) shows only
// with an earlier line of the function: the prompt holds that line, marked as context,
// masked, read in one batch that leaves out the withheld file; the model's finding on a
// line shown only as context is not placed; and the egress record names what was sent.
func TestReviewContext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		whole       int
		wantContext []string
	}{
		{"whole file", 0, []string{"1-25 whole file"}},
		// mu's declaration (line 8) is related code, which joins the two.
		{"header and enclosing scope", 1, []string{"1-25 file header and enclosing scope and related code using mu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			repo := contextRepo(t)
			model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
				return reviewer.Reply{Model: "m", Requests: 1, Usage: reviewer.TokenUsage{PromptTokens: 10}, Findings: []reviewer.ModelFinding{
					{Path: "svc/handle.go", Line: 22, Severity: "error", Message: "mu is locked twice.", Quote: "mu.Lock()"},
					// Line 14 is shown only in the CONTEXT block.
					{Path: "svc/handle.go", Line: 14, Severity: "warning", Message: "Context only.", Quote: "f, err := os.Open(path)"},
				}}, nil
			}}
			rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{
				Model:   model,
				Context: reviewer.ContextOptions{Enabled: true},
				Chunk:   chunk.Options{Context: chunk.ContextOptions{WholeFileTokens: tt.whole}},
			}, nil)
			res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r", BaseSHA: "base", HeadSHA: "head"}})
			if err != nil {
				t.Fatal(err)
			}
			sent := model.sent()
			block := between(sent, "_CONTEXT\n", "UNTRUSTED_")
			for _, want := range []string{"FILE svc/handle.go\n", "3: import (\n", "12: \tmu.Lock()\n", "19-25: in the DIFF block\n"} {
				if !strings.Contains(block, want) {
					t.Errorf("CONTEXT block lacks %q:\n%s", want, block)
				}
			}
			for _, secret := range []string{"AKIA2E0A8F3B244C9986", "s3cr3t-pw"} {
				if strings.Contains(sent, secret) {
					t.Errorf("%q was sent to the model", secret)
				}
			}
			if diff := cmp.Diff([][]string{{"svc/handle.go", "data/blob.txt", "svc/gone.go"}}, repo.reads); diff != "" {
				t.Errorf("head reads (-want +got):\n%s", diff)
			}
			var lines []int
			for _, f := range res.Findings {
				if f.Source == reviewer.SourceLLM {
					lines = append(lines, f.Line)
				}
			}
			if diff := cmp.Diff([]int{22}, lines); diff != "" {
				t.Errorf("model findings placed on lines (-want +got):\n%s", diff)
			}
			wantUnplaced := []reviewer.Unplaced{{Path: "svc/handle.go", Message: "the quoted code is not at line 14 or near it: Context only."}}
			if diff := cmp.Diff(wantUnplaced, res.Unplaced); diff != "" {
				t.Errorf("unplaced (-want +got):\n%s", diff)
			}
			var got []string
			for _, e := range res.Egress {
				for _, f := range e.Files {
					if f.Path == "svc/handle.go" {
						got = f.Context
					}
				}
			}
			if diff := cmp.Diff(tt.wantContext, got); diff != "" {
				t.Errorf("egress context of svc/handle.go (-want +got):\n%s", diff)
			}
			notes := map[string]string{}
			for _, f := range res.Coverage.Files {
				notes[f.Path] = f.Reason
			}
			for path, want := range map[string]string{
				"data/blob.txt": "no context: the head version is not text",
				"svc/gone.go":   "no context: the head version was not found",
			} {
				if !strings.Contains(notes[path], want) {
					t.Errorf("ledger reason of %s = %q, want it to say %q", path, notes[path], want)
				}
			}
		})
	}
}

// TestReviewContextOff checks that without review.context.enabled nothing is read and
// no CONTEXT block is sent.
func TestReviewContextOff(t *testing.T) {
	t.Parallel()
	repo := contextRepo(t)
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) { return reviewer.Reply{Requests: 1}, nil }}
	rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{Model: model}, nil)
	if _, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r", BaseSHA: "base", HeadSHA: "head"}}); err != nil {
		t.Fatal(err)
	}
	if len(repo.reads) != 0 || strings.Contains(model.sent(), "_CONTEXT") {
		t.Errorf("context read (%v) or sent with context off", repo.reads)
	}
}

// between returns the text of s after the first from up to the next to.
func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, to)
	return before
}

// TestReviewContextTooLarge checks that a prompt the model finds too long is asked again
// without its context before its diff is split.
func TestReviewContextTooLarge(t *testing.T) {
	t.Parallel()
	repo := contextRepo(t)
	var mu sync.Mutex
	var withContext, without int
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(user, "_CONTEXT\n") {
			withContext++
			return reviewer.Reply{Requests: 1}, fmt.Errorf("prompt: %w", reviewer.ErrTooLarge)
		}
		without++
		return reviewer.Reply{Requests: 1, Findings: []reviewer.ModelFinding{
			{Path: "svc/handle.go", Line: 22, Severity: "error", Message: "mu is locked twice.", Quote: "mu.Lock()"},
		}}, nil
	}}
	rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{Model: model, Context: reviewer.ContextOptions{Enabled: true}}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r", BaseSHA: "base", HeadSHA: "head"}})
	if err != nil {
		t.Fatal(err)
	}
	if withContext != 1 || without != 1 {
		t.Errorf("asked %d times with context and %d without, want once each", withContext, without)
	}
	for _, f := range res.Coverage.Files {
		if f.Outcome == reviewer.OutcomeFailed {
			t.Errorf("%s failed: %s", f.Path, f.Reason)
		}
	}
	if len(res.Findings) == 0 {
		t.Error("the finding of the retry without context was lost")
	}
}

// TestReviewContextOneUnreadable checks that a file the source will not serve costs only
// its own context: the batch that fails is read again file by file.
func TestReviewContextOneUnreadable(t *testing.T) {
	t.Parallel()
	repo := contextRepo(t)
	repo.refuse = map[string]bool{"data/blob.txt": true}
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) { return reviewer.Reply{Requests: 1}, nil }}
	rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{Model: model, Context: reviewer.ContextOptions{Enabled: true}}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r", BaseSHA: "base", HeadSHA: "head"}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"svc/handle.go", "data/blob.txt", "svc/gone.go"}, {"svc/handle.go"}, {"data/blob.txt"}, {"svc/gone.go"}}
	if diff := cmp.Diff(want, repo.reads); diff != "" {
		t.Errorf("head reads (-want +got):\n%s", diff)
	}
	if !strings.Contains(model.sent(), "12: \tmu.Lock()\n") {
		t.Error("svc/handle.go lost its context to another file's failure")
	}
	notes := map[string]string{}
	for _, f := range res.Coverage.Files {
		notes[f.Path] = f.Reason
	}
	if got := notes["data/blob.txt"]; got != "no context: the head version could not be read" {
		t.Errorf("ledger reason of data/blob.txt = %q", got)
	}
	if got := notes["svc/gone.go"]; got != "no context: the head version was not found" {
		t.Errorf("ledger reason of svc/gone.go = %q", got)
	}
}

// TestContextChangeBudget: a change of many files reads their head versions a batch at
// a time, and once those it keeps pass review.context.max_change_bytes, the files left
// go without context, unread, and their ledger entries say why.
func TestContextChangeBudget(t *testing.T) {
	t.Parallel()
	const files = 150
	var patch strings.Builder
	head := fstest.MapFS{}
	for i := range files {
		p := fmt.Sprintf("pkg/f%03d.go", i)
		fmt.Fprintf(&patch, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1,2 +1,3 @@\n package pkg\n+var x%d = 1\n func f() {}\n", p, p, p, p, i)
		head[p] = &fstest.MapFile{Data: fmt.Appendf(nil, "package pkg\nvar x%d = 1\nfunc f() {}\n%s", i, strings.Repeat("// padding\n", 90))}
	}
	repo := &headRepo{patch: []byte(patch.String()), head: head}
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) { return reviewer.Reply{Model: "m", Requests: 1}, nil }}
	// Each head version is about 1 KB: the budget keeps some 100 of them.
	rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{
		Model:   model,
		Context: reviewer.ContextOptions{Enabled: true, MaxChangeBytes: 100 << 10},
		Chunk:   chunk.Options{MaxTokensPerChange: 10_000_000},
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r", BaseSHA: "base", HeadSHA: "head"}})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	for _, batch := range repo.reads {
		if len(batch) > 64 {
			t.Errorf("one read asked for %d head versions, want at most a batch of 64", len(batch))
		}
		read += len(batch)
	}
	if read >= files || read < 64 {
		t.Errorf("%d head versions read of %d, want the reads to stop at the budget", read, files)
	}
	without := 0
	for _, f := range res.Coverage.Files {
		if strings.Contains(f.Reason, "no context: the change's head versions passed 102400 bytes") {
			without++
		}
	}
	if without == 0 || without+read < files {
		t.Errorf("%d files say the budget left them without context (read %d of %d)", without, read, files)
	}
}
