package github_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	_ "github.com/reviewerbot/reviewer/internal/golden" // defines -update for go test ./... -update
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

// TestSummaryNotAPersonsComment: a person's comment holding the summary marker (a
// summary quoted in a reply) is not the bot's summary. The bot leaves it alone, creates
// its own, and finds and edits its own from then on.
func TestSummaryNotAPersonsComment(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	pasted := "Why does it say this?\n" + reviewer.SummaryMarker(reviewer.Change{}, testHead, seal.Key{})
	person := f.AddIssueComment("octocat", pasted)
	// The fake refuses, as a problem, an edit of anyone's comment but the bot's.
	f.serveUser(t, testBot)
	c := f.client(t)
	ctx := t.Context()

	s, err := c.FindSummary(ctx, testChange)
	if err != nil || s != nil {
		t.Fatalf("FindSummary = %+v, %v; want nil, nil: the person's comment is not the summary", s, err)
	}
	body := "2 findings\n" + reviewer.SummaryMarker(reviewer.Change{}, testHead, seal.Key{})
	if err := c.WriteSummary(ctx, testChange, "", body); err != nil {
		t.Fatal(err)
	}
	s, err = c.FindSummary(ctx, testChange)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&reviewer.PostedSummary{ID: strconv.FormatInt(person+1, 10), Body: body}, s); d != "" {
		t.Fatalf("FindSummary after the bot wrote its own (-want +got):\n%s", d)
	}
	if err := c.WriteSummary(ctx, testChange, s.ID, body); err != nil {
		t.Fatal(err)
	}
	if got := f.Snapshot().IssueComments[0].Body; got != pasted {
		t.Errorf("the person's comment changed to %q", got)
	}
}

// TestListCommentsPlantedMarker: a review comment by someone else that carries a
// fingerprint marker does not count as the bot's finding, so the finding is posted.
func TestListCommentsPlantedMarker(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	item := fixtureItem(t, "pull-request-review-comment-items.json")
	planted := "nit\n\n" + reviewer.Marker("aaaaaaaa", rules.SeverityWarning)
	comments := []map[string]any{
		with(item, "id", 1, "body", planted, "path", "a.go", "line", 10),
		// A lookalike login is someone else too.
		with(item, "id", 2, "body", planted, "path", "a.go", "line", 10, "user", userObject(t, testBot+"-x", "User")),
	}
	for _, c := range comments {
		delete(c, "in_reply_to_id")
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347/comments", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, comments)
	})
	f.serveUser(t, testBot)
	got, err := f.client(t).ListComments(t.Context(), testChange)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Errorf("ListComments = %+v, want none: no comment is the bot's", got)
	}
}

