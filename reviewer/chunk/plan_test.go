package chunk_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

var change = prompts.Change{Title: "Add things", Description: "Some description."}

func rule(id string) *rules.Rule {
	return &rules.Rule{ID: id, Title: "Rule " + id, Body: "Guidance for " + id + "."}
}

// file builds a modified file with one hunk per entry of hunks; each entry is the number
// of added lines of a hunk, numbered from 10, 100, 200...
func file(path string, hunks ...int) *diff.File {
	f := &diff.File{OldPath: path, NewPath: path, Status: diff.StatusModified}
	for i, n := range hunks {
		start := 10 + 100*i
		h := diff.Hunk{OldStart: start, OldLines: 1, NewStart: start, NewLines: n + 1}
		h.Lines = append(h.Lines, diff.Line{Kind: diff.Context, OldLine: start, NewLine: start, Content: "func f() {"})
		for j := range n {
			h.Lines = append(h.Lines, diff.Line{Kind: diff.Added, NewLine: start + 1 + j, Content: fmt.Sprintf("\tx%d := compute(%d, y) // note", j, j)})
		}
		f.Hunks = append(f.Hunks, h)
	}
	return f
}

// layout describes chunks as "path[hunks] path[hunks] | rules".
func layout(chunks []chunk.Chunk) []string {
	var out []string
	for _, c := range chunks {
		var b strings.Builder
		for _, p := range c.Parts {
			fmt.Fprintf(&b, "%s[%d] ", p.Path, len(p.Hunks))
		}
		b.WriteString("|")
		for _, r := range c.Rules {
			b.WriteString(" " + r.ID)
		}
		out = append(out, b.String())
	}
	return out
}

func TestPlanPacking(t *testing.T) {
	t.Parallel()
	a, b, c := rule("a"), rule("b"), rule("c")
	tests := []struct {
		name  string
		files []chunk.File
		opts  chunk.Options
		want  []string
	}{
		{
			name:  "small files share one chunk with the union of rules",
			files: []chunk.File{{File: file("x/1.go", 2), Rules: []*rules.Rule{a}}, {File: file("y/2.py", 2), Rules: []*rules.Rule{b}}},
			want:  []string{"x/1.go[1] y/2.py[1] | a b"},
		},
		{
			name: "same rule set and directory grouped before diff order",
			files: []chunk.File{
				{File: file("x/1.go", 40), Rules: []*rules.Rule{a}}, {File: file("y/2.py", 60), Rules: []*rules.Rule{b}},
				{File: file("z/3.go", 40), Rules: []*rules.Rule{a}}, {File: file("x/4.go", 40), Rules: []*rules.Rule{a}},
			},
			opts: chunk.Options{MaxChunkTokens: 2250},
			want: []string{"x/1.go[1] x/4.go[1] | a", "z/3.go[1] | a", "y/2.py[1] | b"},
		},
		{
			name:  "large file split at hunk boundaries",
			files: []chunk.File{{File: file("big.go", 30, 30, 30), Rules: []*rules.Rule{c}}},
			opts:  chunk.Options{MaxChunkTokens: 2150},
			want:  []string{"big.go[2] | c", "big.go[1] | c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chunks, skipped := chunk.Plan(tt.files, change, tt.opts)
			if len(skipped) > 0 {
				t.Errorf("skipped %v", skipped)
			}
			if diff := cmp.Diff(tt.want, layout(chunks)); diff != "" {
				t.Errorf("chunks (-want +got):\n%s", diff)
			}
			checkChunks(t, tt.files, chunks, tt.opts)
		})
	}
}

