package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

// The end-to-end tests of `reviewer review --change URL --post` drive the real GitHub and
// GitLab adapters against the stateful fakes of reviewer/reviewertest/fakegithub and fakegitlab_test.go,
// with a fake model gateway, through the life of one change:
//
//  1. the first review: every comment at its exact position, in one GitHub review or one
//     GitLab bulk publish, one summary, one status;
//  2. a re-run on the same head: nothing new, the summary edited in place;
//  3. a rebase that moves every line down: nothing new;
//  4. a push fixing two findings: their GitLab threads resolved, nothing deleted on GitHub,
//     the summary naming the new head;
//
// and a head that moves while the review runs (nothing published).
//
// The change (testdata/forge/change.v1.Diff, then .v2-rebased and .v3-fixed) is a scratch
// repository's history, see testdata/README.md. Two built-in pattern rules fire on added
// lines of app/client.py; the gateway answers with a finding on a removed line, one on a
// context line and one on a three-line range with a suggestion.

// The commits of the scratch repository.
const (
	shaBase1  = "45c7cfb8cf397a545392b0019f6d6ef712ca9971" // main when the branch started
	shaStart1 = "234d194e57d10a6e91b7c77c8d9f8807e26a24de" // main after an unrelated commit
	shaHead1  = "ad8ce15e38e1272dc4c167e649a15d47b31cde97" // the change
	shaBase2  = "1d6fff2dd86ab36e5d57199f6d5b278144cafa75" // main with a licence header above the code
	shaHead2  = "6e0ddf6fc17590baddcfec998991fd2bcb75d60d" // the change rebased on it
	shaHead3  = "250799d1ebb23c5ac62b6c3d36e4a7b89f4a7f24" // the fix: TLS verified, the loop gone
)

const clientPy = "app/client.py"

// The three states of the change.
func changeV1(t testing.TB) forgeRev {
	return readRev(t, "change.v1.diff", shaBase1, shaStart1, shaHead1)
}

func changeV2(t testing.TB) forgeRev {
	return readRev(t, "change.v2-rebased.diff", shaBase2, shaBase2, shaHead2)
}

func changeV3(t testing.TB) forgeRev {
	return readRev(t, "change.v3-fixed.diff", shaBase2, shaBase2, shaHead3)
}

// modelSpec is a finding the fake gateway reports wherever the prompt shows its code: the
// lines of code, consecutive in one hunk, each of the diff kind given.
type modelSpec struct {
	kind                          byte // '+', '-' or ' '
	side                          string
	code                          []string
	severity, message, suggestion string
}

var e2eModelFindings = []modelSpec{
	{kind: '-', side: "old", code: []string{"    check_host(url)"}, severity: "warning",
		message: "Dropping check_host lets fetch reach any host; keep the allow-list check."},
	{kind: ' ', side: "new", code: []string{"def total(items):"}, severity: "info",
		message: "total(items) now walks the items itself; callers pass generators too."},
	{kind: '+', side: "new", code: []string{"    n = 0", "    for i in items:", "        n = n + i.price"}, severity: "info",
		message: "The loop re-implements sum().", suggestion: "    n = sum(i.price for i in items)\n"},
}

// findingTags name the findings of the change by what their comment bodies say.
var findingTags = []struct{ tag, needle string }{
	{"verify-off", "`py-tls-verify-disabled`"},
	{"eval", "`py-eval-exec`"},
	{"removed", "Dropping check_host"},
	{"context", "total(items) now walks"},
	{"range", "re-implements sum()"},
}

func tagOf(body string) string {
	for _, ft := range findingTags {
		if strings.Contains(body, ft.needle) {
			return ft.tag
		}
	}
	return "unknown: " + body
}

var (
	promptFileLine = regexp.MustCompile(`^FILE (\S+)`)
	promptCodeLine = regexp.MustCompile(`^(o?)(\d+) ([+\- ]) (.*)$`)
)

