package reviewer_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/rules"
)

// fakeModel answers each prompt with answer(prompt), records every prompt, and is safe
// for concurrent use like a real client.
type fakeModel struct {
	answer func(user string) (reviewer.Reply, error)

	mu      sync.Mutex
	prompts []reviewer.Prompt
}

func (m *fakeModel) Review(_ context.Context, p reviewer.Prompt) (reviewer.Reply, error) {
	m.mu.Lock()
	m.prompts = append(m.prompts, p)
	m.mu.Unlock()
	return m.answer(p.Messages[len(p.Messages)-1].Content)
}

func (m *fakeModel) sent() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	for _, p := range m.prompts {
		for _, msg := range p.Messages {
			b.WriteString(msg.Content)
		}
	}
	return b.String()
}

var fileLine = regexp.MustCompile(`(?m)^FILE (\S+)`)

func filesIn(user string) []string {
	var out []string
	for _, m := range fileLine.FindAllStringSubmatch(user, -1) {
		out = append(out, m[1])
	}
	return out
}

// envDiff adds a .env file to the demo change: it must never reach the model.
const envDiff = "diff --git a/.env b/.env\nnew file mode 100644\n--- /dev/null\n+++ b/.env\n@@ -0,0 +1 @@\n+DATABASE_URL=postgres://app:s3cr3t-pw@db/app\n"

