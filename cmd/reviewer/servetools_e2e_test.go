package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// serveToolsMarker is in a file of the repository that neither the change nor the fake
// forge's file API holds: only a search of the clone finds it.
const serveToolsMarker = "knob-marker-7731"

// searchGateway is a scripted model that offers a search when it may: a review request
// that offers the search tool and holds no tool result gets a call to search for
// serveToolsMarker; every other request is answered with no findings.
type searchGateway struct {
	*httptest.Server
	mu      sync.Mutex
	offered [][]string // the tools each request offered
	results []string   // the tool results sent back
}

func newSearchGateway(t *testing.T) *searchGateway {
	t.Helper()
	g := &searchGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req chatRequest
		if r.Method != http.MethodPost || json.Unmarshal(body, &req) != nil {
			t.Errorf("gateway: unexpected request %s %s: %.300s", r.Method, r.URL.Path, body)
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		var names []string
		for _, tl := range req.Tools {
			names = append(names, tl.Function.Name)
		}
		var tool string
		for _, m := range req.Messages {
			if m.Role == "tool" {
				tool = m.Content
			}
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.offered = append(g.offered, names)
		msg := map[string]any{"role": "assistant"}
		finish := "stop"
		switch {
		case req.ResponseFormat.JSONSchema.Name == "finding_verdicts":
			msg["content"] = `{"verdicts":[]}`
		case tool == "" && slices.Contains(names, "search"):
			finish = "tool_calls"
			msg["tool_calls"] = []any{map[string]any{"id": "call_1", "type": "function",
				"function": map[string]any{"name": "search", "arguments": `{"pattern":"` + serveToolsMarker + `"}`}}}
		default:
			if tool != "" {
				g.results = append(g.results, tool)
			}
			msg["content"] = `{"findings":[]}`
		}
		fakeforge.WriteJSON(w, http.StatusOK, map[string]any{"id": "chatcmpl-tools", "object": "chat.completion", "created": 1,
			"model": req.Model, "choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
			"usage": map[string]any{"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}})
	}))
	t.Cleanup(g.Close)
	return g
}

// TestServeToolsSearchTheClone: with a clone cache, reviewer serve's full-tier review
// offers the model all four tools, and its search reads the clone, finding a line of a
// file that the change does not touch and the forge's file API does not serve. Without
// the clone's workspace, serve offers read_file alone.
func TestServeToolsSearchTheClone(t *testing.T) {
	t.Parallel()
	p := newGitProject(t)
	if err := os.MkdirAll(filepath.Join(p.work, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.work, "lib", "knob.py"), []byte("def turn():\n    return '"+serveToolsMarker+"'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := p.commit()
	head := p.commit()

	for _, tc := range []struct {
		name   string
		clones string // server.clones.max_mib
		want   []string
	}{
		{"clones", "64", []string{"read_file", "search", "list_dir", "find_definition"}},
		{"no clones", "0", []string{"read_file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := serveWithSearchGateway(t, p, base, head, "REVIEWER_SERVER_CLONES_MAX_MIB="+tc.clones)
			g.mu.Lock()
			defer g.mu.Unlock()
			var offered []string
			for _, names := range g.offered {
				if len(names) > 0 {
					offered = names
					break
				}
			}
			slices.Sort(offered)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(offered, want) {
				t.Errorf("the review requests offered %q, want %q", g.offered, want)
			}
			found := strings.Contains(strings.Join(g.results, "\n"), "lib/knob.py")
			if found != slices.Contains(tc.want, "search") {
				t.Errorf("search results %q: want the line of lib/knob.py, read from the clone, exactly when search is offered", g.results)
			}
		})
	}
}

// serveWithSearchGateway starts reviewer serve against a fake GitLab whose git is served
// from proj and the scripted gateway, has it review the merge request from base to head
// in the full tier with the tools on, and returns the gateway once it is reviewed.
func serveWithSearchGateway(t *testing.T, proj *gitProject, base, head string, environ ...string) *searchGateway {
	t.Helper()
	f := newGitLabFake(t, readRev(t, "change.v1.diff", base, base, head))
	front := proj.front(f)

	g := newSearchGateway(t)
	p := startServe(t, append(append(append(quickQueue("sqlite://"+filepath.Join(t.TempDir(), "reviewer.db")), gatewayEnv(g.Server)...),
		"REVIEWER_GITLAB_TOKEN="+glToken, "REVIEWER_GITLAB_BASE_URL="+front.URL, "REVIEWER_GITLAB_WEBHOOK_SECRET="+glHookToken,
		"REVIEWER_SERVER_CLONES_DIR="+t.TempDir(), "REVIEWER_GATEWAY_MAX_RETRIES=0",
		"REVIEWER_REVIEW_TOOLS_ENABLED=true", "REVIEWER_REVIEW_TIER=full"), environ...))
	glMROpen(t, p.addr, "open-1", head)
	waitFor(t, "the merge request reviewed", func() bool { return len(f.snapshot().Statuses) > 0 })
	return g
}