// newModelGateway is an OpenAI-compatible endpoint answering every review request with the
// specs found in its prompt, numbered as the prompt numbers their lines. Its answers are the
// recorded example of testdata/chat_completion.response.normal.json with the content replaced.
func newModelGateway(t testing.TB, specs []modelSpec) *httptest.Server {
	t.Helper()
	tmpl, err := os.ReadFile("testdata/chat_completion.response.normal.json")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model    string `json:"model"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || json.Unmarshal(body, &req) != nil || len(req.Messages) == 0 {
			t.Errorf("gateway: unexpected request %s %s", r.Method, r.URL.Path)
			http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		var verdicts []map[string]any
		if strings.Contains(string(body), `"finding_verdicts"`) {
			// The verification pass: every finding holds.
			verdicts = []map[string]any{}
			for _, m := range verifyFinding.FindAllStringSubmatch(req.Messages[len(req.Messages)-1].Content, -1) {
				verdicts = append(verdicts, map[string]any{"id": m[1], "keep": true, "confidence": 0.9, "reason": "holds", "line": 0, "duplicate_of": ""})
			}
		}
		type promptLine struct {
			path    string
			kind    byte
			n       int
			content string
		}
		var lines []promptLine
		path := ""
		for _, l := range strings.Split(req.Messages[len(req.Messages)-1].Content, "\n") {
			if m := promptFileLine.FindStringSubmatch(l); m != nil {
				path = m[1]
				continue
			}
			if m := promptCodeLine.FindStringSubmatch(l); m != nil && path != "" {
				n, _ := strconv.Atoi(m[2])
				lines = append(lines, promptLine{path: path, kind: m[3][0], n: n, content: m[4]})
			}
		}
		findings := []map[string]any{}
		for _, s := range specs {
			for i := range lines {
				if i+len(s.code) > len(lines) {
					break
				}
				match := true
				for k, code := range s.code {
					l := lines[i+k]
					if l.path != lines[i].path || l.kind != s.kind || l.content != code {
						match = false
						break
					}
				}
				if match {
					findings = append(findings, map[string]any{"path": lines[i].path, "line": lines[i].n,
						"end_line": lines[i+len(s.code)-1].n, "side": s.side, "severity": s.severity, "rule_id": "",
						"message": s.message, "quote": strings.TrimSpace(s.code[0]), "suggestion": s.suggestion})
				}
			}
		}
		content, _ := json.Marshal(map[string]any{"findings": findings})
		if verdicts != nil {
			content, _ = json.Marshal(map[string]any{"verdicts": verdicts})
		}
		var resp map[string]any
		if err := json.Unmarshal(tmpl, &resp); err != nil {
			t.Error(err)
			return
		}
		resp["model"] = req.Model
		resp["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"] = string(content)
		fakeforge.WriteJSON(w, http.StatusOK, resp)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func gatewayEnv(gw *httptest.Server) []string {
	return []string{"REVIEWER_GATEWAY_BASE_URL=" + gw.URL + "/v1", "REVIEWER_GATEWAY_MODEL=gpt-test"}
}

// fakeForge is what the runs need of a fake forge.
type fakeForge interface {
	changeURL() string
	environ() []string
	mark() int
	since(mark int) []fakeRequest
}

// forgeReport is the part of the JSON report the forge runs check.
type forgeReport struct {
	jsonReport
	Forge struct {
		Posted   int    `json:"posted"`
		Kept     int    `json:"kept"`
		Resolved int    `json:"resolved"`
		Rejected int    `json:"rejected"`
		Stale    bool   `json:"stale"`
		Status   string `json:"status"`
		APICalls int    `json:"api_calls"`
	} `json:"forge"`
}

// forgeRun is one run of the command against a fake forge.
type forgeRun struct {
	result
	report forgeReport
	reqs   []fakeRequest // the requests of this run
	// apiCalls is the count of forge requests the command reports (on stderr and in the
	// JSON report): those of the publish step.
	apiCalls int
}

var (
	apiCallsRE    = regexp.MustCompile(`(\d+) forge API calls`)
	fingerprintRE = regexp.MustCompile(`<!-- reviewer:fingerprint=([0-9a-f]+)(?: severity=\w+)? -->`)
)

func reviewChange(t *testing.T, f fakeForge, environ []string, extra ...string) forgeRun {
	t.Helper()
	mark := f.mark()
	args := append([]string{"review", "--change", f.changeURL(), "--post", "--format", "json"}, extra...)
	r := runCmd(t, t.TempDir(), append(f.environ(), environ...), args...)
	run := forgeRun{result: r, reqs: f.since(mark)}
	if err := json.Unmarshal([]byte(r.stdout), &run.report); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	m := apiCallsRE.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("stderr does not count the forge API calls:\n%s", r.stderr)
	}
	run.apiCalls, _ = strconv.Atoi(m[1])
	if run.report.Forge.APICalls != run.apiCalls {
		t.Errorf("the JSON report counts %d forge API calls, stderr %d", run.report.Forge.APICalls, run.apiCalls)
	}
	for _, secret := range []string{ghToken, glToken} {
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("the token %s... leaked into the output", secret[:8])
		}
	}
	return run
}

func (r forgeRun) wantCode(t *testing.T, code int) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstderr:\n%s", r.code, code, r.stderr)
	}
}

// wantPublished compares what the JSON report says was published.
func (r forgeRun) wantPublished(t *testing.T, posted, kept, resolved int, status string) {
	t.Helper()
	f := r.report.Forge
	if f.Posted != posted || f.Kept != kept || f.Resolved != resolved || f.Rejected != 0 || f.Stale || f.Status != status {
		t.Errorf("the report says forge %+v, want %d posted, %d kept, %d resolved, none rejected, status %s", f, posted, kept, resolved, status)
	}
}

// wantWrites compares the requests of a run that change something, in any order.
func (r forgeRun) wantWrites(t *testing.T, want ...string) {
	t.Helper()
	got := writes(r.reqs)
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests that change the change (-want +got):\n%s", diff)
	}
}

// wantSummary checks that the summary names the head reviewed and what the run did.
func wantSummary(t *testing.T, body, head string, says ...string) {
	t.Helper()
	if !strings.Contains(body, "<!-- reviewer:summary head="+head+" -->") || !strings.Contains(body, "Reviewed `"+head[:12]+"`") {
		t.Errorf("the summary does not name the head %s:\n%s", head, body)
	}
	for _, s := range says {
		if !strings.Contains(body, s) {
			t.Errorf("the summary does not say %q:\n%s", s, body)
		}
	}
}

// ghPlacement is where GitHub was asked to put a comment.
type ghPlacement struct {
	Tag, Path, Side, StartSide string
	Line, StartLine            int
}

func TestGitHubChangeEndToEnd(t *testing.T) {
	t.Parallel()
	f := newGitHubFake(t, changeV1(t))
	env := gatewayEnv(newModelGateway(t, e2eModelFindings))
	repo := "/api/v3/repos/" + ghRepo

	// 1. The first review: one review on the head, holding every comment at its place.
	run := reviewChange(t, f, env)
	run.wantCode(t, exitFindings)
	run.wantPublished(t, 5, 0, 0, "failure")
	if n := len(run.report.Findings); n != 5 {
		t.Fatalf("%d findings, want 5:\n%s", n, run.stdout)
	}
	reviews := filter(run.reqs, "POST", "/reviews")
	if len(reviews) != 1 {
		t.Fatalf("%d reviews posted, want 1: %v", len(reviews), run.reqs)
	}
	rv := reviews[0].Body
	if rv["commit_id"] != shaHead1 || rv["event"] != "COMMENT" {
		t.Errorf("review on commit %v with event %v, want %s and COMMENT", rv["commit_id"], rv["event"], shaHead1)
	}
	var got []ghPlacement
	bodies := map[string]string{}
	markers := map[string]bool{}
	for _, c := range rv["comments"].([]any) {
		m := c.(map[string]any)
		body := m["body"].(string)
		p := ghPlacement{Tag: tagOf(body), Path: m["path"].(string), Side: m["side"].(string)}
		p.Line, _ = fakeforge.Number(m["line"])
		p.StartLine, _ = fakeforge.Number(m["start_line"])
		p.StartSide, _ = m["start_side"].(string)
		got = append(got, p)
		bodies[p.Tag] = body
		if fp, ok := fingerprintOf(body); ok {
			markers[fp] = true
		}
	}
	slices.SortFunc(got, func(a, b ghPlacement) int { return strings.Compare(a.Tag, b.Tag) })
	want := []ghPlacement{
		{Tag: "context", Path: clientPy, Line: 8, Side: "RIGHT"},
		{Tag: "eval", Path: clientPy, Line: 16, Side: "RIGHT"},
		{Tag: "range", Path: clientPy, StartLine: 9, StartSide: "RIGHT", Line: 11, Side: "RIGHT"},
		{Tag: "removed", Path: clientPy, Line: 5, Side: "LEFT"},
		{Tag: "verify-off", Path: clientPy, Line: 5, Side: "RIGHT"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("comment positions (-want +got):\n%s", diff)
	}
	if len(markers) != 5 {
		t.Errorf("%d distinct fingerprint markers on 5 comments", len(markers))
	}
	if s := "```suggestion\n    n = sum(i.price for i in items)\n```"; !strings.Contains(bodies["range"], s) {
		t.Errorf("the range's comment holds no committable suggestion %q:\n%s", s, bodies["range"])
	}
	if strings.Contains(bodies["removed"], "```suggestion") {
		t.Errorf("a comment on a removed line suggests code:\n%s", bodies["removed"])
	}
	comments, _, issue, statuses := f.snapshot()
	if len(comments) != 5 || len(issue) != 1 {
		t.Fatalf("GitHub holds %d review comments and %d issue comments, want 5 and 1 summary", len(comments), len(issue))
	}
	summaryID := strconv.FormatInt(issue[0].ID, 10)
	wantSummary(t, issue[0].Body, shaHead1, "5 findings (1 error, 2 warnings, 2 info)", "5 new inline comments")
	if diff := cmp.Diff([]fakegithub.Status{{SHA: shaHead1, State: "failure", Description: "1 findings at error or above", Context: "reviewer"}},
		statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	run.wantWrites(t, "POST "+repo+"/pulls/7/reviews", "POST "+repo+"/issues/7/comments", "POST "+repo+"/statuses/"+shaHead1)
	t.Logf("first review of 5 findings: %d forge API calls to publish, %d in all", run.apiCalls, len(run.reqs))

	// 2. The same head again: nothing new, the summary edited in place.
	run = reviewChange(t, f, env)
	run.wantCode(t, exitFindings)
	run.wantPublished(t, 0, 5, 0, "failure")
	run.wantWrites(t, "PATCH "+repo+"/issues/comments/"+summaryID, "POST "+repo+"/statuses/"+shaHead1)
	if !strings.Contains(run.stderr, "posted 0 comments (5 already there") {
		t.Errorf("stderr:\n%s", run.stderr)
	}

	// 3. A rebase: every line three lines down, the same code, a new head.
	f.push(changeV2(t))
	run = reviewChange(t, f, env)
	run.wantCode(t, exitFindings)
	run.wantPublished(t, 0, 5, 0, "failure")
	run.wantWrites(t, "PATCH "+repo+"/issues/comments/"+summaryID, "POST "+repo+"/statuses/"+shaHead2)
	comments, _, issue, _ = f.snapshot()
	for _, c := range comments {
		if c.Outdated || c.Line != c.OriginalLine+3 || c.CommitID != shaHead2 {
			t.Errorf("after the rebase GitHub has comment %s at line %d (was %d), outdated %v, commit %s",
				tagOf(c.Body), c.Line, c.OriginalLine, c.Outdated, c.CommitID)
		}
	}
	wantSummary(t, issue[0].Body, shaHead2, "0 new inline comments, 5 from earlier runs still apply")

	// 4. The fix: TLS verified, the loop gone. GitHub marks those comments outdated itself;
	// the bot deletes nothing and the summary moves to the new head.
	f.push(changeV3(t))
	run = reviewChange(t, f, env)
	run.wantCode(t, exitOK)
	run.wantPublished(t, 0, 3, 0, "success")
	run.wantWrites(t, "PATCH "+repo+"/issues/comments/"+summaryID, "POST "+repo+"/statuses/"+shaHead3)
	comments, reviewsHeld, issue, statuses := f.snapshot()
	var outdated []string
	for _, c := range comments {
		if c.Outdated {
			outdated = append(outdated, tagOf(c.Body))
		}
	}
	slices.Sort(outdated)
	if len(comments) != 5 || len(reviewsHeld) != 1 || len(issue) != 1 {
		t.Errorf("GitHub holds %d comments in %d reviews and %d issue comments, want 5 in 1 and 1", len(comments), len(reviewsHeld), len(issue))
	}
	if diff := cmp.Diff([]string{"range", "verify-off"}, outdated); diff != "" {
		t.Errorf("outdated comments (-want +got):\n%s", diff)
	}
	wantSummary(t, issue[0].Body, shaHead3, "3 findings (0 errors, 2 warnings, 1 info)", "3 from earlier runs still apply")
	if last := statuses[len(statuses)-1]; last.SHA != shaHead3 || last.State != "success" {
		t.Errorf("last status %+v, want success on %s", last, shaHead3)
	}
}