// checkChunks checks the invariants of every plan: the budget, estimates never below the
// rendered prompt, and rules that only come from the chunk's files.
func checkChunks(t *testing.T, files []chunk.File, chunks []chunk.Chunk, opts chunk.Options) {
	t.Helper()
	budget := opts.MaxChunkTokens
	if budget == 0 {
		budget = chunk.DefaultMaxChunkTokens
	}
	rulesOf := map[string][]*rules.Rule{}
	for _, f := range files {
		rulesOf[f.File.Path()] = f.Rules
	}
	for i, c := range chunks {
		if c.Tokens > budget {
			t.Errorf("chunk %d: %d tokens over the budget %d", i, c.Tokens, budget)
		}
		msgs, err := prompts.Render(c.Input(change))
		if err != nil {
			t.Fatal(err)
		}
		if n := chunk.Count(msgs[0].Content) + chunk.Count(msgs[1].Content); n > c.Tokens {
			t.Errorf("chunk %d: Tokens %d below Count of the rendered prompt %d", i, c.Tokens, n)
		}
		for _, r := range c.Rules {
			used := false
			for _, p := range c.Parts {
				for _, fr := range rulesOf[p.Path] {
					used = used || fr.ID == r.ID
				}
			}
			if !used {
				t.Errorf("chunk %d carries rule %s that none of its files match", i, r.ID)
			}
		}
	}
}

// TestPlanKeepsDeletionOnlyHunks: a hunk that only removes code (a dropped check) is
// reviewed, in a file that also adds lines and in one that only removes; a hunk that
// changes nothing (context lines alone) is not sent.
func TestPlanKeepsDeletionOnlyHunks(t *testing.T) {
	t.Parallel()
	f := file("a.go", 2)
	f.Hunks = append(f.Hunks, diff.Hunk{OldStart: 50, OldLines: 2, NewStart: 52, NewLines: 0, Lines: []diff.Line{
		{Kind: diff.Deleted, OldLine: 50, Content: "check()"}, {Kind: diff.Deleted, OldLine: 51, Content: "check()"},
	}}, diff.Hunk{OldStart: 70, OldLines: 1, NewStart: 70, NewLines: 1, Lines: []diff.Line{
		{Kind: diff.Context, OldLine: 70, NewLine: 70, Content: "same()"},
	}})
	onlyDeleted := &diff.File{OldPath: "b.go", NewPath: "b.go", Hunks: f.Hunks[1:2]}
	chunks, skipped := chunk.Plan([]chunk.File{{File: f}, {File: onlyDeleted}}, change, chunk.Options{})
	if diff := cmp.Diff([]string{"a.go[2] b.go[1] |"}, layout(chunks)); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
	if len(skipped) != 0 {
		t.Errorf("skipped %v, want none", skipped)
	}
	if got := chunks[0].Parts[0].Hunks[1].OldStart; got != 50 {
		t.Errorf("a.go's second hunk starts at old line %d, want the removal at 50", got)
	}
}

func TestPlanSplitsGiantHunkWithOverlap(t *testing.T) {
	t.Parallel()
	f := file("giant.go", 300)
	opts := chunk.Options{MaxChunkTokens: 3000}
	chunks, skipped := chunk.Plan([]chunk.File{{File: f}}, change, opts)
	if len(skipped) != 0 || len(chunks) < 3 {
		t.Fatalf("got %d chunks, skipped %v; want several chunks", len(chunks), skipped)
	}
	checkChunks(t, []chunk.File{{File: f}}, chunks, opts)
	orig := f.Hunks[0].Lines
	next := 0 // index in orig of the first line not yet seen
	for i, c := range chunks {
		h := c.Parts[0].Hunks[0]
		first := h.Lines[0].NewLine - orig[0].NewLine
		if i > 0 && first != next-chunk.Overlap {
			t.Errorf("window %d starts at line index %d, want %d (overlap %d)", i, first, next-chunk.Overlap, chunk.Overlap)
		}
		for j, l := range h.Lines {
			if l != orig[first+j] {
				t.Fatalf("window %d line %d = %+v, want %+v", i, j, l, orig[first+j])
			}
		}
		if h.NewStart != h.Lines[0].NewLine || h.NewLines != len(h.Lines) {
			t.Errorf("window %d header +%d,%d does not match its lines", i, h.NewStart, h.NewLines)
		}
		next = first + len(h.Lines)
	}
	if next != len(orig) {
		t.Errorf("windows end at %d, want %d", next, len(orig))
	}
}

