package webhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
)

// helloHead is the head of Codertocat/Hello-World#2 in the octokit examples.
const helloHead = "ec26c3e57ca3a959ca5aad62de7213c562f8c821"

func helloJob(action string, installation int64) *queue.Job {
	return &queue.Job{
		Forge:          "github",
		Repo:           "Codertocat/Hello-World",
		InstallationID: installation,
		Number:         2,
		HeadSHA:        helloHead,
		Event:          "pull_request." + action,
		Sender:         "Codertocat",
	}
}

// TestGitHubFixtures sends every GitHub payload in testdata/github, unchanged and signed,
// and checks the answer, the job and the metric.
func TestGitHubFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file    string
		cfg     func(*webhook.Config)
		status  int
		outcome string
		job     *queue.Job
	}{
		{file: "pull_request.opened.json", status: 202, outcome: "queued", job: helloJob("opened", 0)},
		{file: "pull_request.opened.with-installation.json", status: 202, outcome: "queued", job: helloJob("opened", 1)},
		{file: "pull_request.synchronize.json", status: 202, outcome: "queued", job: helloJob("synchronize", 1)},
		{file: "pull_request.reopened.json", status: 202, outcome: "queued", job: helloJob("reopened", 1)},
		{file: "pull_request.ready_for_review.json", status: 202, outcome: "queued", job: helloJob("ready_for_review", 0)},
		{file: "pull_request.closed.json", status: 202, outcome: "ignored"},
		{file: "pull_request.converted_to_draft.json", status: 202, outcome: "ignored"},
		{file: "pull_request.edited.json", status: 202, outcome: "ignored"},
		{file: "ping.json", status: 200, outcome: "ignored"},
		{file: "ping.organization.json", status: 200, outcome: "ignored"},
		// The comment on a pull request says "/build": not the default command...
		{file: "issue_comment.created.on-pull-request.json", status: 202, outcome: "ignored"},
		// ...but the command when configured so. The payload has no head.
		{
			file:    "issue_comment.created.on-pull-request.json",
			cfg:     func(c *webhook.Config) { c.Command = "/build" },
			status:  202,
			outcome: "queued",
			job: &queue.Job{
				Forge: "github", Repo: "chhsia0/knative-route-demo", Number: 3,
				Event: "issue_comment./build", Sender: "chhsia0", SenderID: 4643017,
			},
		},
		{file: "issue_comment.created.on-issue.json", status: 202, outcome: "ignored"},
		{file: "issue_comment.edited.on-issue.json", status: 202, outcome: "ignored"},
		{file: "pull_request_review.submitted.json", status: 202, outcome: "ignored"},
		{file: "pull_request_review_comment.created.json", status: 202, outcome: "ignored"},
		{file: "pull_request_review_comment.edited.with-installation.json", status: 202, outcome: "ignored"},
		{file: "check_run.requested_action.json", status: 202, outcome: "ignored"},
		{file: "check_suite.requested.json", status: 202, outcome: "ignored"},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
	}
	entries, err := os.ReadDir("testdata/github")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "_") && !covered[e.Name()] {
			t.Errorf("fixture %s has no case", e.Name())
		}
	}

	for i, tt := range tests {
		t.Run(fmt.Sprintf("%s#%d", tt.file, i), func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rec := &recorder{res: queue.Enqueued{JobID: 42}}
			s := newServer(t, cfg, rec)
			// The file name starts with the X-GitHub-Event the payload is delivered with.
			event, _, _ := strings.Cut(tt.file, ".")
			delivery := fmt.Sprintf("0b989ba4-242f-11e5-81e1-%012d", i)

			resp := serve(s, githubRequest(event, delivery, fixture(t, "github", tt.file)))

			if resp.Code != tt.status {
				t.Errorf("status = %d, want %d (%s)", resp.Code, tt.status, resp.Body)
			}
			a := decodeAnswer(t, resp)
			var want []queue.Job
			if tt.job != nil {
				j := *tt.job
				j.DeliveryID = delivery
				want = append(want, j)
				if !a.Queued || a.JobID != 42 {
					t.Errorf("answer = %+v, want queued job 42", a)
				}
			} else if a.Queued || a.Reason == "" {
				t.Errorf("answer = %+v, want a reason and nothing queued", a)
			}
			if diff := cmp.Diff(want, rec.queued()); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
			label := event
			if event != "pull_request" && event != "issue_comment" && event != "ping" && event != "pull_request_review_comment" {
				label = "other"
			}
			if got := deliveries(t, s.Registry(), "github", label, tt.outcome); got != 1 {
				t.Errorf("deliveries_total{github,%s,%s} = %v, want 1", label, tt.outcome, got)
			}
			if got := acks(t, s.Registry(), "github"); got != 1 {
				t.Errorf("ack_seconds count = %d, want 1", got)
			}
		})
	}
}

