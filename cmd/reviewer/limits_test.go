package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/queue"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// commentDelivery is a signed issue_comment webhook: login (user id id, with the given
// author_association) comments body on acme/client-N#7. It is the recorded delivery of
// testdata/serve/issue_comment.created.on-pull-request.json with those fields changed.
func commentDelivery(t testing.TB, repo int, login string, id int, association, body string) ([]byte, http.Header) {
	t.Helper()
	raw, err := os.ReadFile("testdata/serve/issue_comment.created.on-pull-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["repository"].(map[string]any)["full_name"] = fmt.Sprintf("acme/client-%d", repo)
	ev["issue"].(map[string]any)["number"] = ghNumber
	c := ev["comment"].(map[string]any)
	c["body"], c["author_association"] = body, association
	c["user"].(map[string]any)["login"], c["user"].(map[string]any)["id"] = login, id
	ev["sender"].(map[string]any)["login"], ev["sender"].(map[string]any)["id"] = login, id
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return payload, signed(payload, "issue_comment")
}

// signed is the headers of a GitHub delivery of body, with a fresh delivery id.
func signed(body []byte, event string) http.Header {
	mac := hmac.New(sha256.New, []byte(serveSecret))
	mac.Write(body)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-GitHub-Event", event)
	h.Set("X-GitHub-Delivery", hex.EncodeToString(id))
	h.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	return h
}

// metric reads one sample of the service's /metrics, "" when it has none.
func metric(t testing.TB, addr, sample string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			return v
		}
	}
	return ""
}

// deliverOK posts a delivery that must be accepted.
func deliverOK(t testing.TB, addr string, body []byte, headers http.Header) {
	t.Helper()
	if code := deliver(t, addr, body, headers); code != http.StatusAccepted {
		t.Fatalf("delivery %s: %d, want 202", headers.Get("X-GitHub-Event"), code)
	}
}

// The attack: author_association MEMBER includes organization members who may only read
// the repository; their /review was queued and reviewed on the operator's tokens. Now
// the worker asks GitHub for the commenter's permission first.
func TestServeGitHubReviewCommandNeedsWrite(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	fl.fakes[0].SetPermission("reader", "read")
	fl.fakes[0].SetPermission("maintainer", "write")
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(fl.environ(), quickQueue(db)...))

	body, headers := commentDelivery(t, 0, "reader", 11, "MEMBER", "/review")

	deliverOK(t, p.addr, body, headers)
	waitFor(t, "the read-only member refused", func() bool {
		return strings.Contains(p.logs.String(), `"msg":"refused: the user who asked may not change the code"`)
	})
	if fl.reviewed(0) || fl.count(0, http.MethodPost, "pulls/7/reviews") != 0 {
		t.Fatal("a read-only member's /review was reviewed")
	}
	if n := fl.count(0, http.MethodGet, "collaborators/reader/permission"); n != 1 {
		t.Errorf("GitHub asked %d times for the reader's permission, want 1", n)
	}
	// River records the refused job's end a moment after; until then a second /review
	// of the change would join it.
	waitFor(t, "the refused job finished", func() bool {
		return metric(t, p.addr, `reviewer_queue_jobs{state="completed"}`) == "1"
	})

	body, headers = commentDelivery(t, 0, "maintainer", 12, "MEMBER", "/review")

	deliverOK(t, p.addr, body, headers)
	waitFor(t, "the maintainer's review", func() bool { return fl.reviewed(0) })
}

// outsiderPull makes the fake's pull request a first-time contributor's, from a fork.
func outsiderPull(pr map[string]any) {
	head := pr["head"].(map[string]any)
	repo := fakeforge.CloneObject(head["repo"].(map[string]any))
	repo["id"], repo["full_name"] = 99999, "mallory/client"
	head["repo"] = repo
	pr["author_association"] = "FIRST_TIME_CONTRIBUTOR"
}

