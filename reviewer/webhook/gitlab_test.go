package webhook_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
)

// gitlabHooks maps each GitLab fixture to the X-Gitlab-Event it is delivered with, as
// recorded in testdata/gitlab/_headers.json.
func gitlabHooks(t testing.TB) map[string]string {
	t.Helper()
	var h struct {
		ByFile map[string]string `json:"x_gitlab_event_by_file"`
	}
	if err := json.Unmarshal(fixture(t, "gitlab", "_headers.json"), &h); err != nil {
		t.Fatal(err)
	}
	return h.ByFile
}

// TestGitLabFixtures sends every GitLab payload in testdata/gitlab, unchanged, with the
// X-Gitlab-Event recorded for it, and checks the answer, the job and the metric.
func TestGitLabFixtures(t *testing.T) {
	t.Parallel()
	helloWorld := func(event string) *queue.Job {
		return &queue.Job{
			Forge: "gitlab", Repo: "gitlab-org/hello-world", ProjectID: 4861503, Number: 1,
			HeadSHA: "c4c79227ed610f1151f05bbc5be33b4f340d39c8", Event: event, Sender: "sytses",
		}
	}
	tests := []struct {
		file    string
		cfg     func(*webhook.Config)
		outcome string
		label   string
		job     *queue.Job
	}{
		{file: "merge_request.open.json", outcome: "queued", label: "merge_request", job: &queue.Job{
			Forge: "gitlab", Repo: "gitlabhq/gitlab-test", ProjectID: 1, Number: 1,
			HeadSHA: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", Event: "merge_request.open", Sender: "user1",
		}},
		{file: "merge_request.reopen.json", outcome: "queued", label: "merge_request", job: helloWorld("merge_request.reopen")},
		// oldrev is present: code was pushed.
		{file: "merge_request.update.new-commits.json", outcome: "queued", label: "merge_request", job: &queue.Job{
			Forge: "gitlab", Repo: "quan.hoang/atlantis-example", ProjectID: 910, Number: 3,
			HeadSHA: "5ff66a1f7404deee915b50998c340e96d995f048", Event: "merge_request.update", Sender: "quan.hoang",
		}},
		// The same event through an integration ("Service Hook").
		{file: "merge_request.update.new-commits.service-hook.json", outcome: "queued", label: "merge_request", job: &queue.Job{
			Forge: "gitlab", Repo: "test/woodpecker", ProjectID: 2, Number: 2,
			HeadSHA: "0ab96a10266b95b4b533dcfd98738015fbe70889", Event: "merge_request.update", Sender: "test",
		}},
		// Older GitLab: only the title says the draft was marked ready ("Draft: x" -> "x").
		{file: "merge_request.update.mark-as-ready.json", outcome: "queued", label: "merge_request", job: &queue.Job{
			Forge: "gitlab", Repo: "sheather/test", ProjectID: 2, Number: 3,
			HeadSHA: "386f281f2c9b1a3b659fc7a244ca6781174e1836", Event: "merge_request.update", Sender: "sheather",
		}},
		// Despite its source's name (pull_request_review_ready), this payload goes the
		// other way: changes.draft false -> true, the title gained "Draft: ".
		{file: "merge_request.update.draft-to-ready.json", outcome: "ignored", label: "merge_request"},
		{file: "merge_request.update.draft-to-ready.json", cfg: func(c *webhook.Config) { c.ReviewDrafts = true }, outcome: "ignored", label: "merge_request"},
		{file: "merge_request.update.title.json", outcome: "ignored", label: "merge_request"},
		{file: "merge_request.update.description.json", outcome: "ignored", label: "merge_request"},
		{file: "merge_request.close.json", outcome: "ignored", label: "merge_request"},
		{file: "merge_request.merge.json", outcome: "ignored", label: "merge_request"},
		{file: "merge_request.merge.group-hook.json", outcome: "ignored", label: "merge_request"},
		{file: "note.merge_request.json", outcome: "ignored", label: "note"},
		// A person's note in a diff thread may answer the bot: the worker asks whose
		// thread it is.
		{file: "note.merge_request.diff_note.json", outcome: "queued", label: "note", job: func() *queue.Job {
			j := helloWorld("note.reply")
			j.Reply = &queue.Reply{CommentID: 50772639, Thread: "e2d22c5e7bc2dda3d55f3ddc6d48b65326e2612b",
				Body: "check spelling", Author: "sytses"}
			return j
		}()},
		// Its note is "check spelling": the command "check" followed by a space.
		{
			file: "note.merge_request.diff_note.json", cfg: func(c *webhook.Config) { c.Command = "check" },
			outcome: "queued", label: "note", job: helloWorld("note.check"),
		},
		{file: "pipeline.json", outcome: "ignored", label: "other"},
		{file: "push.json", outcome: "ignored", label: "other"},
	}

	hooks := gitlabHooks(t)
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
	}
	entries, err := os.ReadDir("testdata/gitlab")
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
			hook, ok := hooks[tt.file]
			if !ok {
				t.Fatalf("_headers.json has no X-Gitlab-Event for %s", tt.file)
			}
			cfg := testConfig(t)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rec := &recorder{res: queue.Enqueued{JobID: 7}}
			s := newServer(t, cfg, rec)
			key := fmt.Sprintf("f5e5f430-f57b-4e6e-9fac-%012d", i)

			resp := serve(s, gitlabRequest(hook, key, fixture(t, "gitlab", tt.file)))

			if resp.Code != http.StatusAccepted {
				t.Errorf("status = %d, want 202 (%s)", resp.Code, resp.Body)
			}
			a := decodeAnswer(t, resp)
			var want []queue.Job
			if tt.job != nil {
				j := *tt.job
				j.DeliveryID = key
				want = append(want, j)
				if !a.Queued || a.JobID != 7 {
					t.Errorf("answer = %+v, want queued job 7", a)
				}
			} else if a.Queued || a.Reason == "" {
				t.Errorf("answer = %+v, want a reason and nothing queued", a)
			}
			if diff := cmp.Diff(want, rec.queued()); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
			if got := deliveries(t, s.Registry(), "gitlab", tt.label, tt.outcome); got != 1 {
				t.Errorf("deliveries_total{gitlab,%s,%s} = %v, want 1", tt.label, tt.outcome, got)
			}
		})
	}
}

