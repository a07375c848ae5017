package chunk_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
)

// smallChanges are the small changes the prompt's fixed overhead is measured on (issue
// #12): the eval cases and the README's demo diff.
func smallChanges(tb testing.TB) []bigCase {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "eval", "cases", "*", "change.diff"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no eval cases: %v", err)
	}
	paths = append(paths, filepath.Join("..", "..", "testdata", "demo", "change.diff"))
	var out []bigCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, bigCase{name: filepath.Base(filepath.Dir(p)), data: data})
		_, err = os.Stat(filepath.Join(filepath.Dir(p), "repo"))
		out[len(out)-1].withRepo = err == nil
	}
	return out
}

// overhead measures one change as the pipeline would send it with the built-in rules:
// diff is the size of the change's own diff text; fixed is, summed over its chunks, what a
// chunk costs before any file (the system message with the chunk's rules, the user
// message's frame, the chat format); prompt is every chunk's rendered prompt. count sizes
// text: chunk.Count, the estimate chunking plans with, or a real tokenizer.
type overhead struct {
	chunks, diff, fixed, prompt int
}

func measure(tb testing.TB, data []byte, count func(string) int, chat int) overhead {
	tb.Helper()
	chunks, _ := chunk.Plan(reviewFiles(tb, data), prompts.Change{}, chunk.Options{})
	o := overhead{chunks: len(chunks), diff: count(string(data))}
	for i := range chunks {
		in := chunks[i].Input(prompts.Change{})
		msgs, err := prompts.Render(in)
		if err != nil {
			tb.Fatal(err)
		}
		in.Files = nil
		frame, err := prompts.Render(in)
		if err != nil {
			tb.Fatal(err)
		}
		o.prompt += chat + count(msgs[0].Content) + count(msgs[1].Content)
		o.fixed += chat + count(frame[0].Content) + count(frame[1].Content)
	}
	return o
}

// estimateChat is what chunk counts for the chat format around two messages;
// realChat is what OpenAI's chat format adds to them: 3 tokens a message and 3 that
// prime the answer.
const estimateChat, realChat = 16, 9

// TestSmallChangeOverhead holds the prompt to issue #12's budget: the median small change
// pays at most twice its own size in fixed overhead. It is measured on every small change
// the eval holds (its cases and the demo), both by the estimate chunking plans with and
// by o200k_base, the tokenizer of the GPT-4o and later families, which is what a
// provider bills.
func TestSmallChangeOverhead(t *testing.T) {
	t.Parallel()
	encs, err := loadEncodings()
	if err != nil {
		t.Fatal(err)
	}
	enc := encs["o200k_base"]
	o200k := func(s string) int { return len(enc.EncodeOrdinary(s)) }
	var estimated, billed []float64
	for _, c := range smallChanges(t) {
		e := measure(t, c.data, chunk.Count, estimateChat)
		if e.chunks == 0 {
			continue
		}
		r := measure(t, c.data, o200k, realChat)
		estimated = append(estimated, float64(e.fixed)/float64(e.diff))
		billed = append(billed, float64(r.fixed)/float64(r.diff))
	}
	t.Logf("median fixed/diff over %d changes: estimated %.2f, o200k_base %.2f", len(billed), median(estimated), median(billed))
	for _, m := range []struct {
		by     string
		ratios []float64
	}{{"chunk.Count", estimated}, {"o200k_base", billed}} {
		if got := median(m.ratios); got > 2 {
			slices.Sort(m.ratios)
			t.Errorf("median fixed overhead by %s is %.2f times the change's size, want at most 2 (ratios %.2f)", m.by, got, m.ratios)
		}
	}
}

func median(rs []float64) float64 {
	rs = slices.Clone(rs)
	slices.Sort(rs)
	m := rs[len(rs)/2]
	if len(rs)%2 == 0 {
		m = (rs[len(rs)/2-1] + m) / 2
	}
	return m
}

// BenchmarkPromptOverhead reports, per small change, the tokens of its diff, the fixed
// overhead of its chunks and of its whole prompt, and their ratios to the diff, and the
// same for the large fixture (BENCHMARKS.md); o200k-fixed/diff is the ratio in real
// o200k_base tokens:
//
//	go test ./reviewer/chunk -run '^$' -bench PromptOverhead -benchtime 1x
func BenchmarkPromptOverhead(b *testing.B) {
	encs, err := loadEncodings()
	if err != nil {
		b.Fatal(err)
	}
	enc := encs["o200k_base"]
	for _, c := range append(smallChanges(b), bigCases(b)[0]) {
		b.Run(c.name, func(b *testing.B) {
			var o overhead
			for b.Loop() {
				o = measure(b, c.data, chunk.Count, estimateChat)
			}
			billed := measure(b, c.data, func(s string) int { return len(enc.EncodeOrdinary(s)) }, realChat)
			b.ReportMetric(float64(billed.fixed)/float64(billed.diff), "o200k-fixed/diff")
			b.ReportMetric(float64(o.chunks), "chunks")
			b.ReportMetric(float64(o.diff), "diff-tok")
			b.ReportMetric(float64(o.fixed), "fixed-tok")
			b.ReportMetric(float64(o.fixed)/float64(o.chunks), "fixed-tok/chunk")
			b.ReportMetric(float64(o.prompt), "prompt-tok")
			b.ReportMetric(float64(o.fixed)/float64(o.diff), "fixed/diff")
			b.ReportMetric(float64(o.prompt)/float64(o.diff), "prompt/diff")
		})
	}
}