func TestGitLabChangeEndToEnd(t *testing.T) {
	t.Parallel()
	f := newGitLabFake(t, changeV1(t))
	env := gatewayEnv(newModelGateway(t, e2eModelFindings))
	mr := "/api/v4/projects/acme%2Fplatform%2Fclient/merge_requests/7"
	statuses := "/api/v4/projects/acme%2Fplatform%2Fclient/statuses/"

	// 1. The first review: drafts at their exact positions, one bulk publish.
	run := reviewChange(t, f, env)
	run.wantCode(t, exitFindings)
	run.wantPublished(t, 5, 0, 0, "failure")
	if n := len(run.report.Findings); n != 5 {
		t.Fatalf("%d findings, want 5:\n%s", n, run.stdout)
	}
	drafts := filter(run.reqs, "POST", "/draft_notes")
	publishes := filter(run.reqs, "POST", "/draft_notes/bulk_publish")
	if len(drafts) != 5 || len(publishes) != 1 {
		t.Fatalf("%d draft notes and %d bulk publishes, want 5 and 1: %v", len(drafts), len(publishes), run.reqs)
	}
	if i := slices.IndexFunc(run.reqs, func(r fakeRequest) bool { return strings.HasSuffix(r.Path, "/bulk_publish") }); slices.ContainsFunc(run.reqs[i:], func(r fakeRequest) bool {
		return r.Method == "POST" && strings.HasSuffix(r.Path, "/draft_notes")
	}) {
		t.Error("a draft note was made after the bulk publish")
	}
	code := func(o, n int) string { return lineCode(clientPy, o, n) }
	pos := func(kv ...any) map[string]any {
		p := map[string]any{"base_sha": shaBase1, "start_sha": shaStart1, "head_sha": shaHead1, "position_type": "text",
			"old_path": clientPy, "new_path": clientPy}
		for i := 0; i < len(kv); i += 2 {
			p[kv[i].(string)] = kv[i+1]
		}
		return p
	}
	end := func(c string, n float64) map[string]any {
		return map[string]any{"line_code": c, "type": "new", "new_line": n}
	}
	want := map[string]map[string]any{
		"verify-off": pos("new_line", 5.0),
		"eval":       pos("new_line", 16.0),
		"removed":    pos("old_line", 5.0),
		"context":    pos("old_line", 9.0, "new_line", 8.0),
		"range":      pos("new_line", 11.0, "line_range", map[string]any{"start": end(code(11, 9), 9), "end": end(code(11, 11), 11)}),
	}
	got := map[string]map[string]any{}
	bodies := map[string]string{}
	for _, d := range drafts {
		note := d.Body["note"].(string)
		p, _ := d.Body["position"].(map[string]any)
		got[tagOf(note)], bodies[tagOf(note)] = p, note
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("draft positions (-want +got):\n%s", diff)
	}
	if s := "```suggestion:-2+0\n    n = sum(i.price for i in items)\n```"; !strings.Contains(bodies["range"], s) {
		t.Errorf("the range's draft holds no committable suggestion %q:\n%s", s, bodies["range"])
	}
	st := f.snapshot()
	threads, summaries := glThreads(st)
	if len(threads) != 5 || len(summaries) != 1 || len(st.Drafts) != 0 {
		t.Fatalf("GitLab holds %d bot threads, %d summaries and %d pending drafts, want 5, 1 and 0", len(threads), len(summaries), len(st.Drafts))
	}
	summaryID := strconv.Itoa(summaries[0].ID)
	wantSummary(t, summaries[0].Body, shaHead1, "5 findings (1 error, 2 warnings, 2 info)", "5 new inline comments")
	if diff := cmp.Diff([]fakegitlab.Status{{SHA: shaHead1, Name: "reviewer", State: "failed", Description: "1 findings at error or above"}},
		st.Statuses); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	t.Logf("first review of 5 findings: %d forge API calls to publish, %d in all", run.apiCalls, len(run.reqs))

	// 2. The same head again: nothing new, the summary edited in place. (GitLab refuses to
	// set the status it has again; the adapter takes that as done.)
	run = reviewChange(t, f, env)
	run.wantCode(t, exitFindings)
	run.wantPublished(t, 0, 5, 0, "failure")
	run.wantWrites(t, "PUT "+mr+"/notes/"+summaryID, "POST "+statuses+shaHead1)
	if !strings.Contains(run.stderr, "posted 0 comments (5 already there") || !strings.Contains(run.stderr, "status failure") {
		t.Errorf("stderr:\n%s", run.stderr)
	}

	// 3. A rebase: a new version, every line three lines down.
	f.push(changeV2(t))
	run = reviewChange(t, f, env)
	run.wantCode(t, exitFindings)
	run.wantPublished(t, 0, 5, 0, "failure")
	run.wantWrites(t, "PUT "+mr+"/notes/"+summaryID, "POST "+statuses+shaHead2)
	_, summaries = glThreads(f.snapshot())
	wantSummary(t, summaries[0].Body, shaHead2, "0 new inline comments, 5 from earlier runs still apply")

	// 4. The fix: the threads of the two findings fixed are resolved, no other.
	f.push(changeV3(t))
	run = reviewChange(t, f, env)
	run.wantCode(t, exitOK)
	run.wantPublished(t, 0, 3, 2, "success")
	st = f.snapshot()
	threads, summaries = glThreads(st)
	var resolved []string
	var puts []string
	for _, d := range threads {
		if d.Notes[0].Resolved {
			resolved = append(resolved, tagOf(d.Notes[0].Body))
			puts = append(puts, "PUT "+mr+"/discussions/"+d.ID)
		}
	}
	slices.Sort(resolved)
	if diff := cmp.Diff([]string{"range", "verify-off"}, resolved); diff != "" {
		t.Errorf("resolved threads (-want +got):\n%s", diff)
	}
	run.wantWrites(t, append(puts, "PUT "+mr+"/notes/"+summaryID, "POST "+statuses+shaHead3)...)
	for _, r := range filter(run.reqs, "PUT", "") {
		if strings.Contains(r.Path, "/discussions/") && r.Body["resolved"] != true {
			t.Errorf("%s with body %v, want resolved=true", r, r.Body)
		}
	}
	if len(threads) != 5 {
		t.Errorf("%d bot threads after the fix, want the 5 (none deleted)", len(threads))
	}
	wantSummary(t, summaries[0].Body, shaHead3, "3 findings (0 errors, 2 warnings, 1 info)", "3 from earlier runs still apply, 2 resolved as fixed")
	if last := st.Statuses[len(st.Statuses)-1]; last.SHA != shaHead3 || last.State != "success" || last.Refused {
		t.Errorf("last status %+v, want success on %s", last, shaHead3)
	}
}

