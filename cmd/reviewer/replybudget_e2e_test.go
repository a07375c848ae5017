package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// budgetGateway is a model gateway whose reviews cost nothing, whose answers to questions
// cost 120 tokens (100 prompt, 20 completion) and whose classifications of replies cost 6
// (5, 1) and answer "ack". It counts the questions and classifications it was asked.
func budgetGateway(t *testing.T) (gw *httptest.Server, questions, classifications func() int) {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	nq, nc := 0, 0
	gw = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &req) != nil || len(req.Messages) < 2 {
			http.Error(w, `{"error":{"message":"bad request"}}`, http.StatusBadRequest)
			return
		}
		content, prompt, completion := `{"findings": []}`, 0, 0
		mu.Lock()
		switch {
		case strings.Contains(req.Messages[0].Content, "asked you a question"):
			nq++
			content, prompt, completion = "It turns off TLS verification. Pass verify=True.", 100, 20
		case strings.Contains(string(body), `"reply_intent"`):
			nc++
			content, prompt, completion = `{"intent": "ack"}`, 5, 1
		case strings.Contains(string(body), `"finding_verdicts"`):
			content = `{"verdicts": []}`
		}
		mu.Unlock()
		var resp map[string]any
		_ = json.Unmarshal(tmpl, &resp)
		resp["model"] = req.Model
		resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = content
		resp["usage"] = map[string]any{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
		fakeforge.WriteJSON(w, http.StatusOK, resp)
	}))
	t.Cleanup(gw.Close)
	count := func(n *int) func() int {
		return func() int {
			mu.Lock()
			defer mu.Unlock()
			return *n
		}
	}
	return gw, count(&nq), count(&nc)
}

// TestServeRepliesAreBudgeted: answers to questions and the model's reading of replies
// are charged to the repository's daily token budget, and refused once it is spent: one
// reply in the thread says so, and the model is not asked.
func TestServeRepliesAreBudgeted(t *testing.T) {
	t.Parallel()
	gw, questions, classifications := budgetGateway(t)
	f := newGitHubFake(t, changeV1(t))
	f.SetPermission("maintainer", "write")
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(append(quickQueue(db), gatewayEnv(gw)...), "REVIEWER_SERVER_CLONES_MAX_MIB=0", "REVIEWER_GITHUB_TOKEN="+ghToken,
		"REVIEWER_GITHUB_BASE_URL="+f.BaseURL(), "REVIEWER_GITHUB_WEBHOOK_SECRET="+serveSecret, "REVIEWER_GITHUB_BOT_LOGIN="+ghBot,
		"REVIEWER_REVIEW_BUDGET_REPO_TOKENS_PER_DAY=130"))
	ghPush(t, p.addr, "push-1", shaHead1)
	waitFor(t, "the pull request reviewed", func() bool { _, _, _, st := f.snapshot(); return len(st) > 0 })
	var root int64
	for _, id := range ghThreads(f) {
		root = id
	}
	if root == 0 {
		t.Fatal("the review opened no thread")
	}
	done := 0 // replies handled
	say := func(key, body string) {
		t.Helper()
		id := f.AddReply("maintainer", root, body)
		if code, answer := ghReply(t, p.addr, key, root, id, map[string]any{"login": "maintainer", "id": 5002, "type": "User"},
			body); code != http.StatusAccepted {
			t.Fatalf("%s: %d %s", key, code, answer)
		}
		done++
		waitFor(t, key+" done", func() bool { return strings.Count(p.logs.String(), `"msg":"reply done"`) == done })
	}
	botReplies := func() []string {
		var out []string
		for _, c := range ghThreadComments(f, root) {
			if c.User == ghBot {
				out = append(out, c.Body)
			}
		}
		return out
	}

	// Spent: 0 (the review), then 6 (a reply the model reads), then 126 (an answer).
	say("hmm-1", "hmm, interesting")
	say("question-1", "Why is this a problem?")
	if got := botReplies(); len(got) != 1 || !strings.Contains(got[0], "Pass verify=True.") {
		t.Fatalf("under budget, the bot's replies are %q, want the answer", got)
	}
	// 132: over.
	say("hmm-2", "hmm, I see")
	say("question-2", "Why though?")
	got := botReplies()
	if len(got) != 2 || !strings.Contains(got[1], "daily token budget of this repository is spent") ||
		!strings.Contains(got[1], "review.budget.repo_tokens_per_day") {
		t.Fatalf("over budget, the bot's replies are %q, want the answer and one saying the budget is spent", got)
	}
	// Said once: a second question while it is spent gets no second reply.
	say("question-3", "And why is that?")
	if got := botReplies(); len(got) != 2 {
		t.Errorf("after a second question over budget the bot replied %d times, want 2: %q", len(got), got)
	}
	// Nor is a reply the rules cannot read sent to the model.
	say("hmm-3", "hmm, curious")
	if n, c := questions(), classifications(); n != 1 || c != 2 {
		t.Errorf("the model answered %d questions and read %d replies, want 1 and 2", n, c)
	}
	for sample, want := range map[string]string{
		`reviewer_questions_total{outcome="answered"}`:    "1",
		`reviewer_questions_total{outcome="over_budget"}`: "2",
		`reviewer_replies_total{class="question"}`:        "3",
		`reviewer_replies_total{class="ack"}`:             "2", // the model's reading
		`reviewer_replies_total{class="unknown"}`:         "1", // not read: over budget
	} {
		if got := metric(t, p.addr, sample); got != want {
			t.Errorf("%s = %q, want %s", sample, got, want)
		}
	}
}

// The rule label of reviewer_dismissals_total is bounded: odd or long ids, and ids past
// the first maxRuleLabels, are "other".
func TestDismissalRuleLabels(t *testing.T) {
	t.Parallel()
	r := &ruleLabels{seen: map[string]bool{}}
	for _, tt := range []struct{ id, want string }{
		{"py-requests-verify-false", "py-requests-verify-false"},
		{"", otherRule},
		{strings.Repeat("a", 65), otherRule},
		{"x\"} 1\nevil", otherRule},
		{"sql/no-concat.v2", "sql/no-concat.v2"},
	} {
		if got := r.label(tt.id); got != tt.want {
			t.Errorf("label(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
	for i := range maxRuleLabels {
		r.label("rule-" + strconv.Itoa(i))
	}
	if got := r.label("one-too-many"); got != otherRule {
		t.Errorf("past %d ids, label = %q, want %q", maxRuleLabels, got, otherRule)
	}
	if got := r.label("py-requests-verify-false"); got != "py-requests-verify-false" {
		t.Errorf("an id seen before the cap lost its label: %q", got)
	}
}