// TestGitLabMergeRequestRules covers drafts, bots, the bot itself and the draft-to-ready
// signal of newer GitLab, on variants of the real payloads.
func TestGitLabMergeRequestRules(t *testing.T) {
	t.Parallel()
	open := fixture(t, "gitlab", "merge_request.open.json")
	// A bot's merge request: the bot opens it, so it is both the user and the author.
	botOpen := setJSON(t, open, 1, "object_attributes", "author_id")
	// The documented GitLab 16+ shape: changes.draft goes true -> false.
	toDraft := fixture(t, "gitlab", "merge_request.update.draft-to-ready.json")
	ready := setJSON(t, toDraft, map[string]any{"previous": true, "current": false}, "changes", "draft")
	ready = setJSON(t, ready, false, "object_attributes", "draft")
	ready = setJSON(t, ready, false, "object_attributes", "work_in_progress")
	wipReady := setJSON(t, ready, nil, "changes", "draft")
	wipReady = setJSON(t, wipReady, map[string]any{"previous": true, "current": false}, "changes", "work_in_progress")

	tests := []struct {
		name         string
		body         []byte
		reviewDrafts bool
		reviewBots   bool
		status       int
		queued       bool
		reason       string
	}{
		{name: "draft skipped", body: setJSON(t, open, true, "object_attributes", "draft"), status: 202, reason: "draft"},
		{name: "work in progress skipped", body: setJSON(t, open, true, "object_attributes", "work_in_progress"), status: 202, reason: "draft"},
		{name: "draft with ReviewDrafts", body: setJSON(t, open, true, "object_attributes", "draft"), reviewDrafts: true, status: 202, queued: true},
		{name: "changes.draft true to false", body: ready, status: 202, queued: true},
		{name: "changes.work_in_progress true to false", body: wipReady, status: 202, queued: true},
		// Retargeted: the head's status was set against the old target branch, which may
		// hold code the new one lacks (see reviewer.TestRetargetedChange).
		{name: "target branch changed", body: setJSON(t, fixture(t, "gitlab", "merge_request.update.title.json"),
			map[string]any{"previous": "stale", "current": "main"}, "changes", "target_branch"), status: 202, queued: true},
		{name: "access-token bot skipped", body: setJSON(t, botOpen, "project_42_bot_0c7e5b9d2a", "user", "username"), status: 202, reason: "bot"},
		{name: "old access-token bot skipped", body: setJSON(t, botOpen, "project_42_bot3", "user", "username"), status: 202, reason: "bot"},
		{name: "bot with ReviewBots", body: setJSON(t, botOpen, "group_7_bot_0c7e5b9d2a", "user", "username"), reviewBots: true, status: 202, queued: true},
		// A person's merge request that a bot pushed to: from a fork, an access token of
		// the fork (project_<fork>_bot) can push to the source branch.
		{name: "a person's merge request pushed to by a bot", body: setJSON(t, setJSON(t, fixture(t, "gitlab", "merge_request.update.new-commits.json"),
			"project_99_bot_0c7e5b9d2a", "user", "username"), 77, "user", "id"), status: 202, queued: true},
		{name: "the bot itself", body: setJSON(t, open, "Reviewer-Bot", "user", "username"), reviewBots: true, status: 202, reason: "bot itself"},
		{name: "closed with new commits", body: setJSON(t, fixture(t, "gitlab", "merge_request.update.new-commits.json"), "closed", "object_attributes", "state"), status: 202, reason: "closed"},
		{name: "approved", body: setJSON(t, open, "approved", "object_attributes", "action"), status: 202, reason: "approved"},
		{name: "no last commit", body: setJSON(t, open, nil, "object_attributes", "last_commit"), status: 400, reason: "head commit"},
		{name: "no iid", body: setJSON(t, open, nil, "object_attributes", "iid"), status: 400, reason: "change number"},
		{name: "no project path", body: setJSON(t, open, nil, "project"), status: 400, reason: "repository path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			cfg.ReviewDrafts, cfg.ReviewBots = tt.reviewDrafts, tt.reviewBots
			rec := &recorder{}
			s := newServer(t, cfg, rec)

			resp := serve(s, gitlabRequest("Merge Request Hook", "k-1", tt.body))

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

// TestGitLabNoteCommand covers /review notes on variants of the real note payload.
func TestGitLabNoteCommand(t *testing.T) {
	t.Parallel()
	base := setJSON(t, fixture(t, "gitlab", "note.merge_request.json"), "/review", "object_attributes", "note")
	wantJob := queue.Job{
		Forge: "gitlab", Repo: "gitlab-org/gitlab-test", ProjectID: 5, Number: 1,
		HeadSHA: "562e173be03b8ff2efb05345d12df18815438a4b", Event: "note./review", Sender: "root", SenderID: 1,
		DeliveryID: "k-2",
	}
	tests := []struct {
		name   string
		hook   string
		body   []byte
		status int
		queued bool
		reason string
	}{
		{name: "command", body: base, status: 202, queued: true},
		{name: "confidential note", hook: "Confidential Note Hook", body: base, status: 202, queued: true},
		{name: "on a draft", body: setJSON(t, base, true, "merge_request", "work_in_progress"), status: 202, queued: true},
		{name: "not the command", body: setJSON(t, base, "/review-later", "object_attributes", "note"), status: 202, reason: "not /review"},
		{name: "the bot itself", body: setJSON(t, base, testBot, "user", "username"), status: 202, reason: "bot itself"},
		{name: "access-token bot", body: setJSON(t, base, "project_5_bot_ab12", "user", "username"), status: 202, reason: "bot"},
		{name: "system note", body: setJSON(t, base, true, "object_attributes", "system"), status: 202, reason: "system note"},
		{name: "edited note", body: setJSON(t, base, "update", "object_attributes", "action"), status: 202, reason: "update"},
		{name: "on an issue", body: setJSON(t, base, "Issue", "object_attributes", "noteable_type"), status: 202, reason: "Issue"},
		{name: "merged", body: setJSON(t, base, "merged", "merge_request", "state"), status: 202, reason: "merged"},
		{name: "no merge_request", body: setJSON(t, base, nil, "merge_request"), status: 400, reason: "merge_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			s := newServer(t, testConfig(t), rec)
			hook := tt.hook
			if hook == "" {
				hook = "Note Hook"
			}

			resp := serve(s, gitlabRequest(hook, "k-2", tt.body))

			if resp.Code != tt.status {
				t.Fatalf("status = %d, want %d (%s)", resp.Code, tt.status, resp.Body)
			}
			a := decodeAnswer(t, resp)
			var want []queue.Job
			if tt.queued {
				want = []queue.Job{wantJob}
			} else if !strings.Contains(a.Reason+a.Error, tt.reason) {
				t.Errorf("answer %+v does not mention %q", a, tt.reason)
			}
			if diff := cmp.Diff(want, rec.queued()); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGitLabUnauthorized(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tokens []string
	}{
		{"missing", nil},
		{"empty", []string{""}},
		{"wrong", []string{"not-the-token"}},
		{"prefix of the secret", []string{testGitLabSecret[:len(testGitLabSecret)-1]}},
		{"secret and more", []string{testGitLabSecret + "x"}},
		{"other forge's secret", []string{testGitHubSecret}},
		{"twice", []string{testGitLabSecret, testGitLabSecret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorder{}
			s := newServer(t, testConfig(t), rec)
			req := gitlabRequest("Merge Request Hook", "k-3", fixture(t, "gitlab", "merge_request.open.json"))
			req.Header.Del("X-Gitlab-Token")
			for _, tok := range tt.tokens {
				req.Header.Add("X-Gitlab-Token", tok)
			}

			resp := serve(s, req)

			if resp.Code != http.StatusUnauthorized {
				t.Errorf("status = %d, want 401", resp.Code)
			}
			if jobs := rec.queued(); len(jobs) != 0 {
				t.Errorf("queued %v", jobs)
			}
			if got := deliveries(t, s.Registry(), "gitlab", "merge_request", "unauthorized"); got != 1 {
				t.Errorf("deliveries_total{unauthorized} = %v, want 1", got)
			}
		})
	}
}

// TestGitLabDeliveryID checks which header becomes the job's delivery id.
func TestGitLabDeliveryID(t *testing.T) {
	t.Parallel()
	open := fixture(t, "gitlab", "merge_request.open.json")
	reopen := fixture(t, "gitlab", "merge_request.reopen.json")
	const (
		key     = "f5e5f430-f57b-4e6e-9fac-d9128cd7232f"
		webhook = "02affd2d-2cba-4033-917d-ec22d5dc4b38"
		event   = "13792a34-cac6-4fda-95a8-c58e00a3954e"
	)
	id := func(body []byte, headers map[string]string) string {
		t.Helper()
		rec := &recorder{}
		s := newServer(t, testConfig(t), rec)
		req := gitlabRequest("Merge Request Hook", "", body)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		if resp := serve(s, req); resp.Code != http.StatusAccepted || len(rec.queued()) != 1 {
			t.Fatalf("status %d, jobs %v", resp.Code, rec.queued())
		}
		return rec.queued()[0].DeliveryID
	}
	all := map[string]string{"Idempotency-Key": key, "X-Gitlab-Webhook-UUID": webhook, "X-Gitlab-Event-UUID": event}
	if got := id(open, all); got != key {
		t.Errorf("with Idempotency-Key: %q, want %q", got, key)
	}
	if got := id(open, map[string]string{"X-Gitlab-Webhook-UUID": webhook, "X-Gitlab-Event-UUID": event}); got != webhook {
		t.Errorf("with X-Gitlab-Webhook-UUID: %q, want %q", got, webhook)
	}
	onlyEvent := map[string]string{"X-Gitlab-Event-UUID": event}
	a, b, c := id(open, onlyEvent), id(reopen, onlyEvent), id(open, onlyEvent)
	if !strings.HasPrefix(a, event+"/") || a == b || a != c {
		t.Errorf("event UUID only: open %q, reopen %q, open again %q; want %s/<digest>, distinct per body, stable", a, b, c, event)
	}
	if got := id(open, nil); got != "" {
		t.Errorf("no id header: %q, want empty", got)
	}
}
