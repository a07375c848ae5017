package reviewer_test

import (
	"context"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
	"github.com/reviewerbot/reviewer/rules"
)

// verifyingModel is a fakeModel that can also verify: verdicts judges each finding of a
// verification request by its id and message.
type verifyingModel struct {
	*fakeModel
	// verdicts gets every finding's id by message, so that it can name duplicates.
	verdicts func(id, message string, ids map[string]string) reviewer.Verdict
	fail     error
	asked    []string
	models   []string // Prompt.Model of each verification request
}

var verifyHeader = regexp.MustCompile(`(?m)^FINDING (\S+) .*\nMESSAGE\n(.*)$`)

func (m *verifyingModel) Verify(_ context.Context, p reviewer.Prompt) (reviewer.VerifyReply, error) {
	user := p.Messages[len(p.Messages)-1].Content
	m.mu.Lock()
	m.asked = append(m.asked, user)
	m.models = append(m.models, p.Model)
	m.mu.Unlock()
	r := reviewer.VerifyReply{Model: "gpt-test", Requests: 1, Usage: reviewer.TokenUsage{PromptTokens: 300, CompletionTokens: 30}}
	if m.fail != nil {
		return r, m.fail
	}
	ids := map[string]string{}
	heads := verifyHeader.FindAllStringSubmatch(user, -1)
	for _, h := range heads {
		ids[h[2]] = h[1]
	}
	for _, h := range heads {
		r.Verdicts = append(r.Verdicts, m.verdicts(h[1], h[2], ids))
	}
	return r, nil
}

// Messages of the scripted model's findings on app/client.py of the demo change.
const (
	trueBug   = "eval runs code from its input."
	samePlace = "Calling eval on input executes arbitrary code." // the same problem, in other words
	otherBug  = "run has no docstring or type hints for expr."   // another problem on the same line
	planted   = "Consider adding error handling to find_user."   // the planted false positive
)

func verifyForge(t *testing.T) *reviewertest.Forge {
	t.Helper()
	raw, err := os.ReadFile("../testdata/demo/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	return &reviewertest.Forge{Change: reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"}, Patch: raw}
}

func verifyModel() *verifyingModel {
	return &verifyingModel{fakeModel: &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		var fs []reviewer.ModelFinding
		if slices.Contains(filesIn(user), "app/client.py") {
			fs = []reviewer.ModelFinding{
				// On run's first line: the eval line below it is the built-in py-eval-exec's,
				// whose pattern finding would fold these in.
				{Path: "app/client.py", Line: 20, Severity: "warning", Message: trueBug, Quote: "def run(expr):"},
				{Path: "app/client.py", Line: 20, Severity: "error", Message: samePlace, Quote: "def run(expr):"},
				{Path: "app/client.py", Line: 20, Severity: "info", Message: otherBug},
				{Path: "app/client.py", Line: 15, Severity: "warning", Message: planted},
			}
		}
		return reviewer.Reply{Findings: fs, Model: "gpt-test", Requests: 1, Usage: reviewer.TokenUsage{PromptTokens: 1000, CompletionTokens: 100}}, nil
	}}}
}

func verifyRun(t *testing.T, f *reviewertest.Forge, m reviewer.Model) reviewer.Result {
	t.Helper()
	return verifyRunTiers(t, f, m, reviewer.TierOptions{})
}