func demoWithEnv(t *testing.T) []byte {
	t.Helper()
	raw, err := os.ReadFile("../testdata/demo/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	return append(raw, envDiff...)
}

func TestReviewWithModel(t *testing.T) {
	t.Parallel()
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		var fs []reviewer.ModelFinding
		for _, path := range filesIn(user) {
			switch path {
			case "app/client.py":
				fs = append(fs,
					// On the right line, with the rule the chunk carries.
					reviewer.ModelFinding{Path: path, Line: 16, Severity: "error", RuleID: "py-sql-string-format", Message: "SQL injection.", Quote: "cur.execute(f\"SELECT"},
					// A wrong line number, but the quote says where it is meant.
					reviewer.ModelFinding{Path: path, Line: 18, Severity: "warning", Message: "eval of input.", Quote: "return eval(expr)", Suggestion: "return ast.literal_eval(expr)"},
					// A line that is not in the diff and nothing to find it by.
					reviewer.ModelFinding{Path: path, Line: 400, Severity: "info", Message: "Far away."},
					// A file that is not in this chunk.
					reviewer.ModelFinding{Path: "app/other.py", Line: 1, Severity: "info", Message: "Elsewhere."},
				)
			case "svc/main.go":
				fs = append(fs,
					// The built-in go-ignored-error's line: the model, not shown the rule, says it in its own words.
					reviewer.ModelFinding{Path: path, Line: 18, Severity: "warning", Message: "Setenv error dropped.", Quote: "_ = os.Setenv"},
					reviewer.ModelFinding{Path: path, Line: 14, Severity: "warning", Message: "The response body is never closed.", Quote: "resp, err := client.Get"})
			}
		}
		return reviewer.Reply{Findings: fs, Usage: reviewer.TokenUsage{PromptTokens: 1000, CompletionTokens: 100, CachedTokens: 400}, Model: "gpt-test", Requests: 1}, nil
	}}
	rv := reviewer.New(diffBytes(demoWithEnv(t)), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{
		Model:  model,
		Prices: map[string]reviewer.Price{"GPT-test": {Input: 1, CachedInput: 0.5, Output: 4}},
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "demo", Title: "Add client"}})
	if err != nil {
		t.Fatal(err)
	}

	type got struct {
		Path     string
		Line     int
		Rule     string
		Source   reviewer.Source
		Suggests bool
	}
	var llm []got
	for _, f := range res.Findings {
		if f.Source == reviewer.SourceLLM {
			llm = append(llm, got{f.Path, f.Line, f.RuleID, f.Source, f.Suggestion != ""})
		}
	}
	// The finding on the line of a built-in pattern rule (eval on 21) is folded into the
	// pattern's: one finding a line, the pattern's, which takes the model's suggestion.
	// go-ignored-error is summary-only: its line (18) has no comment but the model's.
	want := []got{
		{"svc/main.go", 14, "", reviewer.SourceLLM, false},
		{"svc/main.go", 18, "", reviewer.SourceLLM, false},
	}
	if diff := cmp.Diff(want, llm); diff != "" {
		t.Errorf("model findings (-want +got):\n%s", diff)
	}
	for _, at := range []struct {
		path    string
		line    int
		suggest string
	}{{"app/client.py", 21, "return ast.literal_eval(expr)"}} {
		var on []reviewer.Finding
		for _, f := range res.Findings {
			if f.Path == at.path && f.Line == at.line {
				on = append(on, f)
			}
		}
		if len(on) != 1 || on[0].Source != reviewer.SourcePattern || on[0].Suggestion != at.suggest {
			t.Errorf("%s:%d: findings %+v, want the pattern's alone, suggesting %q", at.path, at.line, on, at.suggest)
		}
	}
	// The model's SQL finding on line 16 is the pattern rule's: reported once, as the pattern's.
	n := 0
	for _, f := range res.Findings {
		if f.Path == "app/client.py" && f.Line == 16 && f.RuleID == "py-sql-string-format" {
			n++
			if f.Source != reviewer.SourcePattern {
				t.Errorf("merged finding has source %s, want pattern", f.Source)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d findings for line 16 and py-sql-string-format, want 1", n)
	}

	wantUnplaced := []reviewer.Unplaced{
		{Path: "app/client.py", Message: "line 400 is not in the diff: Far away."},
		{Path: "app/other.py", Message: "app/other.py was not in the reviewed chunk: Elsewhere."},
	}
	if diff := cmp.Diff(wantUnplaced, res.Unplaced); diff != "" {
		t.Errorf("unplaced (-want +got):\n%s", diff)
	}

	sent := model.sent()
	for _, secret := range []string{"AKIA2E0A8F3B244C9986", "s3cr3t-pw", "DATABASE_URL"} {
		if strings.Contains(sent, secret) {
			t.Errorf("%q was sent to the model", secret)
		}
	}
	if !strings.Contains(sent, "return eval(expr)") {
		t.Error("the reviewed code was not sent")
	}
	var env reviewer.FileCoverage
	for _, f := range res.Coverage.Files {
		if f.Path == ".env" {
			env = f
		}
	}
	if env.Outcome != reviewer.OutcomeWithheld || env.Reason == "" {
		t.Errorf(".env in the ledger: %+v, want withheld with a reason", env)
	}

	// One request: 600 uncached prompt tokens at $1, 400 cached at $0.5, 100 out at $4 per million.
	wantUsage := reviewer.Usage{Requests: 1, PromptTokens: 1000, CompletionTokens: 100, CachedTokens: 400, CostUSD: 0.0012, Model: "gpt-test", Answers: 1}
	if diff := cmp.Diff(wantUsage, res.Usage, cmp.Comparer(func(a, b float64) bool { return a-b < 1e-12 && b-a < 1e-12 })); diff != "" {
		t.Errorf("usage (-want +got):\n%s", diff)
	}
	if len(res.Egress) != 1 || len(res.Egress[0].Files) != 3 {
		t.Errorf("egress: %+v, want one request of three files", res.Egress)
	}
	if !res.LLMEnabled {
		t.Error("LLMEnabled is false")
	}
}

// TestReviewWithModelTruncated: an answer cut off at the length limit is asked again with
// the chunk split, down to one file per request.
func TestReviewWithModelTruncated(t *testing.T) {
	t.Parallel()
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		if files := filesIn(user); len(files) > 1 {
			return reviewer.Reply{}, reviewer.ErrTruncated
		} else if files[0] == "svc/main.go" {
			return reviewer.Reply{Findings: []reviewer.ModelFinding{{Path: "svc/main.go", Line: 12, Severity: "error", Message: "TLS off."}}, Requests: 1, Model: "m"}, nil
		}
		return reviewer.Reply{Requests: 1, Model: "m"}, nil
	}}
	rv := reviewer.New(diffBytes(demoWithEnv(t)), ruleFS{fsys: fstest.MapFS{}, opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{Model: model}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Findings) != 1 || res.Findings[0].Line != 12 {
		t.Errorf("findings %+v, want the one on svc/main.go:12", res.Findings)
	}
	if !res.Coverage.Complete() {
		t.Errorf("ledger incomplete after splitting: %+v", res.Coverage.Files)
	}
	if res.Usage.Requests != 3 {
		t.Errorf("%d requests counted, want 3 (one per file after splitting)", res.Usage.Requests)
	}
}

