package chunk_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/scope"
)

// headOf returns a head version of n lines with a header (1-3) and a scope around the
// first hunk of file (5-60).
func headOf(n int) *chunk.Context {
	c := &chunk.Context{Spans: []scope.Span{{Start: 1, End: 3, Kind: scope.KindHeader}, {Start: 5, End: 60, Kind: scope.KindScope}}}
	for i := range n {
		c.Lines = append(c.Lines, fmt.Sprintf("\tvalue%d := lookup(table, %d) // line of the head", i+1, i+1))
	}
	return c
}

// contextOf describes the context of each part of chunks: "path: start-end label, ...".
func contextOf(chunks []chunk.Chunk) []string {
	var out []string
	for _, c := range chunks {
		for _, p := range c.Parts {
			s := p.Path + ":"
			for _, e := range p.Context {
				s += fmt.Sprintf(" %d-%d %s;", e.Start, e.Start+len(e.Lines)-1, e.Label)
			}
			out = append(out, s)
		}
	}
	return out
}

func TestPlanContext(t *testing.T) {
	t.Parallel()
	small := chunk.File{File: file("s.go", 2), Context: headOf(40)}
	large := chunk.File{File: file("l.go", 2), Context: headOf(600)}
	tests := []struct {
		name  string
		files []chunk.File
		opts  chunk.Options
		want  []string
	}{
		{"a small file is shown whole", []chunk.File{small}, chunk.Options{}, []string{"s.go: 1-40 whole file;"}},
		{"a large file shows its header and scopes", []chunk.File{large}, chunk.Options{}, []string{"l.go: 1-3 file header; 5-60 enclosing scope;"}},
		{
			"whole_file_tokens decides what is whole", []chunk.File{small},
			chunk.Options{Context: chunk.ContextOptions{WholeFileTokens: 100}}, []string{"s.go: 1-3 file header; 5-40 enclosing scope;"},
		},
		{
			"a file's context is bounded", []chunk.File{large},
			chunk.Options{Context: chunk.ContextOptions{MaxFileTokens: 200}}, []string{"l.go: 1-3 file header;"},
		},
		{"no context without a head version", []chunk.File{{File: file("n.go", 2)}}, chunk.Options{}, []string{"n.go:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			chunks, skipped := chunk.Plan(tt.files, change, tt.opts)
			if len(skipped) > 0 {
				t.Errorf("skipped %v", skipped)
			}
			if diff := cmp.Diff(tt.want, contextOf(chunks)); diff != "" {
				t.Errorf("context (-want +got):\n%s", diff)
			}
			checkChunks(t, tt.files, chunks, tt.opts)
		})
	}
}

// TestPlanContextShrinksFirst checks that context gives way before the diff does: a file
// that fits a chunk only without its context is sent whole without it, not split; and a
// change over its budget loses context before it loses a file.
func TestPlanContextShrinksFirst(t *testing.T) {
	t.Parallel()
	bare := []chunk.File{{File: file("t.go", 30)}}
	plain, _ := chunk.Plan(bare, change, chunk.Options{})
	with := []chunk.File{{File: bare[0].File, Context: headOf(600)}}
	opts := chunk.Options{MaxChunkTokens: plain[0].Tokens + 20}
	chunks, skipped := chunk.Plan(with, change, opts)
	if len(skipped) > 0 || len(chunks) != 1 || len(chunks[0].Parts[0].Context) != 0 {
		t.Errorf("got %v, skipped %v; want one chunk with the whole diff and no context", contextOf(chunks), skipped)
	}
	checkChunks(t, with, chunks, opts)

	two := []chunk.File{{File: file("a/1.go", 10)}, {File: file("b/2.go", 10)}}
	plain, _ = chunk.Plan(two, change, chunk.Options{})
	two[0].Context, two[1].Context = headOf(120), headOf(600)
	opts = chunk.Options{MaxTokensPerChange: plain[0].Tokens}
	chunks, skipped = chunk.Plan(two, change, opts)
	if len(skipped) > 0 {
		t.Errorf("skipped %v, want context dropped instead", skipped)
	}
	if diff := cmp.Diff([]string{"a/1.go:", "b/2.go:"}, contextOf(chunks)); diff != "" {
		t.Errorf("context (-want +got):\n%s", diff)
	}
	checkChunks(t, two, chunks, opts)

	// With room for scopes but not for the whole of a.go, the whole file becomes scopes.
	full, _ := chunk.Plan(two, change, chunk.Options{})
	opts = chunk.Options{MaxTokensPerChange: full[0].Tokens - 10}
	chunks, _ = chunk.Plan(two, change, opts)
	if diff := cmp.Diff([]string{"a/1.go: 1-3 file header; 5-60 enclosing scope;", "b/2.go: 1-3 file header; 5-60 enclosing scope;"}, contextOf(chunks)); diff != "" {
		t.Errorf("context under a budget (-want +got):\n%s", diff)
	}
}

// TestPlanContextPerChunk checks review.context.max_chunk_tokens: a file whose context
// would pass it starts a chunk of its own.
func TestPlanContextPerChunk(t *testing.T) {
	t.Parallel()
	files := []chunk.File{{File: file("a/1.go", 2), Context: headOf(600)}, {File: file("a/2.go", 2), Context: headOf(600)}}
	one, _ := chunk.Plan(files, change, chunk.Options{})
	if len(one) != 1 {
		t.Fatalf("got %d chunks without a chunk cap, want 1", len(one))
	}
	opts := chunk.Options{Context: chunk.ContextOptions{MaxChunkTokens: 1}}
	chunks, _ := chunk.Plan(files, change, opts)
	if diff := cmp.Diff([]string{"a/1.go:", "a/2.go:"}, contextOf(chunks)); diff != "" {
		t.Errorf("context with a cap of 1 token (-want +got):\n%s", diff)
	}
	checkChunks(t, files, chunks, opts)
}