func verifyRunTiers(t *testing.T, f *reviewertest.Forge, m reviewer.Model, tiers reviewer.TierOptions) reviewer.Result {
	t.Helper()
	rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{
		Model:   m,
		Forge:   f,
		Publish: reviewer.PublishOptions{FailOn: rules.SeverityError, Seal: testKey},
		Verify:  reviewer.VerifyOptions{Enabled: true, MinConfidence: 0.5},
		Prices:  map[string]reviewer.Price{"gpt-test": {Input: 1, Output: 4}},
		Tiers:   tiers,
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 7}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func postedModelMessages(f *reviewertest.Forge) []string {
	var out []string
	for _, c := range f.Comments {
		if c.Finding.Source == reviewer.SourceLLM {
			out = append(out, c.Finding.Message)
		}
	}
	slices.Sort(out)
	return out
}

// TestVerificationPipeline: the model's candidates are verified before anything is
// posted. The planted false positive is dropped, the same problem reported twice is
// posted once (at the higher severity), another problem on the same line stays, and the
// summary counts what was dropped, with the verifier's hostile reason rendered safe.
func TestVerificationPipeline(t *testing.T) {
	t.Parallel()
	hostile := "<img src=x onerror=alert(1)> @everyone " + strings.Repeat("very long reason ", 500)
	m := verifyModel()
	m.verdicts = func(id, msg string, ids map[string]string) reviewer.Verdict {
		switch msg {
		case planted:
			return reviewer.Verdict{ID: id, Keep: false, Confidence: 0.9, Reason: hostile}
		case samePlace:
			return reviewer.Verdict{ID: id, Keep: true, Confidence: 0.9, DuplicateOf: ids[trueBug]}
		}
		return reviewer.Verdict{ID: id, Keep: true, Confidence: 0.8, Reason: "holds"}
	}
	f := verifyForge(t)
	res := verifyRun(t, f, m)

	if diff := cmp.Diff([]string{trueBug, otherBug}, postedModelMessages(f)); diff != "" {
		t.Errorf("posted model findings (-want +got):\n%s", diff)
	}
	for _, c := range f.Comments {
		if c.Finding.Message == trueBug && c.Finding.Severity != rules.SeverityError {
			t.Errorf("the merged finding is a %s, want the duplicate's error", c.Finding.Severity)
		}
	}
	v := res.Verification
	if !v.Verified() || v.Candidates != 4 || v.Checked != 4 || len(v.Dropped) != 2 {
		t.Errorf("verification %+v: want 4 checked, 2 dropped", v)
	}
	if len(m.asked) != 1 || strings.Contains(strings.Join(m.asked, ""), "AKIA2E0A8F3B244C9986") {
		t.Errorf("%d verification requests (want 1), or the AWS key reached the verifier", len(m.asked))
	}
	if res.Usage.Requests != v.Usage.Requests+1 || v.Usage.PromptTokens != 300 || res.Usage.CostUSD <= v.Usage.CostUSD || v.Usage.CostUSD == 0 {
		t.Errorf("usage %+v, verification usage %+v: want the pass's cost in the totals", res.Usage, v.Usage)
	}
	patterns := 0
	for _, pf := range res.Findings {
		if pf.Source == reviewer.SourcePattern {
			patterns++
			if strings.Contains(strings.Join(m.asked, ""), pf.Message) {
				t.Errorf("the pattern finding %q was sent to verification", pf.Message)
			}
		}
	}
	if patterns == 0 {
		t.Error("the demo change gave no pattern finding: the test proves nothing about them")
	}
	if !strings.Contains(f.Summary, "2 candidate findings dropped by verification") {
		t.Errorf("summary does not count what was dropped:\n%s", f.Summary)
	}
	if strings.Contains(f.Summary, "<img") || strings.Contains(f.Summary, "@everyone") || strings.Count(f.Summary, "very long reason") > 20 {
		t.Errorf("the verifier's reason reached the summary unsafe or whole:\n%s", f.Summary)
	}
}

// TestVerificationFollowsTier: a tier whose plan has no verification posts the model's
// findings unverified, and asks the verifier nothing.
func TestVerificationFollowsTier(t *testing.T) {
	t.Parallel()
	plans := reviewer.DefaultTierPlans()
	for i := range plans {
		plans[i].Verify = false
	}
	m := verifyModel()
	f := verifyForge(t)
	res := verifyRunTiers(t, f, m, reviewer.TierOptions{Plans: plans})
	if !res.Tier.Plan.AskModel {
		t.Fatalf("tier %+v asks no model: the test proves nothing", res.Tier)
	}
	if len(m.asked) != 0 || res.Verification.Verified() {
		t.Errorf("%d verification requests, verification %+v: want none under a plan without it", len(m.asked), res.Verification)
	}
	if len(postedModelMessages(f)) == 0 {
		t.Error("no model finding was posted")
	}
}

// TestVerificationAsksTheTierModel: the findings of a tier with a model of its own
// (gateway.models) are checked by that model first.
func TestVerificationAsksTheTierModel(t *testing.T) {
	t.Parallel()
	plans := reviewer.DefaultTierPlans()
	plans[reviewer.TierFull].Model = "big-model"
	m := verifyModel()
	m.verdicts = func(id, _ string, _ map[string]string) reviewer.Verdict {
		return reviewer.Verdict{ID: id, Keep: true, Confidence: 0.9, Reason: "holds"}
	}
	res := verifyRunTiers(t, verifyForge(t), m, reviewer.TierOptions{Force: reviewer.TierFull, Plans: plans})
	if res.Tier.Level != reviewer.TierFull || len(m.models) == 0 {
		t.Fatalf("tier %s, %d verification requests: want a full review that verifies", res.Tier.Level, len(m.models))
	}
	for _, model := range m.models {
		if model != "big-model" {
			t.Errorf("verification asked %q first, want the tier's big-model", model)
		}
	}
}

// TestVerificationFailure: a verifier that fails loses no finding: the model's findings
// are posted as they are without the pass (one a line), and the summary says they were
// not verified.
func TestVerificationFailure(t *testing.T) {
	t.Parallel()
	m := verifyModel()
	m.fail = errors.New("gateway down")
	f := verifyForge(t)
	res := verifyRun(t, f, m)
	var places []int
	for _, c := range f.Comments {
		if c.Finding.Source == reviewer.SourceLLM {
			places = append(places, c.Finding.Line)
		}
	}
	slices.Sort(places)
	if diff := cmp.Diff([]int{15, 20}, places); diff != "" {
		t.Errorf("posted lines (-want +got):\n%s", diff)
	}
	if v := res.Verification; v.Verified() || v.Unverified != 4 || len(v.Dropped) != 0 {
		t.Errorf("verification %+v: want 4 unverified", v)
	}
	if !strings.Contains(f.Summary, "4 model findings not verified (model request failed") {
		t.Errorf("summary does not say the findings were not verified:\n%s", f.Summary)
	}
}

// TestVerificationSeesScope: the verifier is shown the function around a finding from
// the head version read for context, lines the hunk does not hold included.
func TestVerificationSeesScope(t *testing.T) {
	t.Parallel()
	m := verifyModel()
	m.verdicts = func(id, _ string, _ map[string]string) reviewer.Verdict {
		return reviewer.Verdict{ID: id, Keep: true, Confidence: 0.9, Reason: "holds"}
	}
	f := verifyForge(t)
	head := "import os\n" + strings.Repeat("LIMIT = 1\n", 14) + "\n" + "def run(expr):\n" +
		"    # scope-marker: expr comes straight from the request\n    x = 1\n    y = 2\n    return eval(expr)\n"
	f.Files = fstest.MapFS{"app/client.py": {Data: []byte(head)}}
	rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{
		Model:   m,
		Forge:   f,
		Publish: reviewer.PublishOptions{FailOn: rules.SeverityError, Seal: testKey},
		Verify:  reviewer.VerifyOptions{Enabled: true, MinConfidence: 0.5},
		Context: reviewer.ContextOptions{Enabled: true},
	}, nil)
	if _, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 7}}); err != nil {
		t.Fatal(err)
	}
	if len(m.asked) != 1 {
		t.Fatalf("%d verification requests, want 1", len(m.asked))
	}
	if !strings.Contains(m.asked[0], "SCOPE lines 17-21\n") || !strings.Contains(m.asked[0], "18:     # scope-marker: expr comes straight from the request") {
		t.Errorf("the verifier was not shown run's scope:\n%s", m.asked[0])
	}
}

