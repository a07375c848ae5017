package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// promptRecorder is a gateway that answers every request with no findings and keeps the
// user messages it was sent.
type promptRecorder struct {
	*httptest.Server
	mu    sync.Mutex
	users []string
}

func newPromptRecorder(t *testing.T) *promptRecorder {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	g := &promptRecorder{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.users = append(g.users, req.Messages[len(req.Messages)-1].Content)
		g.mu.Unlock()
		var resp map[string]any
		if err := json.Unmarshal(tmpl, &resp); err != nil {
			t.Error(err)
			return
		}
		resp["model"] = req.Model
		resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = `{"findings":[]}`
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *promptRecorder) sent() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return strings.Join(g.users, "\n")
}

const svcBase = `package svc

import "sync"

var mu sync.Mutex

// Count counts.
func Count(items []string) int {
	mu.Lock()
	n := 0
	for range items {
		n++
	}
	return n
}
`

// TestReviewGitContext runs reviewer review in a real repository: the prompt carries the
// enclosing function from the head commit, with its first lines that the hunk does not
// show (the mu.Lock the added line repeats), and the JSON report's egress names the
// context sent; review.context.enabled=false sends the diff alone.
func TestReviewGitContext(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, "svc/count.go"), svcBase)
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	gitRun(t, dir, "checkout", "-q", "-b", "feature")
	writeFile(t, filepath.Join(dir, "svc/count.go"), strings.Replace(svcBase, "\treturn n\n", "\tmu.Lock()\n\treturn n\n", 1))
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "feature")

	for _, tt := range []struct {
		name    string
		enabled string
		want    []string
	}{
		{"on", "true", []string{"1-16 whole file"}},
		{"off", "false", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newPromptRecorder(t)
			environ := []string{
				"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1", "REVIEWER_GATEWAY_API_KEY=sk-test", "REVIEWER_GATEWAY_MODEL=gpt-test",
				"REVIEWER_CACHE_DIR=" + filepath.Join(t.TempDir(), "cache"), "REVIEWER_REVIEW_CONTEXT_ENABLED=" + tt.enabled,
				"REVIEWER_REVIEW_CONTEXT_LINES=1",
			}
			r := runCmd(t, dir, environ, "review", "--format", "json", "--builtin=false")
			if r.code != 0 {
				t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
			}
			var rep struct {
				Egress []struct {
					Files []struct {
						Path    string   `json:"path"`
						Context []string `json:"context"`
					} `json:"files"`
				} `json:"egress"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Egress) != 1 || len(rep.Egress[0].Files) != 1 {
				t.Fatalf("report %v: %s", err, r.stdout)
			}
			if diff := cmp.Diff(tt.want, rep.Egress[0].Files[0].Context); diff != "" {
				t.Errorf("egress context (-want +got):\n%s", diff)
			}
			sent := g.sent()
			has := strings.Contains(sent, "_CONTEXT\nFILE svc/count.go\n== lines 1-16: whole file\n") && strings.Contains(sent, "\n9: \tmu.Lock()\n")
			if has != (tt.enabled == "true") {
				t.Errorf("context sent = %v with review.context.enabled=%s:\n%s", has, tt.enabled, sent)
			}
		})
	}
}

// TestForgeChangeContext: reviewer review --change reads the changed files at the head
// through the forge's API (never the rules there, which the fakes would flag) and sends
// them as context.
func TestForgeChangeContext(t *testing.T) {
	t.Parallel()
	for _, forge := range []string{"github", "gitlab"} {
		t.Run(forge, func(t *testing.T) {
			t.Parallel()
			var f fakeForge
			read := "/contents/app/client.py"
			if forge == "github" {
				f = newGitHubFake(t, changeV1(t))
			} else {
				f = newGitLabFake(t, changeV1(t))
				read = "/repository/files/app%2Fclient%2Epy/raw"
			}
			g := newPromptRecorder(t)
			run := reviewChange(t, f, gatewayEnv(g.Server))
			if run.code != 0 && run.code != exitFindings {
				t.Fatalf("exit %d\nstderr:\n%s", run.code, run.stderr)
			}
			atHead := 0
			for _, r := range filter(run.reqs, "GET", read) {
				if r.Query.Get("ref") == shaHead1 {
					atHead++
				}
			}
			if atHead != 1 {
				t.Errorf("app/client.py read %d times at the head, want once: %v", atHead, run.reqs)
			}
			if !strings.Contains(g.sent(), "_CONTEXT\nFILE app/client.py\n") {
				t.Errorf("no context for app/client.py in the prompts:\n%s", g.sent())
			}
		})
	}
}

// TestReviewUncommittedContext: the head of uncommitted changes is the work tree, and the
// context comes from it.
func TestReviewUncommittedContext(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	gitRun(t, dir, "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, "svc/count.go"), svcBase)
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	writeFile(t, filepath.Join(dir, "svc/count.go"), strings.Replace(svcBase, "\treturn n\n", "\tmu.Lock()\n\treturn n\n", 1))
	g := newPromptRecorder(t)
	environ := []string{"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1", "REVIEWER_GATEWAY_MODEL=gpt-test",
		"REVIEWER_CACHE_DIR=" + filepath.Join(t.TempDir(), "cache"), "REVIEWER_REVIEW_CONTEXT_LINES=1"}
	r := runCmd(t, dir, environ, "review", "--uncommitted", "--format", "json", "--builtin=false")
	if r.code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(g.sent(), "_CONTEXT\nFILE svc/count.go\n") || !strings.Contains(g.sent(), "\n9: \tmu.Lock()\n") {
		t.Errorf("no context from the work tree in the prompt:\n%s", g.sent())
	}
}