// TestReviewWithModelFailures: a file whose request fails is "failed" in the ledger, the
// others are still reviewed, and nothing is made up.
func TestReviewWithModelFailures(t *testing.T) {
	t.Parallel()
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		if strings.Contains(user, "FILE web/app.js") {
			// The gateway's address is internal: the ledger, which the summary shows on
			// the change, must not quote it.
			return reviewer.Reply{}, errors.New(`Post "http://llm-gw.internal:4000/v1/chat/completions": 500 three times`)
		}
		return reviewer.Reply{Requests: 1, Model: "m"}, nil
	}}
	rv := reviewer.New(diffBytes(demoWithEnv(t)), ruleFS{fsys: fstest.MapFS{}, opts: rules.RepoOptions{NoBuiltin: true}},
		reviewer.Options{Model: model, Chunk: chunk.Options{MaxChunkTokens: 1200}}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	// The files that shared a request with web/app.js failed with it; the others were
	// reviewed.
	withFailing := map[string]bool{}
	for _, p := range model.prompts {
		user := p.Messages[len(p.Messages)-1].Content
		if strings.Contains(user, "FILE web/app.js") {
			for _, f := range filesIn(user) {
				withFailing[f] = true
			}
		}
	}
	if len(withFailing) == 3 {
		t.Fatal("every file shared one request: the test needs smaller chunks")
	}
	outcomes := map[string]string{}
	want := map[string]string{}
	for _, f := range res.Coverage.Files {
		outcomes[f.Path] = string(f.Outcome) + " " + f.Reason
		switch {
		case f.Path == ".env" || f.Path == "web/package-lock.json":
			want[f.Path] = outcomes[f.Path]
		case withFailing[f.Path]:
			want[f.Path] = "failed model request failed (the service's log has the details)"
		default:
			want[f.Path] = "reviewed "
		}
	}
	if !strings.HasPrefix(outcomes[".env"], "withheld ") || outcomes["web/package-lock.json"] != "filtered lock file" {
		t.Errorf("ledger: %v", outcomes)
	}
	if diff := cmp.Diff(want, outcomes); diff != "" {
		t.Errorf("ledger (-want +got):\n%s", diff)
	}
	if res.Coverage.Complete() {
		t.Error("a ledger with a failed file reads as complete")
	}
}

func TestReviewDryRunAndBudget(t *testing.T) {
	t.Parallel()
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
		return reviewer.Reply{}, errors.New("a dry run must not ask")
	}}
	rv := reviewer.New(diffBytes(demoWithEnv(t)), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{
		Model: model, DryRun: true,
		Chunk: chunk.Options{MaxChunkTokens: 1200, MaxTokensPerChange: 1500},
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if len(model.prompts) != 0 {
		t.Errorf("a dry run sent %d requests", len(model.prompts))
	}
	if len(res.Planned) == 0 {
		t.Fatal("a dry run planned no request")
	}
	total := 0
	for _, p := range res.Planned {
		total += p.Tokens
		if p.Tokens > 1200 {
			t.Errorf("planned request of %d tokens, over review.max_chunk_tokens", p.Tokens)
		}
	}
	if total > 1500 {
		t.Errorf("planned %d tokens, over review.max_tokens_per_change", total)
	}
	skipped := 0
	for _, f := range res.Coverage.Files {
		if f.Outcome == reviewer.OutcomeSkipped {
			skipped++
			if f.Reason != "budget" {
				t.Errorf("%s skipped for %q, want budget", f.Path, f.Reason)
			}
		}
	}
	if skipped == 0 {
		t.Error("a change over budget skipped no file")
	}
}

// TestReviewWithModelPaths: a secret in a file name is masked in what is sent but the
// report names the real file; a sensitive file renamed to an innocent name stays withheld.
func TestReviewWithModelPaths(t *testing.T) {
	t.Parallel()
	token := "ghp_" + "0123456789abcdefghijABCDEFGHIJ012345"
	d := "diff --git a/tokens/" + token + ".txt b/tokens/" + token + ".txt\nnew file mode 100644\n--- /dev/null\n+++ b/tokens/" + token + ".txt\n@@ -0,0 +1,2 @@\n+first line of notes\n+second line of notes\n" +
		"diff --git a/.env b/deploy/prod.txt\nsimilarity index 90%\nrename from .env\nrename to deploy/prod.txt\n--- a/.env\n+++ b/deploy/prod.txt\n@@ -1,2 +1,2 @@\n DB_HOST=db\n-DB_PASSWORD=old\n+DB_PASSWORD=correcthorse\n"
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		var fs []reviewer.ModelFinding
		for _, p := range filesIn(user) {
			fs = append(fs, reviewer.ModelFinding{Path: p, Line: 2, Severity: "info", Message: "Notes belong in the wiki.", Quote: "second line of notes"})
		}
		return reviewer.Reply{Findings: fs, Requests: 1, Model: "m"}, nil
	}}
	// Text files only: a trivial change by its paths, which the test makes the model see.
	opts := reviewer.Options{Model: model, Tiers: reviewer.TierOptions{Force: reviewer.TierFull}}
	rv := reviewer.New(diffBytes(d), ruleFS{fsys: fstest.MapFS{}, opts: rules.RepoOptions{NoBuiltin: true}}, opts, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	sent := model.sent()
	for _, secret := range []string{token, "correcthorse"} {
		if strings.Contains(sent, secret) {
			t.Errorf("%q was sent to the model", secret)
		}
	}
	if len(res.Findings) != 1 || res.Findings[0].Path != "tokens/"+token+".txt" || res.Findings[0].Line != 2 {
		t.Errorf("findings %+v: want one on line 2 of the real path", res.Findings)
	}
	for _, e := range res.Egress {
		for _, f := range e.Files {
			if strings.Contains(f.Path, token) {
				t.Errorf("the egress record names the secret: %s", f.Path)
			}
		}
	}
	got := map[string]reviewer.Outcome{}
	for _, f := range res.Coverage.Files {
		got[f.Path] = f.Outcome
	}
	if got["deploy/prod.txt"] != reviewer.OutcomeWithheld {
		t.Errorf("the renamed .env is %s, want withheld", got["deploy/prod.txt"])
	}
}