// glThreads returns the bot's diff threads and its summary notes.
// TestGitLabStaleDrafts: a run that stopped between its draft notes and its bulk publish
// left them pending. The next run deletes them before drafting its own, so its publish posts
// every comment once.
func TestGitLabStaleDrafts(t *testing.T) {
	t.Parallel()
	env := gatewayEnv(newModelGateway(t, e2eModelFindings))
	// The drafts of a run, taken from a run on another merge request of the same diff.
	first := reviewChange(t, newGitLabFake(t, changeV1(t)), env)
	first.wantCode(t, exitFindings)
	left := filter(first.reqs, "POST", "/draft_notes")
	if len(left) != 5 {
		t.Fatalf("%d draft notes, want 5", len(left))
	}

	f := newGitLabFake(t, changeV1(t))
	for _, d := range left {
		p, _ := d.Body["position"].(map[string]any)
		f.addDraft(d.Body["note"].(string), p)
	}
	run := reviewChange(t, f, env)
	run.wantCode(t, exitFindings)
	run.wantPublished(t, 5, 0, 0, "failure")
	if n := len(filter(run.reqs, "GET", "/draft_notes")); n != 1 {
		t.Errorf("%d draft note lists, want 1", n)
	}
	if n := len(filter(run.reqs, "DELETE", "")); n != 5 {
		t.Errorf("%d draft notes deleted, want the 5 stale ones", n)
	}
	st := f.snapshot()
	threads, _ := glThreads(st)
	seen := map[string]int{}
	for _, d := range threads {
		fp, _ := fingerprintOf(d.Notes[0].Body)
		seen[fp]++
	}
	if len(threads) != 5 || len(seen) != 5 || len(st.Drafts) != 0 {
		t.Errorf("GitLab holds %d bot threads of %d fingerprints and %d pending drafts, want 5, 5 and 0", len(threads), len(seen), len(st.Drafts))
	}
}

