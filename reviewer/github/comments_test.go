package github_test

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/rules"
)

func TestListComments(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	item := fixtureItem(t, "pull-request-review-comment-items.json")
	bot := userObject(t, testBot, "User")
	human := item["user"]
	fp := func(s string) string { return "Wrap the error.\n\n" + reviewer.Marker(s, rules.SeverityWarning) }
	comment := func(id int, kv ...any) map[string]any {
		c := with(item, "id", id, "user", bot, "in_reply_to_id", nil)
		delete(c, "in_reply_to_id")
		return with(c, kv...)
	}
	var comments []map[string]any
	// A current bot comment, answered by a human.
	comments = append(comments, comment(1, "body", fp("aaaaaaaa"), "path", "a.go", "line", 10, "position", 3))
	comments = append(comments, with(item, "id", 2, "in_reply_to_id", 1, "body", "I disagree", "user", human))
	// An outdated bot comment: position and line are null.
	comments = append(comments, comment(3, "body", fp("bbbbbbbb"), "path", "b.go", "line", nil, "position", nil, "original_line", 7))
	// A bot comment the bot itself followed up on: not a human reply.
	comments = append(comments, comment(4, "body", fp("cccccccc"), "path", "c.go", "line", 5))
	comments = append(comments, comment(5, "in_reply_to_id", 4, "body", "also"))
	// Not the bot's: no marker.
	comments = append(comments, with(item, "id", 6, "body", "LGTM"))
	// Not the bot's either: a person's comment with a marker planted in it, which must
	// not pass for the finding already posted.
	comments = append(comments, with(item, "id", 8, "body", fp("eeeeeeee"), "path", "e.go", "line", 3, "user", human))
	// Filler so the bot's last comment sits on the third page.
	for i := range 200 {
		comments = append(comments, with(item, "id", 100+i, "body", "chatter"))
	}
	comments = append(comments, comment(7, "body", fp("dddddddd"), "path", "d.go", "line", 20, "start_line", 18))
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347/comments", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, comments)
	})
	users := f.serveUser(t, testBot)
	c := f.client(t)
	got, err := c.ListComments(t.Context(), testChange)
	if err != nil {
		t.Fatal(err)
	}
	want := []reviewer.PostedComment{
		{ID: "1", Fingerprint: "aaaaaaaa", Path: "a.go", Line: 10, Replied: true, Severity: rules.SeverityWarning, HasSeverity: true},
		{ID: "3", Fingerprint: "bbbbbbbb", Path: "b.go", Line: 7, Resolved: true, Severity: rules.SeverityWarning, HasSeverity: true},
		{ID: "4", Fingerprint: "cccccccc", Path: "c.go", Line: 5, Severity: rules.SeverityWarning, HasSeverity: true},
		{ID: "7", Fingerprint: "dddddddd", Path: "d.go", Line: 20, Severity: rules.SeverityWarning, HasSeverity: true},
	}
	// Body, RuleID and Replies serve the conversation: cmd/reviewer/replies_e2e_test.go checks them.
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(reviewer.PostedComment{}, "Body", "RuleID", "Replies")); d != "" {
		t.Errorf("ListComments (-want +got):\n%s", d)
	}
	if n := c.APICalls(); n != 4 {
		t.Errorf("APICalls = %d, want GET /user and 3 pages", n)
	}
	if _, err := c.ListComments(t.Context(), testChange); err != nil {
		t.Fatal(err)
	}
	if n := users.Load(); n != 1 {
		t.Errorf("GET /user asked %d times, want once per client", n)
	}
}
