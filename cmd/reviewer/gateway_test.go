package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeGateway is an OpenAI-compatible chat completions endpoint. It answers every request
// with a real response recorded from the API (testdata/chat_completion.response.normal.json)
// whose content is replaced by findings on the files of the prompt, and counts requests.
type fakeGateway struct {
	*httptest.Server
	requests atomic.Int32
	sawKey   atomic.Bool
	sawTags  atomic.Bool
	leaked   atomic.Bool // a planted secret reached the gateway

	mu       sync.Mutex
	metadata []string // the cf-aig-metadata header of every request
	// verdict, when set, judges each finding of a verification request (by its message);
	// unset, every finding holds. fail makes verification requests fail with a 503.
	verdict  func(message string) (keep bool, confidence float64)
	fail     bool
	verified int // verification requests answered
}

// setVerdict sets how the gateway judges findings, before the command runs.
func (g *fakeGateway) setVerdict(verdict func(message string) (bool, float64), fail bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.verdict, g.fail = verdict, fail
}

// verifiedCount returns how many verification requests were answered.
func (g *fakeGateway) verifiedCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.verified
}

// verifyFinding is a finding's header and message in a verification request.
var verifyFinding = regexp.MustCompile(`(?m)^FINDING (\S+) .*\nMESSAGE\n(.*)$`)

// verdicts answers a verification request: one verdict for every finding it shows.
func (g *fakeGateway) verdicts(user string) (map[string]any, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail {
		return nil, false
	}
	g.verified++
	vs := []map[string]any{}
	for _, m := range verifyFinding.FindAllStringSubmatch(user, -1) {
		keep, conf := true, 0.9
		if g.verdict != nil {
			keep, conf = g.verdict(m[2])
		}
		vs = append(vs, map[string]any{"id": m[1], "keep": keep, "confidence": conf, "reason": "scripted verdict", "line": 0, "duplicate_of": ""})
	}
	return map[string]any{"verdicts": vs}, true
}

// metadataHeaders returns the cf-aig-metadata header of every request so far.
func (g *fakeGateway) metadataHeaders() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.metadata)
}

var promptFile = regexp.MustCompile(`(?m)^FILE (\S+)`)