func TestPlanTooLarge(t *testing.T) {
	t.Parallel()
	f := file("min.js", 1)
	f.Hunks[0].Lines[1].Content = strings.Repeat("a=b;", 5000)
	chunks, skipped := chunk.Plan([]chunk.File{{File: f}, {File: file("ok.go", 1)}}, change, chunk.Options{MaxChunkTokens: 4000})
	if len(skipped) != 1 || skipped[0].Path != "min.js" || !strings.HasPrefix(skipped[0].Reason, chunk.ReasonTooLarge+": line 11 ") {
		t.Errorf("skipped = %v, want min.js too large at line 11", skipped)
	}
	if diff := cmp.Diff([]string{"ok.go[1] |"}, layout(chunks)); diff != "" {
		t.Errorf("chunks (-want +got):\n%s", diff)
	}
}

func TestPlanBudget(t *testing.T) {
	t.Parallel()
	var files []chunk.File
	for _, p := range []string{"README.md", "internal/store/store_test.go", "config/app.yaml", "internal/store/store.go", "internal/auth/login.go", "db/migrations/001_init.sql", "docs/guide.txt", "cmd/main.go"} {
		files = append(files, chunk.File{File: file(p, 20)})
	}
	// Room for the four files that come first, not for a fifth.
	four, _ := chunk.Plan([]chunk.File{files[3], files[4], files[5], files[7]}, change, chunk.Options{})
	limit := four[0].Tokens + 100
	chunks, skipped := chunk.Plan(files, change, chunk.Options{MaxTokensPerChange: limit})
	var kept []string
	for _, c := range chunks {
		for _, p := range c.Parts {
			kept = append(kept, p.Path)
		}
		if c.Tokens > limit {
			t.Errorf("chunk of %d tokens over the change budget %d", c.Tokens, limit)
		}
	}
	want := []string{"internal/store/store.go", "internal/auth/login.go", "db/migrations/001_init.sql", "cmd/main.go"}
	if diff := cmp.Diff(want, kept); diff != "" {
		t.Errorf("kept files (-want +got):\n%s", diff)
	}
	wantSkipped := []chunk.Skipped{{"README.md", "budget"}, {"internal/store/store_test.go", "budget"}, {"config/app.yaml", "budget"}, {"docs/guide.txt", "budget"}}
	if diff := cmp.Diff(wantSkipped, skipped); diff != "" {
		t.Errorf("skipped (-want +got):\n%s", diff)
	}
	if got := len(kept) + len(skipped); got != len(files) {
		t.Errorf("%d files kept or skipped, want %d", got, len(files))
	}
}

func TestPlanDeterministic(t *testing.T) {
	t.Parallel()
	var files []chunk.File
	rs := []*rules.Rule{rule("a"), rule("b"), rule("c")}
	for i := range 60 {
		files = append(files, chunk.File{File: file(fmt.Sprintf("d%d/f%d.go", i%7, i), 5+i%20, 3), Rules: rs[:i%3+1]})
	}
	opts := chunk.Options{MaxChunkTokens: 5000, MaxTokensPerChange: 40000}
	first, skip1 := chunk.Plan(files, change, opts)
	checkChunks(t, files, first, opts)
	for range 5 {
		again, skip2 := chunk.Plan(files, change, opts)
		if !cmp.Equal(layout(first), layout(again)) || !cmp.Equal(skip1, skip2) {
			t.Fatal("Plan gave different results for one input")
		}
	}
}