// The attack: any outsider's pull request on a public repository was reviewed at full
// cost. With the default review.outsiders (on_request) it waits for a maintainer's
// /review, and says so once; with never it is not reviewed at all.
func TestServeOutsiders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy    string
		state     string // the status the refusal sets
		says      string
		reviewed  bool // after a maintainer's /review
		refusals  int  // jobs turned down in all
		statusFor int  // statuses on the head in the end
	}{
		{policy: "", state: "pending", says: "comment `/review` to have this head reviewed", reviewed: true, refusals: 2, statusFor: 2},
		{policy: "never", state: "error", says: "`review.outsiders` is `never`", reviewed: false, refusals: 3, statusFor: 1},
	} {
		t.Run("outsiders="+tc.policy, func(t *testing.T) {
			t.Parallel()
			fl := newGitHubFleet(t, 1)
			f := fl.fakes[0]
			f.SetPermission("maintainer", "write")
			f.EditPull(outsiderPull)
			db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
			environ := append(fl.environ(), quickQueue(db)...)
			if tc.policy != "" {
				environ = append(environ, "REVIEWER_REVIEW_OUTSIDERS="+tc.policy)
			}
			p := startServe(t, environ)
			// River records a job's end a moment after its handler returned; until then
			// a delivery of the same head would join it. Each step waits for both.
			limited := func(n string) func() bool {
				return func() bool {
					return metric(t, p.addr, `reviewer_reviews_total{forge="github",outcome="limited"}`) == n &&
						metric(t, p.addr, `reviewer_queue_jobs{state="completed"}`) == n
				}
			}

			body, headers := delivery(t, "opened", 0, shaHead1)

			deliverOK(t, p.addr, body, headers)
			waitFor(t, "the outsider's change turned down", limited("1"))
			_, reviews, issue, statuses := f.snapshot()
			if len(reviews) != 0 {
				t.Fatalf("the outsider's change was reviewed (%d reviews)", len(reviews))
			}
			if len(statuses) != 1 || statuses[0].SHA != shaHead1 || statuses[0].State != tc.state {
				t.Fatalf("statuses %+v, want one %s on %s", statuses, tc.state, shaHead1)
			}
			if len(issue) != 1 || !strings.Contains(issue[0].Body, "comes from a fork, by a first-time contributor") ||
				!strings.Contains(issue[0].Body, tc.says) {
				t.Fatalf("summaries %+v: want one saying why and %q", issue, tc.says)
			}

			// The same head delivered again (a synchronize redelivered by hand): said once.
			body, headers = delivery(t, "synchronize", 0, shaHead1)
			deliverOK(t, p.addr, body, headers)
			waitFor(t, "the redelivery turned down", limited("2"))
			if n := fl.count(0, http.MethodPatch, "issues/comments/ID"); n != 0 {
				t.Errorf("the summary was edited %d times for a refusal it already said", n)
			}
			if _, _, _, st := f.snapshot(); len(st) != 1 {
				t.Errorf("%d statuses for one refused head, want 1", len(st))
			}

			body, headers = commentDelivery(t, 0, "maintainer", 12, "MEMBER", "/review")

			deliverOK(t, p.addr, body, headers)
			if tc.reviewed {
				waitFor(t, "the maintainer's review", func() bool {
					_, reviews, _, _ := f.snapshot()
					return len(reviews) > 0
				})
			} else {
				waitFor(t, "the maintainer's /review turned down", limited("3"))
				if _, reviews, _, _ := f.snapshot(); len(reviews) != 0 {
					t.Errorf("outsiders=never, yet a /review reviewed the change")
				}
			}
			if n := metric(t, p.addr, `reviewer_reviews_total{forge="github",outcome="limited"}`); n != strconv.Itoa(tc.refusals) {
				t.Errorf("%s reviews turned down, want %d", n, tc.refusals)
			}
			waitFor(t, "the statuses", func() bool {
				_, _, _, st := f.snapshot()
				return len(st) == tc.statusFor
			})
		})
	}
}

// The attack: nothing bounded what a day of reviews could spend. With a repository budget,
// the review that spends it is the last of the day; the next is refused, said once on the
// change, and not retried.
func TestServeBudget(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	f := fl.fakes[0]
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(append(fl.environ(), quickQueue(db)...), gatewayEnv(newModelGateway(t, e2eModelFindings))...)
	// A refusal names the last reviewed head only from a sealed summary: give a key.
	p := startServe(t, append(environ, "REVIEWER_REVIEW_BUDGET_REPO_TOKENS_PER_DAY=20", "REVIEWER_SECURITY_KEY=budget test key"))
	// Each step waits for the job's end too: until River records it, a delivery of the
	// same head would join it.
	limited := func(n, completed string) func() bool {
		return func() bool {
			return metric(t, p.addr, `reviewer_reviews_total{forge="github",outcome="limited"}`) == n &&
				metric(t, p.addr, `reviewer_queue_jobs{state="completed"}`) == completed
		}
	}

	// The first review starts under the budget and runs to the end, past it (29 tokens
	// for the review, 29 for its verification).
	body, headers := delivery(t, "opened", 0, shaHead1)
	deliverOK(t, p.addr, body, headers)
	// Until the job ends, its tokens may not be charged yet.
	waitFor(t, "the first review", func() bool {
		return fl.reviewed(0) && metric(t, p.addr, `reviewer_queue_jobs{state="completed"}`) == "1"
	})

	f.push(changeV2(t))
	body, headers = delivery(t, "synchronize", 0, shaHead2)
	deliverOK(t, p.addr, body, headers)
	waitFor(t, "the second review refused", limited("1", "2"))
	_, reviews, issue, statuses := f.snapshot()
	if len(reviews) != 1 {
		t.Errorf("%d reviews, want the first only", len(reviews))
	}
	last := statuses[len(statuses)-1]
	if last.SHA != shaHead2 || last.State != "error" || !strings.Contains(last.Description, "daily token budget of this repository spent") ||
		!strings.Contains(last.Description, "00:00 UTC") {
		t.Errorf("status %+v: want error on %s naming the budget and its reset", last, shaHead2)
	}
	if len(issue) != 1 {
		t.Fatalf("%d summaries, want one", len(issue))
	}
	for _, want := range []string{"`6e0ddf6fc175` was not reviewed", "The daily token budget of this repository is spent: 58 of 20 tokens",
		"`review.budget.repo_tokens_per_day`", "It resets at 00:00 UTC on ", "The last review was of `ad8ce15e38e1`"} {
		if !strings.Contains(issue[0].Body, want) {
			t.Errorf("the summary does not say %q:\n%s", want, issue[0].Body)
		}
	}
	edits, nStatuses := fl.count(0, http.MethodPatch, "issues/comments/ID"), len(statuses)

	// Asked again for the same head: refused again, and nothing new is written.
	body, headers = delivery(t, "synchronize", 0, shaHead2)
	deliverOK(t, p.addr, body, headers)
	waitFor(t, "the redelivery refused", limited("2", "3"))
	if n := fl.count(0, http.MethodPatch, "issues/comments/ID"); n != edits {
		t.Errorf("the summary was edited again (%d edits, want %d): the refusal is said once", n, edits)
	}
	if _, _, _, st := f.snapshot(); len(st) != nStatuses {
		t.Errorf("%d statuses, want %d: the refusal is said once", len(st), nStatuses)
	}
	// A refusal ends its job: none waits to be retried.
	if n := metric(t, p.addr, `reviewer_queue_jobs{state="retryable"}`); n != "0" {
		t.Errorf("%s jobs wait to be retried, want 0", n)
	}
	if n := metric(t, p.addr, "reviewer_model_requests_total"); n != "2" {
		t.Errorf("%s model requests, want 2, the first review's and its verification's (the refused reviews asked nothing)", n)
	}
}

