package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// The review-depth end-to-end test (issue 12, "Done when"): a change whose bug is seen
// only with the enclosing function and another file, reviewed with `reviewer review
// --change URL --post` against each fake forge and a scripted gateway.
//
// The change (testdata/depth) adds `return s.Save(id, name)` to Handle in app/handler.go.
// The id comes from `id := strings.TrimSpace(rawID)` seven lines up, outside the hunk's
// three lines of context, and Save, in app/store.go which the change does not touch,
// panics on an empty id. The gateway plays a model that reads app/store.go with its
// read_file tool, then reports the true finding and a planted false positive; its
// verifier keeps the first and drops the second.

const (
	depthHandler = "app/handler.go"
	depthStore   = "app/store.go"
	// depthEarlier is the line of Handle, outside the hunk, that the bug needs.
	depthEarlier = "10: \tid := strings.TrimSpace(rawID)"
	// The commits of the change.
	depthBase = "5b1e0cf4a3f1b6cb9e1c8a2b7d6e4f3a2c1b0a99"
	depthHead = "9c2d4e6f8a0b1c3d5e7f9a1b3c5d7e9f1a3b5c77"
	// The true finding (line 17) and the planted false positive (line 16).
	depthTrueMsg  = "Save panics on an empty id, and id is rawID trimmed: a blank rawID crashes Handle."
	depthFalseMsg = "Logging the id leaks personal data."
)

// depthToken is a secret in app/store.go that must reach the gateway masked. It is built
// here, not written in the fixture, so that no scanner takes it for a leak.
var depthToken = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"

// depthFiles returns the change's diff and the head versions of the two files.
func depthFiles(t *testing.T) (diff, handler, store string) {
	t.Helper()
	read := func(name string) string {
		data, err := os.ReadFile(filepath.Join("testdata", "depth", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	return read("change.diff"), read("head/" + depthHandler), strings.Replace(read("head/"+depthStore), "@TOKEN@", depthToken, 1)
}

// depthGateway is the scripted model. A review request that offers read_file and holds
// no tool result gets a call to read app/store.go; once the tool result is in, the answer
// is the two findings; a verification request keeps the true finding and drops the other.
type depthGateway struct {
	*httptest.Server
	mu       sync.Mutex
	reviews  []string // the user message of each first review request
	tools    []string // the tool results sent back
	verifies []string // the user message of each verification request
	bodies   []string // every request body
}

// chatRequest is what the scripted gateways read of a chat completion request.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
	ResponseFormat struct {
		JSONSchema struct {
			Name string `json:"name"`
		} `json:"json_schema"`
	} `json:"response_format"`
}

func newDepthGateway(t *testing.T) *depthGateway {
	t.Helper()
	g := &depthGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req chatRequest
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
			t.Errorf("gateway: unexpected request %s %s: %.300s", r.Method, r.URL.Path, body)
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.bodies = append(g.bodies, string(body))
		var user, tool string
		for _, m := range req.Messages {
			switch m.Role {
			case "user":
				user = m.Content
			case "tool":
				tool = m.Content
			}
		}
		msg := map[string]any{"role": "assistant"}
		finish := "stop"
		offered := slices.ContainsFunc(req.Tools, func(tl struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		}) bool {
			return tl.Function.Name == "read_file"
		})
		switch {
		case req.ResponseFormat.JSONSchema.Name == "finding_verdicts":
			g.verifies = append(g.verifies, user)
			vs := []map[string]any{}
			for _, m := range verifyFinding.FindAllStringSubmatch(user, -1) {
				keep := m[2] != depthFalseMsg
				vs = append(vs, map[string]any{"id": m[1], "keep": keep, "confidence": 0.9, "reason": "scripted verdict", "line": 0, "duplicate_of": ""})
			}
			content, _ := json.Marshal(map[string]any{"verdicts": vs})
			msg["content"] = string(content)
		case tool == "" && offered:
			g.reviews = append(g.reviews, user)
			finish = "tool_calls"
			msg["tool_calls"] = []any{map[string]any{"id": "call_1", "type": "function",
				"function": map[string]any{"name": "read_file", "arguments": `{"path":"` + depthStore + `"}`}}}
		case tool != "":
			g.tools = append(g.tools, tool)
			finding := func(line int, severity, msg, quote string) map[string]any {
				return map[string]any{"path": depthHandler, "line": line, "end_line": line, "side": "new", "severity": severity,
					"rule_id": "", "message": msg, "quote": quote, "suggestion": ""}
			}
			content, _ := json.Marshal(map[string]any{"findings": []any{
				finding(17, "error", depthTrueMsg, "return s.Save(id, name)"),
				finding(16, "warning", depthFalseMsg, `log.Printf("saving %q", id)`),
			}})
			msg["content"] = string(content)
		default:
			// A review without the tools: the script has nothing to say.
			g.reviews = append(g.reviews, user)
			msg["content"] = `{"findings":[]}`
		}
		fakeforge.WriteJSON(w, http.StatusOK, map[string]any{"id": "chatcmpl-depth", "object": "chat.completion", "created": 1,
			"model": req.Model, "choices": []any{map[string]any{"index": 0, "message": msg, "finish_reason": finish}},
			"usage": map[string]any{"prompt_tokens": 1000, "completion_tokens": 50, "total_tokens": 1050}})
	}))
	t.Cleanup(g.Close)
	return g
}

