package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// countingGateway answers reviews with no findings, classifications with "question" and
// questions with a fixed answer; it counts the classification and question requests and
// reports 1,000 prompt tokens for each.
func countingGateway(t *testing.T) (gw *httptest.Server, classified, asked func() int) {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var nClassify, nAsk int
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
		content := `{"findings": []}`
		mu.Lock()
		switch {
		case strings.Contains(req.Messages[0].Content, "You read one reply"):
			nClassify++
			content = `{"intent": "question"}`
		case strings.Contains(req.Messages[0].Content, "asked you a question"):
			nAsk++
			content = "Because it turns off TLS verification."
		case strings.Contains(string(body), `"finding_verdicts"`):
			content = `{"verdicts": []}`
		}
		mu.Unlock()
		var resp map[string]any
		_ = json.Unmarshal(tmpl, &resp)
		resp["model"] = req.Model
		resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = content
		resp["usage"] = map[string]any{"prompt_tokens": 1000, "completion_tokens": 10, "total_tokens": 1010}
		fakeforge.WriteJSON(w, http.StatusOK, resp)
	}))
	t.Cleanup(gw.Close)
	return gw, func() int { mu.Lock(); defer mu.Unlock(); return nClassify },
		func() int { mu.Lock(); defer mu.Unlock(); return nAsk }
}

// ghRoot returns the first of the bot's threads on the fake.
func ghRoot(t *testing.T, f *ghFake) int64 {
	t.Helper()
	for _, id := range ghThreads(f) {
		return id
	}
	t.Fatal("the review opened no thread")
	return 0
}

// TestServeOutsiderReplyCostsNothing: a reply the rules can not read, by someone who is
// neither the change's author nor may change the code, is not sent to the model: their
// intent changes nothing, and they may post as many replies as they like.
func TestServeOutsiderReplyCostsNothing(t *testing.T) {
	t.Parallel()
	gw, classified, _ := countingGateway(t)
	f := newGitHubFake(t, changeV1(t))
	f.SetPermission("stranger", "read")
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(append(quickQueue(db), gatewayEnv(gw)...), "REVIEWER_SERVER_CLONES_MAX_MIB=0", "REVIEWER_GITHUB_TOKEN="+ghToken,
		"REVIEWER_GITHUB_BASE_URL="+f.BaseURL(), "REVIEWER_GITHUB_WEBHOOK_SECRET="+serveSecret, "REVIEWER_GITHUB_BOT_LOGIN="+ghBot))
	ghPush(t, p.addr, "push-1", shaHead1)
	waitFor(t, "the pull request reviewed", func() bool { _, _, _, st := f.snapshot(); return len(st) > 0 })
	root := ghRoot(t, f)
	const words = "hmm, interesting, let me think about this one for a while"
	if reviewer.ClassifyReply(words) != reviewer.IntentUnknown {
		t.Fatalf("the rules read %q: the test needs a reply only the model can read", words)
	}
	id := f.AddReply("stranger", root, words)
	if code, answer := ghReply(t, p.addr, "stranger-1", root, id, map[string]any{"login": "stranger", "id": 6001, "type": "User"},
		words); code != http.StatusAccepted {
		t.Fatalf("the stranger's reply: %d %s", code, answer)
	}
	waitFor(t, "the stranger's reply handled", func() bool {
		l := p.logs.String()
		return strings.Contains(l, `"msg":"reply in the bot's thread"`)
	})
	if n := classified(); n != 0 {
		t.Errorf("the stranger's reply cost %d classification requests, want 0", n)
	}
}

// TestServeReplyListedLate: the service reads a reply as the forge lists it, and a
// forge's list may lag the webhook that announced the reply: a dismissal the list does
// not show yet is looked for again, not lost.
func TestServeReplyListedLate(t *testing.T) {
	t.Parallel()
	f := newGitHubFake(t, changeV1(t))
	f.SetPermission("maintainer", "write")
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(quickQueue(db), "REVIEWER_SERVER_CLONES_MAX_MIB=0", "REVIEWER_GITHUB_TOKEN="+ghToken,
		"REVIEWER_GITHUB_BASE_URL="+f.BaseURL(), "REVIEWER_GITHUB_WEBHOOK_SECRET="+serveSecret, "REVIEWER_GITHUB_BOT_LOGIN="+ghBot))
	ghPush(t, p.addr, "push-1", shaHead1)
	waitFor(t, "the pull request reviewed", func() bool { _, _, _, st := f.snapshot(); return len(st) > 0 })
	root := ghRoot(t, f)
	// The fake numbers comments in order: the reply the webhook announces is the next one.
	next := f.AddReply("someone", root, "a note to a colleague") + 1
	const words = "False positive."
	if code, answer := ghReply(t, p.addr, "late-1", root, next, map[string]any{"login": "maintainer", "id": 5002, "type": "User"},
		words); code != http.StatusAccepted {
		t.Fatalf("the reply: %d %s", code, answer)
	}
	waitFor(t, "the reply looked for and not found", func() bool { return strings.Contains(p.logs.String(), "is not listed in thread") })
	if id := f.AddReply("maintainer", root, words); id != next {
		t.Fatalf("the fake numbered the reply %d, want %d", id, next)
	}
	waitFor(t, "the dismissal recorded", func() bool { return strings.Contains(p.logs.String(), `"msg":"finding dismissed"`) })
}