// TestBudgetRefusal: the author's budget counts the author's reviews in every repository;
// the repository's only its own; a spent budget names itself and its reset.
func TestBudgetRefusal(t *testing.T) {
	t.Parallel()
	c, _, err := loadConfig("", pflag.NewFlagSet("test", pflag.ContinueOnError), nil,
		[]string{"REVIEWER_REVIEW_BUDGET_REPO_TOKENS_PER_DAY=1000", "REVIEWER_REVIEW_BUDGET_AUTHOR_TOKENS_PER_DAY=500"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	q, err := queue.Open(t.Context(), "sqlite://"+filepath.Join(t.TempDir(), "reviewer.db"), queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	w := &worker{c: c, queue: q}
	log := slog.New(slog.DiscardHandler)
	mona := reviewer.Change{Forge: "github", Repo: "Acme/App", Number: 1, Author: "Mona"}
	other := reviewer.Change{Forge: "github", Repo: "acme/lib", Number: 2, Author: "hubot"}
	check := func(c reviewer.Change) *reviewer.Refusal {
		t.Helper()
		r, err := w.refusal(t.Context(), queue.Job{Forge: c.Forge, Repo: c.Repo, Number: c.Number}, c)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := check(mona); r != nil {
		t.Fatalf("nothing spent, yet refused: %+v", r)
	}
	// mona spends 600 tokens in acme/app: her budget (500) is spent, the repository's
	// (1000) is not.
	w.charge(t.Context(), &reviewer.Result{Change: mona, Usage: reviewer.Usage{PromptTokens: 550, CompletionTokens: 50}}, log)
	elsewhere := mona
	elsewhere.Repo = "acme/lib"
	r := check(elsewhere)
	if r == nil {
		t.Fatal("the author's spent budget let her change in another repository through")
	}
	reset := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	for _, want := range []string{"The daily token budget of the author `Mona` is spent: 600 of 500 tokens",
		"`review.budget.author_tokens_per_day`", "It resets at 00:00 UTC on " + reset.Format("2006-01-02")} {
		if !strings.Contains(r.Reason, want) && !strings.Contains(r.Reason, strings.Replace(want, reset.Format("2006-01-02"), reset.Add(24*time.Hour).Format("2006-01-02"), 1)) {
			t.Errorf("refusal %q does not say %q", r.Reason, want)
		}
	}
	if r.State != reviewer.StatusError || len(r.Status) > 140 || !strings.Contains(r.Status, "author") {
		t.Errorf("status %q (%s): want an error naming the author's budget, at most 140 bytes", r.Status, r.State)
	}
	// Someone else in the same repository is still under both budgets (600 of 1000).
	if r := check(reviewer.Change{Forge: "github", Repo: "acme/app", Number: 3, Author: "hubot"}); r != nil {
		t.Errorf("another author refused: %q", r.Reason)
	}
	// The repository's budget is per repository (the name's case aside).
	w.charge(t.Context(), &reviewer.Result{Change: reviewer.Change{Forge: "github", Repo: "ACME/app", Author: "hubot"},
		Usage: reviewer.Usage{PromptTokens: 400}}, log)
	if r := check(reviewer.Change{Forge: "github", Repo: "acme/app", Number: 3, Author: "octocat"}); r == nil ||
		!strings.Contains(r.Reason, "of this repository is spent: 1000 of 1000 tokens") {
		t.Errorf("the repository's spent budget: %+v", r)
	}
	if r := check(other); r != nil {
		t.Errorf("another repository refused: %q", r.Reason)
	}
}