func TestSplit(t *testing.T) {
	t.Parallel()
	a, b := rule("a"), rule("b")
	files := []chunk.File{{File: file("x.go", 3, 3), Rules: []*rules.Rule{a}}, {File: file("y.py", 9), Rules: []*rules.Rule{b}}}
	chunks, _ := chunk.Plan(files, change, chunk.Options{})
	if len(chunks) != 1 {
		t.Fatalf("got %d chunks, want 1", len(chunks))
	}
	l, r, ok := chunk.Split(chunks[0])
	if !ok || !cmp.Equal(layout([]chunk.Chunk{l, r}), []string{"x.go[2] | a", "y.py[1] | b"}) {
		t.Fatalf("split by parts = %v %v", layout([]chunk.Chunk{l, r}), ok)
	}
	checkChunks(t, files, []chunk.Chunk{l, r}, chunk.Options{})
	l2, r2, ok := chunk.Split(l)
	if !ok || !cmp.Equal(layout([]chunk.Chunk{l2, r2}), []string{"x.go[1] | a", "x.go[1] | a"}) {
		t.Fatalf("split by hunks = %v", layout([]chunk.Chunk{l2, r2}))
	}
	l3, r3, ok := chunk.Split(r)
	if !ok {
		t.Fatal("a 10-line hunk did not split")
	}
	h1, h2 := l3.Parts[0].Hunks[0], r3.Parts[0].Hunks[0]
	if len(h1.Lines) != 5 || h2.Lines[0] != h1.Lines[5-chunk.Overlap] || h2.Lines[len(h2.Lines)-1].NewLine != 19 {
		t.Errorf("split by lines: %+v / %+v", h1, h2)
	}
	one := chunk.Chunk{Parts: []chunk.Part{{Path: "z", File: file("z", 0), Hunks: file("z", 0).Hunks}}}
	if _, _, ok := chunk.Split(one); ok {
		t.Error("a one-line chunk split")
	}
}

// TestSplitKeepsAddedLines: every window a split makes has an added line to review, and
// is smaller than what it came from; a hunk with one added line does not split.
func TestSplitKeepsAddedLines(t *testing.T) {
	t.Parallel()
	mk := func(kinds string) chunk.Chunk {
		h := diff.Hunk{OldStart: 1, NewStart: 1}
		old, nw := 1, 1
		for i, k := range kinds {
			l := diff.Line{Content: fmt.Sprintf("line %d", i)}
			switch k {
			case '+':
				l.Kind, l.NewLine = diff.Added, nw
				nw++
				h.NewLines++
			case '-':
				l.Kind, l.OldLine = diff.Deleted, old
				old++
				h.OldLines++
			default:
				l.Kind, l.OldLine, l.NewLine = diff.Context, old, nw
				old++
				nw++
				h.OldLines++
				h.NewLines++
			}
			h.Lines = append(h.Lines, l)
		}
		f := &diff.File{OldPath: "a.go", NewPath: "a.go", Hunks: []diff.Hunk{h}}
		return chunk.Chunk{Parts: []chunk.Part{{Path: "a.go", File: f, Hunks: f.Hunks}}}
	}
	added := func(c chunk.Chunk) int {
		n := 0
		for _, l := range c.Parts[0].Hunks[0].Lines {
			if l.Kind == diff.Added {
				n++
			}
		}
		return n
	}
	for _, kinds := range []string{" ++ ", "    +    +    ", "-+-+-+", " + ", "+ ", " ++++++++++ "} {
		c := mk(kinds)
		var queue []chunk.Chunk
		queue = append(queue, c)
		for steps := 0; len(queue) > 0; steps++ {
			if steps > 100 {
				t.Fatalf("%q: splitting does not end", kinds)
			}
			cur := queue[0]
			queue = queue[1:]
			a, b, ok := chunk.Split(cur)
			if !ok {
				if added(cur) > 1 {
					t.Errorf("%q: a window with %d added lines did not split", kinds, added(cur))
				}
				continue
			}
			for _, half := range []chunk.Chunk{a, b} {
				if added(half) == 0 {
					t.Errorf("%q: a split made a window without added lines: %+v", kinds, half.Parts[0].Hunks[0].Lines)
				}
				if len(half.Parts[0].Hunks[0].Lines) >= len(cur.Parts[0].Hunks[0].Lines) {
					t.Errorf("%q: a split made a window as large as the hunk", kinds)
				}
			}
			queue = append(queue, a, b)
		}
	}
}