func newFakeGateway(t *testing.T) *fakeGateway {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	g := &fakeGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.requests.Add(1)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
			return
		}
		if r.Header.Get("Authorization") == "Bearer sk-test" {
			g.sawKey.Store(true)
		}
		if strings.Contains(r.Header.Get("cf-aig-metadata"), `"forge"`) {
			g.sawTags.Store(true)
		}
		g.mu.Lock()
		g.metadata = append(g.metadata, r.Header.Get("cf-aig-metadata"))
		g.mu.Unlock()
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, `{"error":{"message":"read","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		if strings.Contains(string(body), "AKIA2E0A8F3B244C9986") {
			g.leaked.Store(true)
		}
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
			ResponseFormat struct {
				JSONSchema struct {
					Name string `json:"name"`
				} `json:"json_schema"`
			} `json:"response_format"`
		}
		if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		user := req.Messages[len(req.Messages)-1].Content
		var content []byte
		if req.ResponseFormat.JSONSchema.Name == "finding_verdicts" {
			vs, ok := g.verdicts(user)
			if !ok {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = w.Write([]byte(`{"error":{"message":"verifier overloaded","type":"server_error","param":null,"code":null}}`))
				return
			}
			content, _ = json.Marshal(vs)
		}
		var findings []map[string]any
		for _, m := range promptFile.FindAllStringSubmatch(user, -1) {
			switch m[1] {
			case "app/client.py":
				findings = append(findings,
					// On run's first line: the eval line under it is the built-in
					// py-eval-exec's, whose finding a model finding there folds into.
					map[string]any{"path": m[1], "line": 20, "end_line": 20, "side": "new", "severity": "error", "rule_id": "", "message": "run evaluates its input as code.", "quote": "def run(expr):", "suggestion": ""},
					// Meant for line 14 (def find_user), numbered wrong: the quote finds it.
					map[string]any{"path": m[1], "line": 12, "end_line": 12, "side": "new", "severity": "warning", "rule_id": "", "message": "find_user returns a row tuple, not a user.", "quote": "def find_user(conn: sqlite3.Connection, name: str):", "suggestion": ""},
					// Nowhere in the diff, and no quote to find it by.
					map[string]any{"path": m[1], "line": 120, "end_line": 120, "side": "new", "severity": "warning", "rule_id": "", "message": "Close the connection.", "quote": "", "suggestion": ""},
				)
			}
		}
		if content == nil {
			content, _ = json.Marshal(map[string]any{"findings": append([]map[string]any{}, findings...)})
		}
		var resp map[string]any
		if err := json.Unmarshal(tmpl, &resp); err != nil {
			t.Error(err)
			return
		}
		resp["model"] = req.Model
		resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = string(content)
		usage := resp["usage"].(map[string]any)
		usage["prompt_tokens"], usage["completion_tokens"], usage["total_tokens"] = 2000, 150, 2150
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(g.Close)
	return g
}

// TestReviewWithGateway is the model stage end to end: the command against a fake
// gateway places the findings on the lines the gateway meant, moves the misplaced ones to
// unplaced, reports tokens and cost, and on a re-run answers from the cache, sending nothing.
func TestReviewWithGateway(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	dir := t.TempDir()
	environ := []string{
		"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1",
		"REVIEWER_GATEWAY_API_KEY=sk-test",
		"REVIEWER_GATEWAY_MODEL=gpt-test",
		`REVIEWER_GATEWAY_PRICES={"gpt-test": {"input": 2.5, "output": 10}}`,
		"REVIEWER_CACHE_DIR=" + filepath.Join(dir, "cache"),
	}
	type report struct {
		Findings []struct {
			Path   string `json:"path"`
			Line   int    `json:"line"`
			Source string `json:"source"`
			RuleID string `json:"rule_id"`
		} `json:"findings"`
		Unplaced []struct {
			Path    string `json:"path"`
			Message string `json:"message"`
		} `json:"unplaced"`
		Usage struct {
			Requests     int     `json:"requests"`
			PromptTokens int     `json:"prompt_tokens"`
			Completion   int     `json:"completion_tokens"`
			CostUSD      float64 `json:"cost_usd"`
			Model        string  `json:"model"`
		} `json:"usage"`
		Egress []struct {
			Model string `json:"model"`
		} `json:"egress"`
	}
	review := func() (report, result) {
		r := runCmd(t, dir, environ, "review", "--diff", demoDiff(t), "--format", "json", "--fail-on", "none")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var rep report
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("not a JSON report: %v\n%s", err, r.stdout)
		}
		return rep, r
	}

	rep, r := review()
	var llm []string
	for _, f := range rep.Findings {
		if f.Source == "llm" {
			llm = append(llm, fmt.Sprintf("%s:%d", f.Path, f.Line))
		}
	}
	if diff := cmp.Diff([]string{"app/client.py:14", "app/client.py:20"}, llm); diff != "" {
		t.Errorf("model findings (-want +got):\n%s", diff)
	}
	if len(rep.Unplaced) != 1 || rep.Unplaced[0].Message != "line 120 is not in the diff: Close the connection." {
		t.Errorf("unplaced: %+v", rep.Unplaced)
	}
	sent := g.requests.Load()
	if sent == 0 || rep.Usage.Requests != int(sent) {
		t.Errorf("usage says %d requests, the gateway saw %d", rep.Usage.Requests, sent)
	}
	wantTokens := 2000 * int(sent)
	if rep.Usage.PromptTokens != wantTokens || rep.Usage.Completion != 150*int(sent) || rep.Usage.Model != "gpt-test" {
		t.Errorf("usage %+v, want %d prompt tokens, %d completion tokens of gpt-test", rep.Usage, wantTokens, 150*int(sent))
	}
	wantCost := float64(sent) * (2000*2.5 + 150*10) / 1e6
	if d := rep.Usage.CostUSD - wantCost; d > 1e-9 || d < -1e-9 {
		t.Errorf("cost $%f, want $%f", rep.Usage.CostUSD, wantCost)
	}
	if len(rep.Egress) != int(sent) {
		t.Errorf("%d egress records for %d requests", len(rep.Egress), sent)
	}
	if !g.sawKey.Load() || !g.sawTags.Load() {
		t.Errorf("the gateway saw the API key: %v, the metadata tags: %v", g.sawKey.Load(), g.sawTags.Load())
	}
	if g.leaked.Load() {
		t.Error("the AWS access key id in the change reached the gateway")
	}
	if strings.Contains(r.stderr, "LLM review is off") {
		t.Errorf("stderr says the LLM stage is off with a gateway configured:\n%s", r.stderr)
	}

	if g.verifiedCount() != 1 {
		t.Errorf("%d verification requests, want 1", g.verifiedCount())
	}

	// The same review again: every answer, the verification's too, comes from the cache.
	rep2, _ := review()
	if n := g.requests.Load(); n != sent {
		t.Errorf("the re-run sent %d more requests, want 0", n-sent)
	}
	if rep2.Usage.Requests != 0 || rep2.Usage.CostUSD != 0 {
		t.Errorf("the cached re-run reports usage %+v, want no requests and no cost", rep2.Usage)
	}
	if diff := cmp.Diff(rep.Findings, rep2.Findings); diff != "" {
		t.Errorf("the cached re-run found otherwise (-first +second):\n%s", diff)
	}
}

// TestReviewGatewayFailing: when the gateway fails, the report still says what happened
// (the files failed, the pattern findings stand) and the run does not pass as clean. The
// ledger, which a summary comment shows on the change, names the failure; the gateway's
// own message (and address) goes to the log.
func TestReviewGatewayFailing(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"message":"model overloaded","type":"invalid_request_error","param":null,"code":null}}`))
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	environ := []string{"REVIEWER_GATEWAY_BASE_URL=" + srv.URL + "/v1", "REVIEWER_GATEWAY_MODEL=m", "REVIEWER_GATEWAY_MAX_RETRIES=0"}
	r := runCmd(t, dir, environ, "review", "--diff", demoDiff(t), "--format", "json=report.json", "--fail-on", "none")
	if r.code != exitRuntime || !strings.Contains(r.stderr, "review incomplete: 3 files were skipped or failed") {
		t.Errorf("exit %d, stderr %q: want 3 and the count of failed files", r.code, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatalf("the report was not written: %v", err)
	}
	var rep jsonReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, f := range rep.Coverage.Files {
		if f.Outcome == "failed" {
			failed++
			if strings.Contains(f.Reason, "model overloaded") || strings.Contains(f.Reason, srv.URL) || !strings.Contains(f.Reason, "model request failed") {
				t.Errorf("%s failed for %q, want the failure named and the gateway's message and address left to the log", f.Path, f.Reason)
			}
		}
	}
	if failed != 3 || len(rep.Findings) == 0 {
		t.Errorf("%d failed files and %d findings: want 3 failed and the pattern findings kept", failed, len(rep.Findings))
	}
	if !strings.Contains(r.stderr, "model overloaded") {
		t.Errorf("the log does not hold the gateway's message:\n%s", r.stderr)
	}

	environ = append(environ, "REVIEWER_REVIEW_ALLOW_INCOMPLETE=true")
	if r := runCmd(t, dir, environ, "review", "--diff", demoDiff(t), "--format", "json=report.json", "--fail-on", "none"); r.code != 0 {
		t.Errorf("with review.allow_incomplete: exit %d, want 0; stderr %s", r.code, r.stderr)
	}
}