func glThreads(st fakegitlab.State) (threads []fakegitlab.Discussion, summaries []fakegitlab.Note) {
	for _, d := range st.Discussions {
		n := d.Notes[0]
		switch {
		case n.Author != glBotID:
		case n.Type == "DiffNote":
			threads = append(threads, d)
		case strings.Contains(n.Body, "<!-- reviewer:summary"):
			summaries = append(summaries, *n)
		}
	}
	return threads, summaries
}

// TestForgeHeadMovesDuringReview: a push lands between reading the change and publishing
// (the fake answers the second read of the change with a new head): nothing is published.
func TestForgeHeadMovesDuringReview(t *testing.T) {
	t.Parallel()
	gh := newGitHubFake(t, changeV1(t))
	gh.OnPullGet(func(n int) {
		if n == 2 {
			gh.push(changeV2(t))
		}
	})
	gl := newGitLabFake(t, changeV1(t))
	gl.OnMRGet(func(n int) {
		if n == 2 {
			gl.push(changeV2(t))
		}
	})
	for name, f := range map[string]fakeForge{"github": gh, "gitlab": gl} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run := reviewChange(t, f, gatewayEnv(newModelGateway(t, e2eModelFindings)))
			// The report still holds what the review of the old head found.
			run.wantCode(t, exitFindings)
			run.wantWrites(t)
			if !run.report.Forge.Stale || run.report.Forge.Posted != 0 || run.report.Forge.Status != "" {
				t.Errorf("the report says forge %+v, want stale and nothing posted", run.report.Forge)
			}
			if !strings.Contains(run.stderr, "the change's head moved during the review; nothing was published") {
				t.Errorf("stderr does not say the head moved:\n%s", run.stderr)
			}
		})
	}
}