// TestGitHubPullRequestRules covers drafts, bots and the bot itself on variants of the
// real synchronize and opened payloads.
func TestGitHubPullRequestRules(t *testing.T) {
	t.Parallel()
	opened := fixture(t, "github", "pull_request.opened.json")
	draft := setJSON(t, opened, true, "pull_request", "draft")
	// A bot's pull request: the bot opens it, so it is both sender and author.
	botAuthored := func(body []byte, login, typ string) []byte {
		body = setJSON(t, setJSON(t, body, login, "sender", "login"), typ, "sender", "type")
		return setJSON(t, setJSON(t, body, login, "pull_request", "user", "login"), typ, "pull_request", "user", "type")
	}
	botSender := botAuthored(opened, "dependabot[bot]", "Bot")
	botLoginOnly := botAuthored(opened, "renovate[bot]", "User")
	// A person's pull request that a bot pushed to: from a fork, the author's own
	// workflow (github-actions[bot]) can push to the branch.
	botPush := setJSON(t, setJSON(t, fixture(t, "github", "pull_request.synchronize.json"), "github-actions[bot]", "sender", "login"), "Bot", "sender", "type")
	self := setJSON(t, setJSON(t, opened, "Reviewer-Bot[bot]", "sender", "login"), "Bot", "sender", "type")
	selfUser := setJSON(t, opened, testBot, "sender", "login")
	noHead := setJSON(t, opened, nil, "pull_request", "head", "sha")
	shortHead := setJSON(t, opened, "ec26c3e", "pull_request", "head", "sha")
	retargeted := setJSON(t, fixture(t, "github", "pull_request.edited.json"),
		map[string]any{"ref": map[string]any{"from": "stale"}, "sha": map[string]any{"from": "6dcb09b5b57875f334f61aebed695e2e4193db5e"}}, "changes", "base")

	tests := []struct {
		name         string
		body         []byte
		reviewDrafts bool
		reviewBots   bool
		status       int
		queued       bool
		reason       string
	}{
		{name: "draft skipped", body: draft, status: 202, reason: "draft"},
		// Retargeted: the head's status was set against the old base branch, which may
		// hold code the new one lacks (see reviewer.TestRetargetedChange).
		{name: "base branch changed", body: retargeted, status: 202, queued: true},
		{name: "description edited", body: fixture(t, "github", "pull_request.edited.json"), status: 202, reason: "edited"},
		{name: "draft with ReviewDrafts", body: draft, reviewDrafts: true, status: 202, queued: true},
		{name: "bot sender skipped", body: botSender, status: 202, reason: "bot"},
		{name: "bot login skipped", body: botLoginOnly, status: 202, reason: "bot"},
		{name: "bot with ReviewBots", body: botSender, reviewBots: true, status: 202, queued: true},
		{name: "a person's pull request pushed to by a bot", body: botPush, status: 202, queued: true},
		{name: "the bot itself", body: self, reviewBots: true, reviewDrafts: true, status: 202, reason: "bot itself"},
		{name: "the bot's user login", body: selfUser, reviewBots: true, status: 202, reason: "bot itself"},
		{name: "no head", body: noHead, status: 400, reason: "head commit"},
		{name: "abbreviated head", body: shortHead, status: 400, reason: "head commit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			cfg.ReviewDrafts, cfg.ReviewBots = tt.reviewDrafts, tt.reviewBots
			rec := &recorder{res: queue.Enqueued{JobID: 1}}
			s := newServer(t, cfg, rec)

			resp := serve(s, githubRequest("pull_request", "d-1", tt.body))

			if resp.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", resp.Code, tt.status, resp.Body)
			}
			a := decodeAnswer(t, resp)
			if got := len(rec.queued()) == 1; got != tt.queued || a.Queued != tt.queued {
				t.Errorf("queued = %v (answer %+v), want %v", got, a, tt.queued)
			}
			if !strings.Contains(a.Reason+a.Error, tt.reason) {
				t.Errorf("answer %+v does not mention %q", a, tt.reason)
			}
		})
	}
}