// TestReviewMetadataNamesTheRepository: the metadata header, which goes to the gateway
// and its logs, names the repository by its origin (host/owner/repo), never by the
// checkout's path or the diff file's, and never with the token an origin URL may carry.
func TestReviewMetadataNamesTheRepository(t *testing.T) {
	t.Parallel()
	const token = "glpat-S3cretT0kenInTheRemote"
	dir := gitRepo(t)
	gitRun(t, dir, "remote", "add", "origin", "https://ci-bot:"+token+"@gitlab.example.com/acme/app.git")
	g := newFakeGateway(t)
	environ := []string{"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1", "REVIEWER_GATEWAY_MODEL=gpt-test"}

	r := runCmd(t, dir, environ, "review", "--base", "main", "--format", "json", "--fail-on", "none")
	if r.code != 0 {
		t.Fatalf("git mode: exit %d: %s", r.code, r.stderr)
	}
	if r := runCmd(t, dir, environ, "review", "--diff", demoDiff(t), "--format", "json", "--fail-on", "none"); r.code != 0 {
		t.Fatalf("--diff: exit %d: %s", r.code, r.stderr)
	}
	headers := g.metadataHeaders()
	if len(headers) < 2 {
		t.Fatalf("the gateway saw %d requests, want one per run at least", len(headers))
	}
	for _, h := range headers {
		var tags map[string]string
		if err := json.Unmarshal([]byte(h), &tags); err != nil {
			t.Fatalf("metadata header %q: %v", h, err)
		}
		if tags["repo"] != "gitlab.example.com/acme/app" {
			t.Errorf("metadata %q: repo %q, want gitlab.example.com/acme/app", h, tags["repo"])
		}
		if strings.Contains(h, token) || strings.Contains(h, "ci-bot") || strings.Contains(h, filepath.Base(dir)) || strings.Contains(h, "change.diff") {
			t.Errorf("metadata %q leaks the remote's credentials or a local path", h)
		}
	}
}

// TestReviewMetadataWithoutRemote: a checkout without an origin sends no repo at all
// rather than its path.
func TestReviewMetadataWithoutRemote(t *testing.T) {
	t.Parallel()
	dir := gitRepo(t)
	g := newFakeGateway(t)
	environ := []string{"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1", "REVIEWER_GATEWAY_MODEL=gpt-test"}
	if r := runCmd(t, dir, environ, "review", "--base", "main", "--format", "json", "--fail-on", "none"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	headers := g.metadataHeaders()
	if len(headers) == 0 {
		t.Fatal("the gateway saw no request")
	}
	for _, h := range headers {
		if strings.Contains(h, `"repo"`) || strings.Contains(h, filepath.Base(dir)) {
			t.Errorf("metadata %q names a repository without a remote, or the checkout's path", h)
		}
	}
}