func TestSplitKeepsContextOfEachHalf(t *testing.T) {
	t.Parallel()
	f := file("h.go", 3, 3) // hunks at 10-13 and 110-113
	head := headOf(200)
	head.Spans = []scope.Span{{Start: 1, End: 3, Kind: scope.KindHeader}, {Start: 5, End: 20, Kind: scope.KindScope}, {Start: 100, End: 130, Kind: scope.KindScope}}
	files := []chunk.File{{File: f, Context: head}}
	chunks, _ := chunk.Plan(files, change, chunk.Options{})
	if len(chunks) != 1 {
		t.Fatalf("got %d chunks, want 1", len(chunks))
	}
	a, b, ok := chunk.Split(chunks[0])
	if !ok {
		t.Fatal("Split refused two hunks")
	}
	got := contextOf([]chunk.Chunk{a, b})
	want := []string{"h.go: 1-3 file header; 5-20 enclosing scope;", "h.go: 1-3 file header; 100-130 enclosing scope;"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("halves' context (-want +got):\n%s", diff)
	}
	checkChunks(t, files, []chunk.Chunk{a, b}, chunk.Options{})

	bare, ok := chunks[0].WithoutContext()
	if !ok || len(bare.Parts[0].Context) != 0 || bare.Tokens >= chunks[0].Tokens {
		t.Errorf("WithoutContext = %v, %d tokens (from %d), ok %v; want no context and fewer tokens", contextOf([]chunk.Chunk{bare}), bare.Tokens, chunks[0].Tokens, ok)
	}
	checkChunks(t, files, []chunk.Chunk{bare}, chunk.Options{})
	if _, ok := bare.WithoutContext(); ok {
		t.Error("WithoutContext of a chunk without context reports a change")
	}
}

// TestContextSizing checks the estimate on a context block alone against its rendering,
// with lines left out as shown in the diff.
func TestContextSizing(t *testing.T) {
	t.Parallel()
	files := []chunk.File{{File: file("z.go", 5), Context: headOf(50)}}
	chunks, _ := chunk.Plan(files, change, chunk.Options{})
	in := chunks[0].Input(change)
	msgs, err := prompts.Render(in)
	if err != nil {
		t.Fatal(err)
	}
	if n := chunk.Count(msgs[0].Content) + chunk.Count(msgs[1].Content); n > chunks[0].Tokens {
		t.Errorf("Tokens %d below Count of the rendered prompt %d", chunks[0].Tokens, n)
	}
	if len(in.Files[0].Context) == 0 {
		t.Fatal("no context in the prompt input")
	}
}

// TestPlanSplitPartsKeepContext checks that a file too large for one chunk, split at hunk
// boundaries, still shows each part the scopes around its own hunks where they fit.
func TestPlanSplitPartsKeepContext(t *testing.T) {
	t.Parallel()
	head := headOf(400)
	head.Spans = []scope.Span{{Start: 1, End: 3, Kind: scope.KindHeader}, {Start: 200, End: 215, Kind: scope.KindScope}}
	files := []chunk.File{{File: file("big.go", 30, 30, 30), Context: head}} // hunks at 10, 110, 210
	opts := chunk.Options{MaxChunkTokens: 1900}
	chunks, skipped := chunk.Plan(files, change, opts)
	if len(skipped) > 0 || len(chunks) < 2 {
		t.Fatalf("got %d chunks, skipped %v; want the file split", len(chunks), skipped)
	}
	checkChunks(t, files, chunks, opts)
	last := chunks[len(chunks)-1].Parts[0]
	if last.Hunks[len(last.Hunks)-1].NewStart != 210 {
		t.Fatalf("last part ends with the hunk at %d, want 210", last.Hunks[len(last.Hunks)-1].NewStart)
	}
	if diff := cmp.Diff([]string{"big.go: 1-3 file header; 200-215 enclosing scope;"}, contextOf(chunks[len(chunks)-1:])); diff != "" {
		t.Errorf("last part's context (-want +got):\n%s", diff)
	}
}

// TestPlanContextRelatedLast: related code is shown after the header and enclosing
// scopes, best first, as the budget allows, in the file's order, and never without the
// scopes.
func TestPlanContextRelatedLast(t *testing.T) {
	t.Parallel()
	head := headOf(600)
	head.Spans = append(head.Spans,
		scope.Span{Start: 100, End: 110, Kind: scope.KindRelated, Rank: 2, Names: "table"},
		scope.Span{Start: 300, End: 320, Kind: scope.KindRelated, Rank: 1, Names: "lookup"},
	)
	files := []chunk.File{{File: file("l.go", 2), Context: head}}
	for _, tt := range []struct {
		budget int
		want   string
	}{
		{0, "l.go: 1-3 file header; 5-60 enclosing scope; 100-110 related code using table; 300-320 related code using lookup;"},
		{1800, "l.go: 1-3 file header; 5-60 enclosing scope; 300-320 related code using lookup;"},
		// The best related span does not fit: the next one does.
		{1600, "l.go: 1-3 file header; 5-60 enclosing scope; 100-110 related code using table;"},
		// The enclosing scope does not fit: no related code either.
		{1100, "l.go: 1-3 file header;"},
	} {
		opts := chunk.Options{Context: chunk.ContextOptions{MaxFileTokens: tt.budget}}
		chunks, _ := chunk.Plan(files, change, opts)
		if diff := cmp.Diff([]string{tt.want}, contextOf(chunks)); diff != "" {
			t.Errorf("max_file_tokens %d: context (-want +got):\n%s", tt.budget, diff)
		}
		checkChunks(t, files, chunks, opts)
	}
}
