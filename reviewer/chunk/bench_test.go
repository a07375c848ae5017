package chunk_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
	"github.com/reviewerbot/reviewer/rules"
)

type bigCase struct {
	name string
	data []byte
	// withRepo marks an eval case that carries its repository (issue #12's depth cases).
	withRepo bool
}

func bigCases(tb testing.TB) []bigCase {
	tb.Helper()
	large, err := os.ReadFile(filepath.Join("..", "..", "testdata", "diffs", "large-release-v62.0.0-to-v66.0.0.diff"))
	if err != nil {
		tb.Fatal(err)
	}
	return []bigCase{
		{name: "large-release", data: large},
		{name: "generated-100k-lines-1000-files", data: difftest.Generate(1000, 100)},
	}
}

// reviewFiles parses data and matches the built-in rules, as the pipeline does.
func reviewFiles(tb testing.TB, data []byte) []chunk.File {
	tb.Helper()
	parsed, err := diff.Parse(data)
	if err != nil {
		tb.Fatal(err)
	}
	builtin, err := rules.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	set := rules.NewSet(builtin, rules.Settings{})
	files := make([]chunk.File, 0, len(parsed))
	for _, f := range parsed {
		if f.Binary || f.Status == diff.StatusDeleted {
			continue
		}
		files = append(files, chunk.File{File: f, Rules: set.ForPath(f.Path())})
	}
	return files
}

// TestPlanLarge checks the plan invariants on the large diffs: the budget, estimates never
// below the rendered prompt, rules only from the chunk's files, every added line sent.
func TestPlanLarge(t *testing.T) {
	t.Parallel()
	for _, c := range bigCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			files := reviewFiles(t, c.data)
			opts := chunk.Options{MaxChunkTokens: 8000}
			chunks, skipped := chunk.Plan(files, change, opts)
			if len(skipped) != 0 {
				t.Errorf("skipped %v", skipped)
			}
			checkChunks(t, files, chunks, opts)
			added := 0
			for _, f := range files {
				added += f.File.AddedLines()
			}
			sent := map[*diff.File]map[int]bool{}
			for _, ch := range chunks {
				for _, p := range ch.Parts {
					if sent[p.File] == nil {
						sent[p.File] = map[int]bool{}
					}
					for _, h := range p.Hunks {
						for _, l := range h.Lines {
							if l.Kind == diff.Added {
								sent[p.File][l.NewLine] = true
							}
						}
					}
				}
			}
			n := 0
			for _, m := range sent {
				n += len(m)
			}
			if n != added {
				t.Errorf("%d added lines sent, want %d", n, added)
			}
		})
	}
}

// BenchmarkPlan plans and renders every chunk once, as a review does.
func BenchmarkPlan(b *testing.B) {
	for _, c := range bigCases(b) {
		b.Run(c.name, func(b *testing.B) {
			files := reviewFiles(b, c.data)
			diffTokens := chunk.Count(string(c.data))
			var chunks []chunk.Chunk
			b.ReportAllocs()
			for b.Loop() {
				chunks, _ = chunk.Plan(files, change, chunk.Options{})
				for i := range chunks {
					if _, err := prompts.Render(chunks[i].Input(change)); err != nil {
						b.Fatal(err)
					}
				}
			}
			total := 0
			for _, ch := range chunks {
				total += ch.Tokens
			}
			b.ReportMetric(float64(len(chunks)), "chunks/change")
			b.ReportMetric(float64(total), "prompt-tokens")
			b.ReportMetric(float64(diffTokens), "diff-tokens")
			b.ReportMetric(float64(total)/float64(diffTokens), "prompt/diff")
		})
	}
}

func BenchmarkCount(b *testing.B) {
	data := string(difftest.Generate(1000, 100))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		chunk.Count(data)
	}
}
