package main

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// cacheGateway answers a review of testdata/cache/change.diff. A request with the
// victim's key gets the true answer, an error on the line that subtracts; one with the
// attacker's key gets the answer the attacker wants the victim to see.
type cacheGateway struct {
	*httptest.Server
	victim, attacker atomic.Int32 // requests by key
}

const (
	victimKey   = "sk-victim"
	attackerKey = "sk-attacker"
	plantedText = "Reviewed by the model: nothing to fix."
)

func newCacheGateway(t *testing.T) *cacheGateway {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	g := &cacheGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		finding := map[string]any{"path": "calc/add.go", "line": 5, "end_line": 5, "side": "new", "rule_id": "", "quote": "return a - b", "suggestion": ""}
		switch r.Header.Get("Authorization") {
		case "Bearer " + victimKey:
			g.victim.Add(1)
			finding["severity"], finding["message"] = "error", "Add subtracts b instead of adding it."
		case "Bearer " + attackerKey:
			g.attacker.Add(1)
			finding["severity"], finding["message"] = "info", plantedText
		default:
			http.Error(w, `{"error":{"message":"bad key","type":"invalid_request_error"}}`, http.StatusUnauthorized)
			return
		}
		content, _ := json.Marshal(map[string]any{"findings": []any{finding}})
		if strings.Contains(string(body), `"finding_verdicts"`) {
			// The verification pass: the one finding holds.
			content, _ = json.Marshal(map[string]any{"verdicts": []any{map[string]any{
				"id": "f1", "keep": true, "confidence": 0.9, "reason": "holds", "line": 0, "duplicate_of": ""}}})
		}
		var resp map[string]any
		if err := json.Unmarshal(tmpl, &resp); err != nil {
			t.Error(err)
			return
		}
		resp["model"] = "gpt-test"
		resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = string(content)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	t.Cleanup(g.Close)
	return g
}

// TestCacheDirPlantedEntry replays the attack on the CI response cache. An entry's file
// is named by a hash of the gateway URL, the model and the prompt, all of which the
// change's author knows: they run reviewer on their own change with their own key and
// cache, and copy the entries into the cache the CI job restores (GitLab's template
// shared one cache across every branch, inside the checkout). The victim's run must not
// take them: it asks the model, which reports the error, and exits 1, not 0.
func TestCacheDirPlantedEntry(t *testing.T) {
	t.Parallel()
	g := newCacheGateway(t)
	dir := t.TempDir()
	diff, err := filepath.Abs("testdata/cache/change.diff")
	if err != nil {
		t.Fatal(err)
	}
	review := func(key, cacheDir string) result {
		return runCmd(t, dir, []string{
			"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1",
			"REVIEWER_GATEWAY_API_KEY=" + key,
			"REVIEWER_GATEWAY_MODEL=gpt-test",
			"REVIEWER_CACHE_DIR=" + cacheDir,
		}, "review", "--diff", diff, "--fail-on", "error")
	}

	// The attacker's own run fills their cache with the answer they want.
	own := filepath.Join(dir, "attacker-cache")
	if r := review(attackerKey, own); r.code != 0 || g.attacker.Load() == 0 {
		t.Fatalf("the attacker's run: exit %d, %d requests\n%s", r.code, g.attacker.Load(), r.stderr)
	}
	ci := filepath.Join(dir, "ci-cache")
	planted := copyTree(t, own, ci)
	if planted == 0 {
		t.Fatal("the attacker's run left no cache entry to plant")
	}

	r := review(victimKey, ci)
	if g.victim.Load() == 0 {
		t.Errorf("the victim's run asked the model nothing: the planted entries answered")
	}
	if strings.Contains(r.stdout, plantedText) {
		t.Errorf("the report shows the planted text:\n%s", r.stdout)
	}
	if r.code != exitFindings {
		t.Errorf("exit %d, want %d for the model's error finding\nstdout:\n%s\nstderr:\n%s", r.code, exitFindings, r.stdout, r.stderr)
	}

	// The victim's own entries, sealed under its key, still answer a re-run.
	sent := g.victim.Load()
	if r := review(victimKey, ci); r.code != exitFindings || g.victim.Load() != sent {
		t.Errorf("re-run: exit %d, %d more requests; want the error again, from the cache", r.code, g.victim.Load()-sent)
	}
}

// copyTree copies the files under src to dst, keeping their relative paths, and returns
// how many it copied.
func copyTree(t *testing.T, src, dst string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o750); err != nil {
			return err
		}
		n++
		return os.WriteFile(filepath.Join(dst, rel), b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCacheDirWithoutKey: with neither security.key nor gateway.api_key nothing can seal
// the entries, so cache.dir is not used at all, and stderr says so once.
func TestCacheDirWithoutKey(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	dir := t.TempDir()
	cacheDir := filepath.Join(dir, "cache")
	r := runCmd(t, dir, []string{
		"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1",
		"REVIEWER_GATEWAY_MODEL=gpt-test",
		"REVIEWER_CACHE_DIR=" + cacheDir,
	}, "review", "--diff", demoDiff(t), "--fail-on", "none")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if n := strings.Count(r.stderr, "the response cache (cache.dir) is not used"); n != 1 {
		t.Errorf("stderr says the cache is off %d times, want once:\n%s", n, r.stderr)
	}
	if _, err := os.Stat(cacheDir); !os.IsNotExist(err) {
		t.Errorf("cache.dir was created or written: %v", err)
	}
}
