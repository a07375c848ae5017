package reviewer_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
)

// findingModel answers each review prompt with one finding, on the first added line of
// the first file the prompt shows, and each verification request by keeping every
// finding: so the verification pass has the work of one candidate per chunk. It counts
// requests and the estimated prompt tokens of each kind.
type findingModel struct {
	mu                   sync.Mutex
	reviews, verifies    int
	reviewTok, verifyTok int
}

var (
	benchFileRE    = regexp.MustCompile(`(?m)^FILE (\S+)`)
	benchAddedRE   = regexp.MustCompile(`(?m)^(\d+) \+ (.*)$`)
	benchFindingRE = regexp.MustCompile(`(?m)^FINDING (\S+) `)
)

func promptTokens(p reviewer.Prompt) (n int, user string) {
	for _, m := range p.Messages {
		n += chunk.Count(m.Content)
		if m.Role == "user" {
			user = m.Content
		}
	}
	return n, user
}

func (m *findingModel) Review(_ context.Context, p reviewer.Prompt) (reviewer.Reply, error) {
	n, user := promptTokens(p)
	m.mu.Lock()
	m.reviews++
	m.reviewTok += n
	m.mu.Unlock()
	reply := reviewer.Reply{Requests: 1, Model: "bench", Usage: reviewer.TokenUsage{PromptTokens: n}}
	// The diff comes after the context block: look for the first file there.
	_, diffPart, ok := strings.Cut(user, "_DIFF\n")
	if !ok {
		return reply, nil
	}
	if f := benchFileRE.FindStringSubmatch(diffPart); f != nil {
		if a := benchAddedRE.FindStringSubmatch(diffPart); a != nil {
			line, _ := strconv.Atoi(a[1])
			reply.Findings = []reviewer.ModelFinding{{Path: f[1], Line: line, EndLine: line, Severity: "warning",
				Message: "A finding for the verification pass to check.", Quote: strings.TrimSpace(a[2])}}
		}
	}
	return reply, nil
}

func (m *findingModel) Verify(_ context.Context, p reviewer.Prompt) (reviewer.VerifyReply, error) {
	n, user := promptTokens(p)
	m.mu.Lock()
	m.verifies++
	m.verifyTok += n
	m.mu.Unlock()
	reply := reviewer.VerifyReply{Requests: 1, Model: "bench", Usage: reviewer.TokenUsage{PromptTokens: n}}
	for _, f := range benchFindingRE.FindAllStringSubmatch(user, -1) {
		reply.Verdicts = append(reply.Verdicts, reviewer.Verdict{ID: f[1], Keep: true, Confidence: 0.9, Reason: "holds"})
	}
	return reply, nil
}

// evalHeads reads an eval case's head files (repo/head, "X.go.txt" read as "X.go"); ok
// is false for a case that carries no repository.
func evalHeads(b *testing.B, dir string) (fstest.MapFS, bool) {
	b.Helper()
	root := filepath.Join(dir, "repo", "head")
	if _, err := os.Stat(root); err != nil {
		return nil, false
	}
	out := fstest.MapFS{}
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[strings.TrimSuffix(filepath.ToSlash(rel), ".txt")] = &fstest.MapFile{Data: data}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out, true
}

// BenchmarkReviewDepth reports what a review costs with the static context and the
// verification pass each off and on (issue #12's measurement), tiers decided from the
// change as in production: model requests per review (review and verification), prompt
// tokens per review, and prompt tokens over the diff's own. Inputs are the large
// fixture with its head versions, and the eval cases that carry their repository (the
// small changes whose heads are known; each is one review, the metrics are per review
// and the ratio is their median).
func BenchmarkReviewDepth(b *testing.B) {
	large, err := os.ReadFile("../testdata/diffs/large-release-v62.0.0-to-v66.0.0.diff")
	if err != nil {
		b.Fatal(err)
	}
	type input struct {
		name  string
		diff  []byte
		heads fstest.MapFS
	}
	groups := map[string][]input{"large": {{"large", large, largeHeads(b)}}}
	cases, err := filepath.Glob("../testdata/eval/cases/*/change.diff")
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		heads, ok := evalHeads(b, filepath.Dir(c))
		if !ok {
			continue
		}
		d, err := os.ReadFile(c)
		if err != nil {
			b.Fatal(err)
		}
		groups["eval-small"] = append(groups["eval-small"], input{filepath.Base(filepath.Dir(c)), d, heads})
	}
	for _, group := range []string{"eval-small", "large"} {
		ins := groups[group]
		for _, ctxOn := range []bool{false, true} {
			for _, verifyOn := range []bool{false, true} {
				name := group + "/context=" + onOff(ctxOn) + "/verify=" + onOff(verifyOn)
				b.Run(name, func(b *testing.B) {
					var requests, tokens, verifyReq, diffTok, full int
					var ratios []float64
					for b.Loop() {
						requests, tokens, verifyReq, diffTok, full, ratios = 0, 0, 0, 0, 0, nil
						for _, in := range ins {
							m := &findingModel{}
							repo := &headRepo{patch: in.diff, head: in.heads}
							rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{
								Model: m, Chunk: chunk.Options{MaxTokensPerChange: 1 << 30},
								Context: reviewer.ContextOptions{Enabled: ctxOn},
								Verify:  reviewer.VerifyOptions{Enabled: verifyOn},
							}, nil)
							res, err := rv.Review(b.Context(), reviewer.Request{Change: reviewer.Change{HeadSHA: "head"}})
							if err != nil {
								b.Fatal(err)
							}
							if res.Tier.Level == reviewer.TierFull {
								full++
							}
							diffTok += chunk.Count(string(in.diff))
							requests += m.reviews + m.verifies
							verifyReq += m.verifies
							tokens += m.reviewTok + m.verifyTok
							ratios = append(ratios, float64(m.reviewTok+m.verifyTok)/float64(chunk.Count(string(in.diff))))
						}
					}
					slices.Sort(ratios)
					n := float64(len(ins))
					b.ReportMetric(float64(requests)/n, "requests/review")
					b.ReportMetric(float64(verifyReq)/n, "verify-requests/review")
					b.ReportMetric(float64(tokens)/n, "prompt-tokens/review")
					b.ReportMetric(ratios[len(ratios)/2], "prompt/diff")
					b.ReportMetric(n, "reviews")
					b.ReportMetric(float64(full), "full-tier")
					b.ReportMetric(float64(diffTok)/n, "diff-tokens/review")
				})
			}
		}
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