// TestForgeAPICalls counts the forge requests of a review with 1 and with 100 findings on
// each forge, for BENCHMARKS.md. GitHub needs one more request per 30 comments; GitLab one
// listing of stale drafts, one draft note per comment and one bulk publish.
func TestForgeAPICalls(t *testing.T) {
	t.Parallel()
	type count struct{ publish, total, rerunPublish, rerunTotal int }
	counts := map[string]count{}
	for _, n := range []int{1, 100} {
		rev := forgeRev{Base: strings.Repeat("1", 40), Start: strings.Repeat("2", 40), Head: strings.Repeat("3", 40), Diff: bulkDiff(n)}
		for _, forge := range []string{"github", "gitlab"} {
			var f fakeForge
			if forge == "github" {
				f = newGitHubFake(t, rev)
			} else {
				f = newGitLabFake(t, rev)
			}
			run := reviewChange(t, f, nil, "--max-comments", "0")
			run.wantCode(t, exitFindings)
			if len(run.report.Findings) != n {
				t.Fatalf("%s: %d findings, want %d", forge, len(run.report.Findings), n)
			}
			switch forge {
			case "github":
				if got, want := len(filter(run.reqs, "POST", "/reviews")), (n+29)/30; got != want {
					t.Errorf("github, %d findings: %d reviews, want %d (30 comments each)", n, got, want)
				}
			case "gitlab":
				if d, p := len(filter(run.reqs, "POST", "/draft_notes")), len(filter(run.reqs, "POST", "/bulk_publish")); d != n || p != 1 {
					t.Errorf("gitlab, %d findings: %d drafts and %d bulk publishes, want %d and 1", n, d, p, n)
				}
			}
			rerun := reviewChange(t, f, nil, "--max-comments", "0")
			if w := writes(rerun.reqs); len(w) != 2 {
				t.Errorf("%s, %d findings: the re-run wrote %v, want only the summary and the status", forge, n, w)
			}
			c := count{publish: run.apiCalls, total: len(run.reqs), rerunPublish: rerun.apiCalls, rerunTotal: len(rerun.reqs)}
			counts[fmt.Sprintf("%s/%d", forge, n)] = c
			t.Logf("%s, %3d findings: %3d forge API calls reported (%3d requests seen by the fake); re-run: %3d reported (%3d seen)",
				forge, n, c.publish, c.total, c.rerunPublish, c.rerunTotal)
			// The report counts every request of the review, as the fake saw them.
			if c.publish != c.total || c.rerunPublish != c.rerunTotal {
				t.Errorf("%s, %d findings: the report counts %d and %d forge calls, the fake saw %d and %d",
					forge, n, c.publish, c.rerunPublish, c.total, c.rerunTotal)
			}
		}
	}
	if d := counts["github/100"].publish - counts["github/1"].publish; d != 3 {
		t.Errorf("GitHub: 100 findings cost %d more calls than 1, want 3 (one per 30 comments)", d)
	}
}