// TestTrivialRunKeepsModelThreads: a run that asks no model (review.tier forced to
// trivial here; a change that became docs-only alike) leaves the model's earlier threads
// open and counted: only the pattern rules ran, and they say nothing of those. No seal
// key: the second run can not tell what changed since the first, and would resolve
// whatever its findings lack.
func TestTrivialRunKeepsModelThreads(t *testing.T) {
	t.Parallel()
	m := verifyModel()
	m.verdicts = func(id, _ string, _ map[string]string) reviewer.Verdict {
		return reviewer.Verdict{ID: id, Keep: true, Confidence: 0.9, Reason: "holds"}
	}
	f := verifyForge(t)
	run := func(tiers reviewer.TierOptions) reviewer.Result {
		rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{
			Model: m, Forge: f, Tiers: tiers,
			Publish: reviewer.PublishOptions{FailOn: rules.SeverityError},
			Verify:  reviewer.VerifyOptions{Enabled: true, MinConfidence: 0.5},
		}, nil)
		res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 7}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	run(reviewer.TierOptions{})
	model := len(postedModelMessages(f))
	if model == 0 {
		t.Fatal("the first run posted no model finding: the test proves nothing")
	}
	res := run(reviewer.TierOptions{Force: reviewer.TierTrivial})
	if res.Tier.Plan.AskModel {
		t.Fatal("the forced trivial run asked the model")
	}
	for _, c := range f.Comments {
		if c.Finding.Source == reviewer.SourceLLM && c.Resolved {
			t.Errorf("the model's thread %q was resolved by a run that asked no model", c.Finding.Message)
		}
	}
	if res.Published.Kept < model {
		t.Errorf("kept %d threads, want at least the model's %d", res.Published.Kept, model)
	}
}