// Files that failed for a rate limit say when it lifts, the latest of the resets named.
func TestReviewWithModelRateLimited(t *testing.T) {
	t.Parallel()
	soon, later := time.Now().Add(time.Minute).Truncate(time.Second), time.Now().Add(time.Hour).Truncate(time.Second)
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		if strings.Contains(user, "FILE web/app.js") {
			return reviewer.Reply{}, fmt.Errorf("429 after every retry: %w", &reviewer.RateLimitError{Reset: later})
		}
		return reviewer.Reply{}, &reviewer.RateLimitError{Reset: soon}
	}}
	rv := reviewer.New(diffBytes(demoWithEnv(t)), ruleFS{fsys: fstest.MapFS{}, opts: rules.RepoOptions{NoBuiltin: true}},
		reviewer.Options{Model: model, Chunk: chunk.Options{MaxChunkTokens: 1200}}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.RateLimitedUntil.Equal(later) {
		t.Errorf("RateLimitedUntil = %v, want the latest reset %v", res.RateLimitedUntil, later)
	}
	for _, f := range res.Coverage.Files {
		if f.Outcome == reviewer.OutcomeFailed && f.Reason != "rate limited by the gateway after every retry" {
			t.Errorf("%s failed for %q, want the rate limit", f.Path, f.Reason)
		}
	}
}

// TestModelCannotEscalateRule: a model finding that cites a rule takes that rule's
// severity at most, and its placement; a finding citing no rule keeps its own severity.
func TestModelCannotEscalateRule(t *testing.T) {
	t.Parallel()
	const diff = "diff --git a/app/x.py b/app/x.py\nnew file mode 100644\n--- /dev/null\n+++ b/app/x.py\n@@ -0,0 +1,3 @@\n+a = 1\n+b = 2\n+c = 3\n"
	repo := fstest.MapFS{
		".reviewer/rules/style.md": {Data: []byte("---\nid: py-style\nseverity: info\npaths: ['**/*.py']\n---\nStyle notes.\n")},
		".reviewer/rules/quiet.md": {Data: []byte("---\nid: py-quiet\nseverity: warning\ninline: false\npaths: ['**/*.py']\n---\nHousekeeping.\n")},
	}
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) {
		return reviewer.Reply{Requests: 1, Model: "gpt-test", Findings: []reviewer.ModelFinding{
			{Path: "app/x.py", Line: 1, Severity: "error", RuleID: "py-style", Message: "Escalated style note.", Quote: "a = 1"},
			{Path: "app/x.py", Line: 2, Severity: "error", RuleID: "py-quiet", Message: "Escalated housekeeping.", Quote: "b = 2"},
			{Path: "app/x.py", Line: 3, Severity: "error", Message: "A real bug, no rule.", Quote: "c = 3"},
		}}, nil
	}}
	rv := reviewer.New(diffBytes(diff), ruleFS{fsys: repo, opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{Model: model}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "demo"}})
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		Line        int
		Severity    rules.Severity
		SummaryOnly bool
	}
	var have []got
	for _, f := range res.Findings {
		have = append(have, got{f.Line, f.Severity, f.SummaryOnly})
	}
	want := []got{{1, rules.SeverityInfo, false}, {2, rules.SeverityWarning, true}, {3, rules.SeverityError, false}}
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}
