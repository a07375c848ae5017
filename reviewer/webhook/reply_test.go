package webhook_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/webhook"
)

// TestGitHubReplies covers replies in review threads on variants of the real
// pull_request_review_comment payload (which starts a thread: in_reply_to_id is added).
func TestGitHubReplies(t *testing.T) {
	t.Parallel()
	created := fixture(t, "github", "pull_request_review_comment.created.json")
	base := setJSON(t, created, 284312000, "comment", "in_reply_to_id")
	base = setJSON(t, base, "false positive, this is intended", "comment", "body")
	want := queue.Job{
		Forge: "github", Repo: "Codertocat/Hello-World", Number: 2, HeadSHA: helloHead,
		Event: "pull_request_review_comment.created", Sender: "Codertocat", SenderID: 21031067,
		Reply: &queue.Reply{CommentID: 284312630, Thread: "284312000", Body: "false positive, this is intended",
			AuthorID: 21031067, Author: "Codertocat"},
	}
	botUser := map[string]any{"login": "dependabot[bot]", "id": 49699333, "type": "Bot"}
	tests := []struct {
		name   string
		body   []byte
		cfg    func(*webhook.Config)
		queued bool
		reason string
	}{
		{name: "reply", body: base, queued: true},
		{name: "starts a thread", body: created, reason: "starts a thread"},
		{name: "edited", body: setJSON(t, base, "edited", "action"), reason: "edited"},
		{name: "the bot itself", body: setJSON(t, setJSON(t, base, testBot, "comment", "user", "login"), testBot, "sender", "login"),
			reason: "bot itself"},
		{name: "the bot as an App", body: setJSON(t, base, testBot+"[bot]", "comment", "user", "login"), reason: "bot itself"},
		{name: "another bot", body: setJSON(t, setJSON(t, base, botUser, "comment", "user"), botUser, "sender"), reason: "is a bot"},
		// ReviewBots is about reviewing bots' changes, never about talking to them.
		{name: "another bot, bots reviewed", body: setJSON(t, base, botUser, "sender"),
			cfg: func(c *webhook.Config) { c.ReviewBots = true }, reason: "is a bot"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rec := &recorder{res: queue.Enqueued{JobID: 9}}
			s := newServer(t, cfg, rec)
			delivery := "72d3162e-cc78-11e3-81ab-4c9367dc095" + string(rune('0'+i))
			resp := serve(s, githubRequest("pull_request_review_comment", delivery, tt.body))
			if resp.Code != 202 {
				t.Fatalf("status = %d (%s)", resp.Code, resp.Body)
			}
			a := decodeAnswer(t, resp)
			var wantJobs []queue.Job
			if tt.queued {
				j := want
				j.DeliveryID = delivery
				wantJobs = append(wantJobs, j)
			} else if a.Queued || !strings.Contains(a.Reason, tt.reason) {
				t.Errorf("answer = %+v, want nothing queued and a reason with %q", a, tt.reason)
			}
			if diff := cmp.Diff(wantJobs, rec.queued()); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGitLabReplies covers notes in diff threads on variants of the real DiffNote
// payload.
func TestGitLabReplies(t *testing.T) {
	t.Parallel()
	base := setJSON(t, fixture(t, "gitlab", "note.merge_request.diff_note.json"), "won't fix: by design", "object_attributes", "note")
	base = setJSON(t, base, 51764, "user", "id")
	long := strings.Repeat("é", queue.MaxReplyBody) // two bytes each
	tests := []struct {
		name   string
		body   []byte
		cfg    func(*webhook.Config)
		want   string // the reply's body, when queued
		reason string
	}{
		{name: "reply", body: base, want: "won't fix: by design"},
		{name: "long reply is cut at a rune", body: setJSON(t, base, long, "object_attributes", "note"),
			want: long[:queue.MaxReplyBody]},
		{name: "plain note", body: setJSON(t, base, nil, "object_attributes", "type"), reason: "not /review"},
		{name: "the bot itself", body: setJSON(t, base, testBot, "user", "username"), reason: "bot itself"},
		{name: "token bot", body: setJSON(t, base, "project_4861503_bot_0a1b2c", "user", "username"),
			cfg: func(c *webhook.Config) { c.ReviewBots = true }, reason: "is a bot"},
		{name: "edited", body: setJSON(t, base, "update", "object_attributes", "action"), reason: "update"},
		{name: "merged", body: setJSON(t, base, "merged", "merge_request", "state"), reason: "merged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := testConfig(t)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			rec := &recorder{res: queue.Enqueued{JobID: 9}}
			s := newServer(t, cfg, rec)
			resp := serve(s, gitlabRequest("Note Hook", "f5e5f430-f57b-4e6e-9fac-d9128cd7232f", tt.body))
			if resp.Code != 202 {
				t.Fatalf("status = %d (%s)", resp.Code, resp.Body)
			}
			a := decodeAnswer(t, resp)
			jobs := rec.queued()
			if tt.want == "" {
				if a.Queued || len(jobs) != 0 || !strings.Contains(a.Reason, tt.reason) {
					t.Errorf("answer = %+v, jobs %v; want nothing queued and a reason with %q", a, jobs, tt.reason)
				}
				return
			}
			if len(jobs) != 1 || jobs[0].Reply == nil {
				t.Fatalf("jobs = %+v, want one reply", jobs)
			}
			r := jobs[0].Reply
			wantReply := queue.Reply{CommentID: 50772639, Thread: "e2d22c5e7bc2dda3d55f3ddc6d48b65326e2612b",
				Body: tt.want, AuthorID: 51764, Author: "sytses"}
			if diff := cmp.Diff(wantReply, *r); diff != "" {
				t.Errorf("reply (-want +got):\n%s", diff)
			}
			if jobs[0].DeliveryID != "f5e5f430-f57b-4e6e-9fac-d9128cd7232f" {
				t.Errorf("delivery id = %q", jobs[0].DeliveryID)
			}
		})
	}
}

// TestReplyLimit: replies are queued up to the burst per change and per writer, then
// answered 202 and not queued, counted as limited; another writer on another change is
// not held back, and a negative PerHour turns the bound off.
func TestReplyLimit(t *testing.T) {
	t.Parallel()
	base := setJSON(t, fixture(t, "github", "pull_request_review_comment.created.json"), 284312000, "comment", "in_reply_to_id")
	// alice and bob are strangers to the repository; carol is a member of its organization.
	stranger := setJSON(t, base, "NONE", "comment", "author_association")
	alice := map[string]any{"login": "alice", "id": 1001, "type": "User"}
	bob := map[string]any{"login": "bob", "id": 1002, "type": "User"}
	carol := map[string]any{"login": "carol", "id": 1003, "type": "User"}
	as := func(user map[string]any, number int) []byte {
		body := stranger
		if user["login"] == "carol" {
			body = setJSON(t, base, "MEMBER", "comment", "author_association")
		}
		return setJSON(t, setJSON(t, setJSON(t, body, user, "comment", "user"), user, "sender"), number, "pull_request", "number")
	}
	type step struct {
		body   []byte
		queued bool
		reason string
	}
	// Each writer's bound holds 2, a change's 5 writers' worth: 10.
	var steps []step
	newcomer := func(n int) map[string]any {
		return map[string]any{"login": fmt.Sprintf("stranger%d", n), "id": 2000 + n, "type": "User"}
	}
	steps = append(steps, step{as(alice, 2), true, ""}, step{as(alice, 2), true, ""},
		// One stranger spends their own bound, not the change's.
		step{as(alice, 2), false, "from this writer"}, step{as(bob, 2), true, ""})
	for n := 1; n <= 3; n++ {
		steps = append(steps, step{as(newcomer(n), 2), true, ""}, step{as(newcomer(n), 2), true, ""})
	}
	steps = append(steps, step{as(bob, 2), true, ""},
		// Five writers drained the change's bound.
		step{as(newcomer(4), 2), false, "from this change"},
		step{as(alice, 3), false, "from this writer"},
		step{as(newcomer(4), 3), true, ""},
		// Those who drained the change's bound do not keep a maintainer out of it: carol's
		// replies are held by her own bound alone.
		step{as(carol, 2), true, ""}, step{as(carol, 2), true, ""}, step{as(carol, 2), false, "from this writer"})
	for _, off := range []bool{false, true} {
		cfg := testConfig(t)
		cfg.Replies = webhook.ReplyLimit{PerHour: 1, Burst: 2}
		if off {
			cfg.Replies.PerHour = -1
		}
		rec := &recorder{res: queue.Enqueued{JobID: 9}}
		s := newServer(t, cfg, rec)
		queued := 0
		for i, st := range steps {
			resp := serve(s, githubRequest("pull_request_review_comment", fmt.Sprintf("delivery-%d", i), st.body))
			if resp.Code != 202 {
				t.Fatalf("off=%v reply %d: status = %d (%s)", off, i, resp.Code, resp.Body)
			}
			a := decodeAnswer(t, resp)
			want := st.queued || off
			if a.Queued != want || !want && !strings.Contains(a.Reason, st.reason) {
				t.Errorf("off=%v reply %d: answer %+v, want queued %v with a reason holding %q", off, i, a, want, st.reason)
			}
			if want {
				queued++
			}
		}
		if n := len(rec.queued()); n != queued {
			t.Errorf("off=%v: %d jobs queued, want %d", off, n, queued)
		}
		if got, want := deliveries(t, cfg.Registry, "github", "pull_request_review_comment", "limited"), float64(len(steps)-queued); got != want {
			t.Errorf("off=%v: %v deliveries counted as limited, want %v", off, got, want)
		}
	}
}
