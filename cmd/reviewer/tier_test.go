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

	"github.com/google/go-cmp/cmp"
)

// tierGateway answers every review request with no findings and records the model each
// request asked for.
type tierGateway struct {
	*httptest.Server
	mu     sync.Mutex
	models []string
}

func newTierGateway(t *testing.T) *tierGateway {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	g := &tierGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req struct {
			Model string `json:"model"`
		}
		if err != nil || json.Unmarshal(body, &req) != nil {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.models = append(g.models, req.Model)
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

func (g *tierGateway) asked() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.models...)
}

const (
	tierCode = "diff --git a/pkg/load.go b/pkg/load.go\n--- a/pkg/load.go\n+++ b/pkg/load.go\n@@ -1,2 +1,3 @@\n package pkg\n+var limit = 10\n func f() {}\n"
	tierAuth = "diff --git a/internal/auth/session.go b/internal/auth/session.go\n--- a/internal/auth/session.go\n+++ b/internal/auth/session.go\n" +
		"@@ -1,2 +1,2 @@\n package auth\n-func valid(exp, now int) bool { return exp > now }\n+func valid(exp, now int) bool { return exp >= now }\n"
	tierDocs     = "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n # app\n-Old words.\n+New words.\n"
	tierSettings = "diff --git a/.reviewer.yaml b/.reviewer.yaml\nnew file mode 100644\n--- /dev/null\n+++ b/.reviewer.yaml\n@@ -0,0 +1 @@\n+tier: trivial\n"
)

// TestReviewTiers: each change's tier reaches the report and decides the model the
// gateway is asked for (gateway.models), or that none is asked; review.tier forces one; a
// change cannot lower its own tier; the base's .reviewer.yaml sets a floor.
func TestReviewTiers(t *testing.T) {
	t.Parallel()
	models := []string{"REVIEWER_GATEWAY_MODEL=main-model", "REVIEWER_GATEWAY_MODELS_LITE=small-model", "REVIEWER_GATEWAY_MODELS_FULL=strong-model"}
	tests := []struct {
		name     string
		diff     string
		settings string // the base's .reviewer.yaml
		env      []string
		level    string
		asked    []string
	}{
		{name: "lite asks the lite model", diff: tierCode, env: models, level: "lite", asked: []string{"small-model"}},
		{name: "full asks the full model", diff: tierAuth, env: models, level: "full", asked: []string{"strong-model"}},
		{name: "no tier model is the gateway's model", diff: tierAuth, env: []string{"REVIEWER_GATEWAY_MODEL=main-model"}, level: "full", asked: []string{"main-model"}},
		{name: "trivial asks nothing", diff: tierDocs, env: models, level: "trivial"},
		{name: "forced", diff: tierDocs, env: append([]string{"REVIEWER_REVIEW_TIER=full"}, models...), level: "full", asked: []string{"strong-model"}},
		{name: "forced down by the operator", diff: tierAuth, env: append([]string{"REVIEWER_REVIEW_TIER=lite"}, models...), level: "lite", asked: []string{"small-model"}},
		{name: "a change that adds settings is full", diff: tierSettings + tierDocs, env: models, level: "full", asked: []string{"strong-model"}},
		{name: "the base's floor", diff: tierDocs, settings: "tier: lite\n", env: models, level: "lite", asked: []string{"small-model"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newTierGateway(t)
			dir := t.TempDir()
			if tt.settings != "" {
				if err := os.WriteFile(filepath.Join(dir, ".reviewer.yaml"), []byte(tt.settings), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			path := filepath.Join(dir, "change.diff")
			if err := os.WriteFile(path, []byte(tt.diff), 0o600); err != nil {
				t.Fatal(err)
			}
			environ := append([]string{"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1", "REVIEWER_GATEWAY_API_KEY=sk-test", "REVIEWER_GATEWAY_MAX_RETRIES=0"}, tt.env...)
			r := runCmd(t, dir, environ, "review", "--diff", path, "--format", "json", "--format", "text=report.txt", "--fail-on", "none")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var rep struct {
				Tier struct {
					Level       string   `json:"level"`
					Reasons     []string `json:"reasons"`
					ModelReview bool     `json:"model_review"`
				} `json:"tier"`
				Usage struct {
					Requests int `json:"requests"`
				} `json:"usage"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("not a JSON report: %v\n%s", err, r.stdout)
			}
			if rep.Tier.Level != tt.level || len(rep.Tier.Reasons) == 0 || rep.Tier.ModelReview != (tt.level != "trivial") {
				t.Errorf("tier %+v, want %s with reasons", rep.Tier, tt.level)
			}
			if diff := cmp.Diff(tt.asked, g.asked()); diff != "" {
				t.Errorf("models asked (-want +got):\n%s", diff)
			}
			if rep.Usage.Requests != len(tt.asked) {
				t.Errorf("report says %d requests, the gateway got %d", rep.Usage.Requests, len(tt.asked))
			}
			text, err := os.ReadFile(filepath.Join(dir, "report.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if want := "tier " + tt.level + ": " + rep.Tier.Reasons[0]; !strings.Contains(string(text), want) {
				t.Errorf("text report lacks %q:\n%s", want, text)
			}
		})
	}
}

func TestReviewTierInvalid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := runCmd(t, dir, []string{"REVIEWER_REVIEW_TIER=max"}, "review", "--diff", demoDiff(t))
	if r.code != 2 || !strings.Contains(r.stderr, "review.tier") || !strings.Contains(r.stderr, `"max"`) {
		t.Errorf("exit %d, stderr %q: want 2 naming review.tier and the value", r.code, r.stderr)
	}
}
