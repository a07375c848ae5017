package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// toolsGateway plays a model that first asks to read app/store.go and then, once a tool
// message holds it, reports the bug it shows.
func toolsGateway(t *testing.T, toolResults *atomic.Value) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Messages []struct {
				Role    string `json:"role"`
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("request: %v", err)
		}
		msg := map[string]any{"role": "assistant"}
		finish := "tool_calls"
		var tool string
		for _, m := range req.Messages {
			if m.Role == "tool" {
				tool = m.Content
			}
		}
		if tool == "" {
			msg["tool_calls"] = []any{map[string]any{"id": "call_1", "type": "function",
				"function": map[string]any{"name": "read_file", "arguments": `{"path":"app/store.go"}`}}}
		} else {
			toolResults.Store(tool)
			finish = "stop"
			msg["content"] = `{"findings":[{"path":"app/handler.go","line":4,"end_line":4,"side":"new","severity":"error","rule_id":"",` +
				`"message":"Save panics on an empty id.","quote":"return s.Save(id)","suggestion":""}]}`
		}
		resp, _ := json.Marshal(map[string]any{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": scriptedModel,
			"choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
			"usage":   map[string]any{"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}})
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestEvalToolsRecordThenReplay: with review.tools.enabled, an eval case's tree is what
// the tools read (masked: the token in it never reaches the gateway); the tool round is
// recorded, and replayed into the same report with nothing sent.
func TestEvalToolsRecordThenReplay(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := filepath.Join(dir, "cases")
	token := "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"
	files := map[string]string{
		"empty-id/change.diff": "diff --git a/app/handler.go b/app/handler.go\n--- a/app/handler.go\n+++ b/app/handler.go\n" +
			"@@ -3,3 +3,3 @@ package app\n func Handle(s *Store, id string) error {\n-\treturn nil\n+\treturn s.Save(id)\n }\n",
		"empty-id/expected.json":       `{"issues":[{"path":"app/handler.go","from_line":4,"to_line":4}],"clean":[]}`,
		"empty-id/tree/app/handler.go": "package app\n\nfunc Handle(s *Store, id string) error {\n\treturn s.Save(id)\n}\n",
		"empty-id/tree/app/store.go":   "package app\n\nvar token = \"" + token + "\"\n\nfunc (s *Store) Save(id string) error {\n\t_ = id[0]\n\treturn nil\n}\n",
	}
	for name, content := range files {
		p := filepath.Join(cases, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var toolResult atomic.Value
	srv, sent := toolsGateway(t, &toolResult)
	environ := []string{"REVIEWER_GATEWAY_BASE_URL=" + srv.URL + "/v1", "REVIEWER_GATEWAY_API_KEY=sk-scripted-secret-key",
		"REVIEWER_GATEWAY_MODEL=" + scriptedModel, "REVIEWER_GATEWAY_MAX_RETRIES=0", "REVIEWER_REVIEW_TOOLS_ENABLED=true",
		"REVIEWER_REVIEW_TIER=full", "REVIEWER_REVIEW_VERIFY=false", evalPrices} // tools are for full reviews only
	rec := filepath.Join(dir, "rec")
	live := runCmd(t, dir, environ, "eval", cases, "--record", rec, "--format", "json")
	if live.code != 0 {
		t.Fatalf("record: exit %d\n%s", live.code, live.stderr)
	}
	got, _ := toolResult.Load().(string)
	if !strings.Contains(got, "6  \t_ = id[0]") || strings.Contains(got, token) {
		t.Errorf("the tool read app/store.go unmasked or not at all:\n%s", got)
	}
	if !strings.Contains(live.stdout, `"recall": 1`) && !strings.Contains(live.stdout, `"recall":1`) {
		t.Errorf("the finding after the tool round was not scored:\n%s", live.stdout)
	}
	recorded, _ := filepath.Glob(filepath.Join(rec, "*.json"))
	if sent.Load() != 2 || len(recorded) != 2 {
		t.Fatalf("the gateway got %d requests, %d recorded; want the tool round and the answer", sent.Load(), len(recorded))
	}
	replayed := runCmd(t, dir, []string{"REVIEWER_REVIEW_TOOLS_ENABLED=true",
		"REVIEWER_REVIEW_TIER=full", "REVIEWER_REVIEW_VERIFY=false", evalPrices}, "eval", cases, "--replay", rec, "--format", "json")
	if replayed.code != 0 {
		t.Fatalf("replay: exit %d\n%s", replayed.code, replayed.stderr)
	}
	if diff := cmp.Diff(live.stdout, replayed.stdout); diff != "" {
		t.Errorf("the replayed report differs (-live +replayed):\n%s", diff)
	}
	if sent.Load() != 2 {
		t.Errorf("the replay sent %d requests", sent.Load()-2)
	}
}