// TestAppIdentity: with App auth the bot is the App's bot user, "<slug>[bot]", read once
// from GET /app with the App's JWT (installation tokens cannot call GET /user).
func TestAppIdentity(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const bot = "octoapp[bot]"
	f.HandleFunc("POST /app/installations/{id}/access_tokens", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteJSON(w, http.StatusCreated, map[string]any{"token": "ghs_x", "expires_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	})
	apps := f.serveApp(t, 12, "octoapp")
	issueItem := fixtureItem(t, "issue-comment-items.json")
	summary := "no findings\n" + reviewer.SummaryMarker(reviewer.Change{}, testHead, seal.Key{})
	issue := []map[string]any{
		with(issueItem, "id", 1, "body", summary), // octocat's
		with(issueItem, "id", 2, "body", summary, "user", userObject(t, testBot, "User")),
		with(issueItem, "id", 3, "body", summary, "user", userObject(t, bot, "Bot")),
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/issues/1347/comments", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, issue)
	})
	reviewItem := fixtureItem(t, "pull-request-review-comment-items.json")
	comment := func(id int, login, typ string, kv ...any) map[string]any {
		c := with(reviewItem, "id", id, "user", userObject(t, login, typ), "path", "a.go", "line", 10)
		delete(c, "in_reply_to_id")
		return with(c, kv...)
	}
	review := []map[string]any{
		comment(1, "octocat", "User", "body", reviewer.Marker("aaaaaaaa", rules.SeverityWarning)),
		comment(2, bot, "Bot", "body", reviewer.Marker("bbbbbbbb", rules.SeverityWarning)),
		comment(3, "octocat", "User", "body", "why?", "in_reply_to_id", 2),
		comment(4, "other-app[bot]", "Bot", "body", reviewer.Marker("cccccccc", rules.SeverityWarning)),
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347/comments", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, review)
	})
	c := f.clientWith(t, github.Options{AppID: 12, InstallationID: 4242, PrivateKey: testKey(t)})

	s, err := c.FindSummary(t.Context(), testChange)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil || s.ID != "3" {
		t.Errorf("FindSummary = %+v, want comment 3 by %s", s, bot)
	}
	got, err := c.ListComments(t.Context(), testChange)
	if err != nil {
		t.Fatal(err)
	}
	want := []reviewer.PostedComment{{ID: "2", Fingerprint: "bbbbbbbb", Path: "a.go", Line: 10, Replied: true, Severity: rules.SeverityWarning, HasSeverity: true}}
	// Body, RuleID and Replies serve the conversation: cmd/reviewer/replies_e2e_test.go checks them.
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(reviewer.PostedComment{}, "Body", "RuleID", "Replies")); d != "" {
		t.Errorf("ListComments (-want +got):\n%s", d)
	}
	if n := apps.Load(); n != 1 {
		t.Errorf("GET /app asked %d times, want once per client", n)
	}
	wantCalls := []string{
		"GET /app",
		"POST /app/installations/4242/access_tokens",
		"GET /repos/octocat/Hello-World/issues/1347/comments?per_page=100",
		"GET /repos/octocat/Hello-World/pulls/1347/comments?per_page=100",
	}
	if d := cmp.Diff(wantCalls, f.Calls()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
	if n := c.APICalls(); n != int64(len(wantCalls)) {
		t.Errorf("APICalls = %d, want %d", n, len(wantCalls))
	}
}

// TestIdentityRefused: when GitHub will not say who the client is, nothing is listed and
// the error says why; markers are never trusted instead. A refusal is not remembered.
func TestIdentityRefused(t *testing.T) {
	t.Parallel()
	t.Run("installation token at GET /user", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.HandleFunc("GET /user", func(w http.ResponseWriter, _ *http.Request) {
			fakegithub.WriteError(w, http.StatusForbidden, "Resource not accessible by integration")
		})
		c := f.client(t)
		_, err := c.FindSummary(t.Context(), testChange)
		if !errors.Is(err, reviewer.ErrForbidden) || !strings.Contains(err.Error(), "installation token") {
			t.Errorf("FindSummary error = %v, want ErrForbidden and advice", err)
		}
		_, err = c.ListComments(t.Context(), testChange)
		if !errors.Is(err, reviewer.ErrForbidden) || !strings.Contains(err.Error(), "identify the bot") {
			t.Errorf("ListComments error = %v, want ErrForbidden", err)
		}
		// No list was asked for (the fake has no handler for one), and GET /user was
		// asked again.
		if d := cmp.Diff([]string{"GET /user", "GET /user"}, f.Calls()); d != "" {
			t.Errorf("requests (-want +got):\n%s", d)
		}
	})
	t.Run("app at GET /app", func(t *testing.T) {
		t.Parallel()
		f := newFake(t)
		f.HandleFunc("GET /app", func(w http.ResponseWriter, _ *http.Request) {
			fakegithub.WriteError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		})
		c := f.clientWith(t, github.Options{AppID: 12, InstallationID: 4242, PrivateKey: testKey(t)})
		_, err := c.ListComments(t.Context(), testChange)
		if !errors.Is(err, reviewer.ErrForbidden) || !strings.Contains(err.Error(), "read the authenticated app") {
			t.Errorf("ListComments error = %v, want ErrForbidden", err)
		}
		if d := cmp.Diff([]string{"GET /app"}, f.Calls()); d != "" {
			t.Errorf("requests (-want +got):\n%s", d)
		}
	})
}

// TestIdentityOnce: concurrent first calls ask GitHub who the client is once between them.
func TestIdentityOnce(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("GET /repos/octocat/Hello-World/issues/1347/comments", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, []map[string]any{})
	})
	users := f.serveUser(t, testBot)
	c := f.client(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.FindSummary(t.Context(), testChange); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := users.Load(); n != 1 {
		t.Errorf("GET /user asked %d times, want once", n)
	}
	if n := c.APICalls(); n != 9 {
		t.Errorf("APICalls = %d, want 9 (GET /user and 8 lists)", n)
	}
}

// TestBotLogin: an installation token (GitHub Actions' GITHUB_TOKEN) can not read
// GET /user; with Options.BotLogin the adapter trusts the configured login and asks nothing.
func TestBotLogin(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	item := fixtureItem(t, "issue-comment-items.json")
	summary := "1 finding\n" + reviewer.SummaryMarker(reviewer.Change{}, testHead, seal.Key{})
	f.HandleFunc("GET /repos/octocat/Hello-World/issues/1347/comments", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, []map[string]any{
			with(item, "id", 1, "body", summary, "user", userObject(t, "someone", "User")),
			with(item, "id", 2, "body", summary, "user", userObject(t, "github-actions[bot]", "Bot")),
		})
	})
	f.HandleFunc("GET /user", func(w http.ResponseWriter, _ *http.Request) {
		t.Error("GET /user asked although the bot's login was given")
		fakegithub.WriteJSON(w, http.StatusForbidden, map[string]any{"message": "Resource not accessible by integration"})
	})
	c := f.clientWith(t, github.Options{Token: "ghs_installation", BotLogin: "github-actions[bot]"})
	s, err := c.FindSummary(t.Context(), testChange)
	if err != nil || s == nil || s.ID != "2" {
		t.Fatalf("FindSummary = %+v, %v; want the summary by github-actions[bot], id 2", s, err)
	}
}
