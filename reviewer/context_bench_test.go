package reviewer_test

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/scope"
)

// largeHeads reads the head versions (go-github v66.0.0) of the files the large fixture
// diff changes.
func largeHeads(b *testing.B) fstest.MapFS {
	b.Helper()
	f, err := os.Open("testdata/context/go-github-v66.0.0-heads.tgz")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	zr, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	out := fstest.MapFS{}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			b.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			b.Fatal(err)
		}
		out[h.Name] = &fstest.MapFile{Data: data}
	}
}

// demoHeads rebuilds the head versions of the demo change from its diff, whose hunks
// cover its files whole.
func demoHeads(b *testing.B, raw []byte) fstest.MapFS {
	b.Helper()
	files, err := diff.Parse(raw)
	if err != nil {
		b.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, f := range files {
		var sb strings.Builder
		for _, h := range f.Hunks {
			for _, l := range h.Lines {
				if l.Kind != diff.Deleted {
					sb.WriteString(l.Content + "\n")
				}
			}
		}
		out[f.NewPath] = &fstest.MapFile{Data: []byte(sb.String())}
	}
	return out
}

// BenchmarkReviewContext times the pipeline with the model stage on, with and without
// context (reading the head versions, masking them, finding scopes, sizing and rendering
// them), against a model that answers at once, and reports what the change costs in
// requests and prompt tokens. The difference between the two is the context stage.
func BenchmarkReviewContext(b *testing.B) {
	large, err := os.ReadFile("../testdata/diffs/large-release-v62.0.0-to-v66.0.0.diff")
	if err != nil {
		b.Fatal(err)
	}
	demo, err := os.ReadFile("../testdata/demo/change.diff")
	if err != nil {
		b.Fatal(err)
	}
	inputs := []struct {
		name  string
		diff  []byte
		heads fstest.MapFS
	}{
		{"demo", demo, demoHeads(b, demo)},
		{"large-1.7MB", large, largeHeads(b)},
	}
	for _, in := range inputs {
		for _, on := range []bool{false, true} {
			name := in.name + "/context=off"
			if on {
				name = in.name + "/context=on"
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				var m *nopModel
				for b.Loop() {
					m = &nopModel{}
					repo := &headRepo{patch: in.diff, head: in.heads}
					rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{
						Model: m, Chunk: chunk.Options{MaxTokensPerChange: 1 << 30},
						Context: reviewer.ContextOptions{Enabled: on},
					}, nil)
					if _, err := rv.Review(b.Context(), reviewer.Request{Change: reviewer.Change{HeadSHA: "head"}}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(m.prompts), "chunks")
				b.ReportMetric(float64(m.tokens), "prompt-tokens")
			})
		}
	}
}

// BenchmarkSpans times finding the scopes alone: go/parser on each changed Go file of the
// large fixture at its head version, with the added lines of its hunks, without and with
// the related code of the default review.context.related.
func BenchmarkSpans(b *testing.B) {
	large, err := os.ReadFile("../testdata/diffs/large-release-v62.0.0-to-v66.0.0.diff")
	if err != nil {
		b.Fatal(err)
	}
	files, err := diff.Parse(large)
	if err != nil {
		b.Fatal(err)
	}
	heads := largeHeads(b)
	type job struct {
		path    string
		src     []byte
		changed []int
	}
	var jobs []job
	size := 0
	for _, f := range files {
		h, ok := heads[f.NewPath]
		if !ok {
			continue
		}
		var changed []int
		for _, hk := range f.Hunks {
			for _, l := range hk.Lines {
				if l.Kind == diff.Added {
					changed = append(changed, l.NewLine)
				}
			}
		}
		jobs = append(jobs, job{f.NewPath, h.Data, changed})
		size += len(h.Data)
	}
	for _, related := range []int{0, reviewer.DefaultContextRelated} {
		b.Run(fmt.Sprintf("related=%d", related), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			spans := 0
			for b.Loop() {
				spans = 0
				for _, j := range jobs {
					spans += len(scope.Spans(j.path, j.src, j.changed, scope.Options{Related: related}))
				}
			}
			b.ReportMetric(float64(len(jobs)), "files")
			b.ReportMetric(float64(spans), "spans")
		})
	}
}