// TestGitHubCommentCommand covers /review comments: who may ask, what counts as the
// command, and the bot's own comments.
func TestGitHubCommentCommand(t *testing.T) {
	t.Parallel()
	base := fixture(t, "github", "issue_comment.created.on-pull-request.json")
	comment := func(body, association, login string) []byte {
		b := setJSON(t, base, body, "comment", "body")
		b = setJSON(t, b, association, "comment", "author_association")
		b = setJSON(t, b, login, "comment", "user", "login")
		return setJSON(t, b, login, "sender", "login")
	}
	// The job names the commenter: the worker asks GitHub for their permission before it
	// reviews, since their author_association does not tell.
	wantJob := queue.Job{
		Forge: "github", Repo: "chhsia0/knative-route-demo", Number: 3,
		Event: "issue_comment./review", Sender: "octocat", SenderID: 4643017, DeliveryID: "d-2",
	}

	tests := []struct {
		name   string
		body   []byte
		queued bool
		reason string
	}{
		{name: "collaborator", body: comment("/review", "COLLABORATOR", "octocat"), queued: true},
		{name: "owner", body: comment("/review", "OWNER", "octocat"), queued: true},
		{name: "member", body: comment("/review", "MEMBER", "octocat"), queued: true},
		{name: "contributor", body: comment("/review", "CONTRIBUTOR", "octocat"), reason: "CONTRIBUTOR"},
		{name: "first-time contributor", body: comment("/review", "FIRST_TIME_CONTRIBUTOR", "octocat"), reason: "author_association"},
		{name: "none", body: comment("/review", "NONE", "octocat"), reason: "author_association"},
		{name: "the bot itself", body: comment("/review", "COLLABORATOR", testBot), reason: "bot itself"},
		{name: "the bot itself as an App", body: comment("/review", "NONE", testBot+"[bot]"), reason: "bot itself"},
		{name: "command with words", body: comment("/review please\nthe parser changed", "COLLABORATOR", "octocat"), queued: true},
		{name: "command with spaces and CRLF", body: comment("  /review\r\nthanks", "COLLABORATOR", "octocat"), queued: true},
		{name: "longer word", body: comment("/reviewer", "COLLABORATOR", "octocat"), reason: "not /review"},
		{name: "command on a later line", body: comment("LGTM\n/review", "COLLABORATOR", "octocat"), reason: "not /review"},
		{name: "quoted command", body: comment("> /review", "COLLABORATOR", "octocat"), reason: "not /review"},
		{name: "edited", body: setJSON(t, comment("/review", "COLLABORATOR", "octocat"), "edited", "action"), reason: "edited"},
		{name: "closed", body: setJSON(t, comment("/review", "COLLABORATOR", "octocat"), "closed", "issue", "state"), reason: "closed"},
		{name: "on an issue", body: setJSON(t, comment("/review", "COLLABORATOR", "octocat"), nil, "issue", "pull_request"), reason: "not a pull request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{res: queue.Enqueued{JobID: 5}}
			s := newServer(t, testConfig(t), rec)

			resp := serve(s, githubRequest("issue_comment", "d-2", tt.body))

			if resp.Code != http.StatusAccepted {
				t.Fatalf("status = %d, want 202 (%s)", resp.Code, resp.Body)
			}
			a := decodeAnswer(t, resp)
			var want []queue.Job
			if tt.queued {
				want = []queue.Job{wantJob}
			} else if !strings.Contains(a.Reason, tt.reason) {
				t.Errorf("reason %q does not mention %q", a.Reason, tt.reason)
			}
			if diff := cmp.Diff(want, rec.queued()); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGitHubSignatureTestVector is the known-answer test from GitHub's docs
// ("Validating webhook deliveries"), through the server and through the test's signer.
func TestGitHubSignatureTestVector(t *testing.T) {
	t.Parallel()
	var v struct {
		Secret   string `json:"secret"`
		Payload  string `json:"payload"`
		Expected string `json:"expected_header_value"`
	}
	if err := json.Unmarshal(fixture(t, "github", "_signature-test-vector.json"), &v); err != nil {
		t.Fatal(err)
	}
	if got := signGitHub(v.Secret, []byte(v.Payload)); got != v.Expected {
		t.Fatalf("signGitHub = %s, want %s", got, v.Expected)
	}
	cfg := testConfig(t)
	cfg.GitHubSecret = v.Secret
	s := newServer(t, cfg, &recorder{})
	send := func(sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/github", strings.NewReader(v.Payload))
		req.Header.Set("X-GitHub-Event", "ping")
		req.Header.Set("X-Hub-Signature-256", sig)
		return serve(s, req).Code
	}
	// The payload is not JSON: a ping is answered without parsing it.
	if got := send(v.Expected); got != http.StatusOK {
		t.Errorf("documented signature: status %d, want 200", got)
	}
	flipped := v.Expected[:len(v.Expected)-1] + "f"
	if got := send(flipped); got != http.StatusUnauthorized {
		t.Errorf("altered signature: status %d, want 401", got)
	}
}

func TestGitHubUnauthorized(t *testing.T) {
	t.Parallel()
	body := fixture(t, "github", "pull_request.synchronize.json")
	good := signGitHub(testGitHubSecret, body)
	tests := []struct {
		name, sig string
	}{
		{"missing", ""},
		{"sha1", "sha1=" + strings.Repeat("a", 40)},
		{"no prefix", strings.TrimPrefix(good, "sha256=")},
		{"short", good[:len(good)-2]},
		{"not hex", good[:len(good)-2] + "zz"},
		{"other secret", signGitHub("not-the-secret", body)},
		{"other body", signGitHub(testGitHubSecret, append([]byte(nil), body[:len(body)-1]...))},
		{"secret itself", testGitHubSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			s := newServer(t, testConfig(t), rec)
			req := githubRequest("pull_request", "d-3", body)
			if tt.sig == "" {
				req.Header.Del("X-Hub-Signature-256")
			} else {
				req.Header.Set("X-Hub-Signature-256", tt.sig)
			}

			resp := serve(s, req)

			if resp.Code != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.Code)
			}
			if a := decodeAnswer(t, resp); a.Queued || a.Error == "" {
				t.Errorf("answer = %+v, want an error", a)
			}
			if jobs := rec.queued(); len(jobs) != 0 {
				t.Errorf("queued %v", jobs)
			}
			if got := deliveries(t, s.Registry(), "github", "pull_request", "unauthorized"); got != 1 {
				t.Errorf("deliveries_total{unauthorized} = %v, want 1", got)
			}
		})
	}
}

// TestGitHubFormEncoded: a webhook set to application/x-www-form-urlencoded sends the JSON
// in a payload field, and the signature covers the form.
func TestGitHubFormEncoded(t *testing.T) {
	t.Parallel()
	form := []byte("payload=" + url.QueryEscape(string(fixture(t, "github", "pull_request.synchronize.json"))))
	rec := &recorder{}
	s := newServer(t, testConfig(t), rec)
	req := githubRequest("pull_request", "d-4", form)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	resp := serve(s, req)

	if resp.Code != http.StatusAccepted || len(rec.queued()) != 1 {
		t.Fatalf("status = %d, jobs %v; want 202 and one job (%s)", resp.Code, rec.queued(), resp.Body)
	}
	want := *helloJob("synchronize", 1)
	want.DeliveryID = "d-4"
	if diff := cmp.Diff(want, rec.queued()[0]); diff != "" {
		t.Errorf("job (-want +got):\n%s", diff)
	}
}