// depthReport is the part of the JSON report the test reads.
type depthReport struct {
	Findings []struct {
		Path    string `json:"path"`
		Line    int    `json:"line"`
		Source  string `json:"source"`
		Message string `json:"message"`
	} `json:"findings"`
	Egress []struct {
		Files []struct {
			Path    string   `json:"path"`
			Reads   []string `json:"reads"`
			Context []string `json:"context"`
		} `json:"files"`
	} `json:"egress"`
	Verification struct {
		Ran     bool `json:"ran"`
		Dropped []struct {
			Path    string `json:"path"`
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"dropped"`
	} `json:"verification"`
}

// TestForgeReviewDepthEndToEnd is issue 12's test of done, on each forge: (1) the review
// prompt holds the enclosing function's earlier line, as context; (2) the model's tool call
// read the other file, whose secret reached the gateway masked, and the read is in the
// egress record; (3) verification dropped the planted false positive; (4) exactly the
// true finding is posted inline on its line, and the summary counts the dropped one.
//
// Tools are offered in the full tier only; the tier is forced (review.tier=full) rather
// than left to a change this small, which the tiers would review as lite.
func TestForgeReviewDepthEndToEnd(t *testing.T) {
	t.Parallel()
	diff, handler, store := depthFiles(t)
	rev := forgeRev{Base: depthBase, Start: depthBase, Head: depthHead, Diff: diff}
	for _, forge := range []string{"github", "gitlab"} {
		t.Run(forge, func(t *testing.T) {
			t.Parallel()
			var f fakeForge
			var set func(rev, path, content string)
			if forge == "github" {
				gh := newGitHubFake(t, rev)
				f, set = gh, gh.SetFile
			} else {
				gl := newGitLabFake(t, rev)
				f, set = gl, gl.SetFile
			}
			set(depthHead, depthHandler, handler)
			set(depthHead, depthStore, store)
			g := newDepthGateway(t)
			run := reviewChange(t, f, append(gatewayEnv(g.Server),
				"REVIEWER_GATEWAY_MAX_RETRIES=0", "REVIEWER_CACHE_DIR="+filepath.Join(t.TempDir(), "cache"),
				"REVIEWER_REVIEW_TOOLS_ENABLED=true", "REVIEWER_REVIEW_TIER=full",
				// The handler is small enough to be shown whole: show its enclosing scope instead.
				"REVIEWER_REVIEW_CONTEXT_WHOLE_FILE_TOKENS=1"))
			run.wantCode(t, exitFindings)
			var rep depthReport
			if err := json.Unmarshal([]byte(run.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			g.mu.Lock()
			reviews, tools, verifies, bodies := slices.Clone(g.reviews), slices.Clone(g.tools), slices.Clone(g.verifies), slices.Clone(g.bodies)
			g.mu.Unlock()

			// 1. The enclosing scope, with its line the hunk does not show, is in the prompt
			// as context, not as a line of the diff.
			if len(reviews) != 1 {
				t.Fatalf("%d review requests without a tool result, want 1", len(reviews))
			}
			_, ctx, ok := strings.Cut(reviews[0], "_CONTEXT\nFILE "+depthHandler+"\n")
			if !ok || !strings.Contains(ctx, "\n"+depthEarlier+"\n") {
				t.Errorf("the review prompt holds no context of Handle with %q:\n%s", depthEarlier, reviews[0])
			}
			if strings.Contains(reviews[0], "10 + \tid :=") || strings.Contains(reviews[0], "10   \tid :=") {
				t.Errorf("line 10 is in the diff's hunk: the change does not test context:\n%s", reviews[0])
			}

			// 2. The tool read app/store.go at the head, masked, and the egress says so.
			if len(tools) != 1 || !strings.Contains(tools[0], "Save panics on an empty id") {
				t.Fatalf("tool results %q: want one holding app/store.go", tools)
			}
			for _, b := range bodies {
				if strings.Contains(b, depthToken) || strings.Contains(b, depthToken[4:]) {
					t.Errorf("the secret of %s reached the gateway unmasked: %.400s", depthStore, b)
				}
			}
			if !strings.Contains(tools[0], "storeKey = ") {
				t.Errorf("the tool result does not show the line of the secret (masked):\n%s", tools[0])
			}
			read := "/contents/" + depthStore
			if forge == "gitlab" {
				read = "/repository/files/app%2Fstore%2Ego/raw"
			}
			if got := filter(run.reqs, "GET", read); len(got) != 1 || got[0].Query.Get("ref") != depthHead {
				t.Errorf("%s read from the forge %v, want once at the head", depthStore, got)
			}
			var reads []string
			for _, e := range rep.Egress {
				for _, fl := range e.Files {
					for _, r := range fl.Reads {
						reads = append(reads, fl.Path+": "+r)
					}
				}
			}
			if diff := cmp.Diff([]string{depthStore + ": read_file head lines 1-16"}, reads); diff != "" {
				t.Errorf("egress reads (-want +got):\n%s", diff)
			}

			// 3. Verification saw both findings and dropped the false positive.
			if len(verifies) != 1 || !strings.Contains(verifies[0], depthTrueMsg) || !strings.Contains(verifies[0], depthFalseMsg) {
				t.Errorf("verification requests %q: want one showing both findings", verifies)
			}
			if v := rep.Verification; !v.Ran || len(v.Dropped) != 1 || v.Dropped[0].Path != depthHandler || v.Dropped[0].Line != 16 {
				t.Errorf("verification %+v: want the finding on %s:16 dropped", v, depthHandler)
			}
			var llm []string
			for _, fd := range rep.Findings {
				llm = append(llm, fmt.Sprintf("%s:%d %s", fd.Path, fd.Line, fd.Message))
			}
			if diff := cmp.Diff([]string{depthHandler + ":17 " + depthTrueMsg}, llm); diff != "" {
				t.Errorf("findings reported (-want +got):\n%s", diff)
			}

			// 4. Exactly the true finding is posted, on line 17 of the new file; the summary
			// counts the dropped one.
			run.wantPublished(t, 1, 0, 0, "failure")
			var posted []string
			var summary string
			switch ff := f.(type) {
			case *ghFake:
				comments, _, issue, _ := ff.snapshot()
				for _, c := range comments {
					posted = append(posted, fmt.Sprintf("%s:%d %s %v", c.Path, c.Line, c.Side, strings.Contains(c.Body, depthTrueMsg)))
				}
				for _, c := range issue {
					if strings.Contains(c.Body, "<!-- reviewer:summary") {
						summary = c.Body
					}
				}
			case *glFake:
				threads, summaries := glThreads(ff.snapshot())
				for _, d := range threads {
					n := d.Notes[0]
					posted = append(posted, fmt.Sprintf("%s:%v %v %v", n.Position["new_path"], n.Position["new_line"], n.Position["old_line"] == nil,
						strings.Contains(n.Body, depthTrueMsg)))
				}
				if len(summaries) == 1 {
					summary = summaries[0].Body
				}
			}
			want := depthHandler + ":17 RIGHT true"
			if forge == "gitlab" {
				want = depthHandler + ":17 true true"
			}
			if diff := cmp.Diff([]string{want}, posted); diff != "" {
				t.Errorf("inline comments posted (-want +got):\n%s", diff)
			}
			wantSummary(t, summary, depthHead, "1 candidate finding dropped by verification", depthFalseMsg)
		})
	}
}