// fingerprintOf reads a comment body's hidden fingerprint marker.
func fingerprintOf(body string) (string, bool) {
	m := fingerprintRE.FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// lineCode is GitLab's line code of the line at the running counters old and new.
func lineCode(path string, oldN, newN int) string {
	return fmt.Sprintf("%s_%d_%d", sha1Hex(path), oldN, newN)
}

// TestForgeSummaryNotAPersonsComment: a person's comment that holds the summary marker (the
// summary's source pasted into a reply) is not the bot's summary: the bot leaves it alone
// and writes its own.
func TestForgeSummaryNotAPersonsComment(t *testing.T) {
	t.Parallel()
	const pasted = "Why does it say this? <!-- reviewer:summary head=" + shaHead1 + " -->"
	t.Run("github", func(t *testing.T) {
		t.Parallel()
		f := newGitHubFake(t, changeV1(t))
		human := f.addIssueComment(pasted)
		run := reviewChange(t, f, nil)
		run.wantWrites(t, "POST /api/v3/repos/"+ghRepo+"/pulls/7/reviews", "POST /api/v3/repos/"+ghRepo+"/issues/7/comments",
			"POST /api/v3/repos/"+ghRepo+"/statuses/"+shaHead1)
		_, _, issue, _ := f.snapshot()
		for _, c := range issue {
			if c.ID == human && c.Body != pasted {
				t.Errorf("the bot rewrote a person's comment:\n%s", c.Body)
			}
		}
	})
	t.Run("gitlab", func(t *testing.T) {
		t.Parallel()
		f := newGitLabFake(t, changeV1(t))
		human := f.addNote(pasted)
		run := reviewChange(t, f, nil)
		if got := filter(run.reqs, "POST", "/merge_requests/7/notes"); len(got) != 1 {
			t.Errorf("%d summary notes created, want 1", len(got))
		}
		if n := f.snapshot().Notes[human]; n.Body != pasted {
			t.Errorf("the bot rewrote a person's note:\n%s", n.Body)
		}
	})
}
