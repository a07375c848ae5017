package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/learn"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// learnDB is a queue database holding three members' dismissals of team-sql-concat in
// test files on the fake GitHub's repository, and one by a change's author.
func learnDB(t *testing.T) string {
	t.Helper()
	url := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	q, err := queue.Open(context.Background(), url, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	now := time.Now()
	for i, d := range []queue.Dismissal{
		{Who: "ann", Path: "internal/db/users_test.go", Words: "false positive: ids are ints", ForLearning: true},
		{Who: "bob", Path: "internal/api/orders_test.go", Words: "intended", ForLearning: true},
		{Who: "cy", Path: "cmd/tool/main_test.go", Words: "false positive", ForLearning: true},
		{Who: "author", Path: "main.go", Words: "false positive", ForLearning: false},
	} {
		d.Forge, d.Repo, d.Change, d.RuleID, d.Line = "github", ghRepo, 20+i, "team-sql-concat", 10
		d.Fingerprint, d.Thread, d.At = strings.Repeat("a", 15)+string(rune('0'+i)), "9"+string(rune('0'+i)), now.Add(time.Duration(i-5)*time.Hour)
		if err := q.Dismiss(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	return url
}

// TestLearnCommand: `reviewer learn --dry-run` prints the patch and writes nothing;
// without it one pull request is opened from reviewer/learn; thresholds not met propose
// nothing; the author's own dismissal never counts.
func TestLearnCommand(t *testing.T) {
	t.Parallel()
	rule, err := os.ReadFile("testdata/learn/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Repeat("1", 40)
	f := newGitHubFake(t, forgeRev{Base: base, Start: base, Head: strings.Repeat("3", 40),
		Diff: "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-a\n+b\n"})
	f.SetFile(base, ".reviewer/rules/sql.md", string(rule))
	db := learnDB(t)
	writes := func() []string {
		var out []string
		for _, c := range f.Calls() {
			if !strings.HasPrefix(c, "GET ") {
				out = append(out, c)
			}
		}
		return out
	}

	high := append(f.environ(), "REVIEWER_LEARN_MIN_DISMISSALS=4")
	res := runCmd(t, t.TempDir(), high, "learn", "--dry-run", "--queue-url", db)
	if res.code != 0 || res.stdout != "" {
		t.Errorf("min_dismissals 4 with three members' dismissals: code %d, stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}

	res = runCmd(t, t.TempDir(), f.environ(), "learn", "--dry-run", "--queue-url", db)
	if res.code != 0 || !strings.Contains(res.stdout, "+++ b/.reviewer/rules/sql.md") || !strings.Contains(res.stdout, "+  - \"**/*_test.go\"") {
		t.Fatalf("learn --dry-run: code %d, stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	if w := writes(); len(w) != 0 {
		t.Errorf("learn --dry-run wrote %q", w)
	}

	res = runCmd(t, t.TempDir(), f.environ(), "learn", "--queue-url", db)
	if res.code != 0 {
		t.Fatalf("learn: code %d:\n%s", res.code, res.stderr)
	}
	ps := f.Proposals()
	if len(ps) != 1 || ps[0].Head != "reviewer/learn" {
		t.Fatalf("proposals %+v, want one from reviewer/learn", ps)
	}
	if strings.Contains(ps[0].Body, "`author`") {
		t.Errorf("the author's own dismissal is evidence:\n%s", ps[0].Body)
	}
	// The fake's web address is plain http: no link is made to it.
	if !strings.Contains(ps[0].Body, "| #20 |") || strings.Contains(ps[0].Body, "http://") {
		t.Errorf("the first change, unlinked, not in the description:\n%s", ps[0].Body)
	}
}

func TestLearnLinks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ forge, githubBase, gitlabBase, want string }{
		{"github", "", "", "https://github.com/o/r/pull/4#discussion_r77"},
		{"github", "https://ghe.example.com/api/v3/", "", "https://ghe.example.com/o/r/pull/4#discussion_r77"},
		{"gitlab", "", "", "https://gitlab.com/o/r/-/merge_requests/4"},
		{"gitlab", "", "https://git.example.com/api/v4", "https://git.example.com/o/r/-/merge_requests/4"},
	} {
		c := &Config{}
		c.GitHub.BaseURL, c.GitLab.BaseURL = tc.githubBase, tc.gitlabBase
		got := learner{c: c}.link(tc.forge)(learn.Dismissal{Forge: tc.forge, Repo: "o/r", Change: 4, Thread: "77"})
		if got != tc.want {
			t.Errorf("%s %q %q: %s, want %s", tc.forge, tc.githubBase, tc.gitlabBase, got, tc.want)
		}
	}
}

// TestServeLearns: with learn.enabled, the service's leader runs learning at start as a
// periodic job: one pull request is opened, and the metric counts it.
func TestServeLearns(t *testing.T) {
	t.Parallel()
	rule, err := os.ReadFile("testdata/learn/sql.md")
	if err != nil {
		t.Fatal(err)
	}
	base := strings.Repeat("1", 40)
	f := newGitHubFake(t, forgeRev{Base: base, Start: base, Head: strings.Repeat("3", 40),
		Diff: "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-a\n+b\n"})
	f.SetFile(base, ".reviewer/rules/sql.md", string(rule))
	db := learnDB(t)
	p := startServe(t, append(quickQueue(db), "REVIEWER_SERVER_CLONES_MAX_MIB=0", "REVIEWER_GITHUB_TOKEN="+ghToken,
		"REVIEWER_GITHUB_BASE_URL="+f.BaseURL(), "REVIEWER_GITHUB_WEBHOOK_SECRET="+serveSecret, "REVIEWER_GITHUB_BOT_LOGIN="+ghBot,
		"REVIEWER_LEARN_ENABLED=true"))
	waitFor(t, "the learning proposal", func() bool { return len(f.Proposals()) > 0 })
	waitFor(t, "the proposal counted", func() bool {
		resp, err := http.Get("http://" + p.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return strings.Contains(string(metrics), `reviewer_rules_proposals_total{forge="github",outcome="opened"} 1`)
	})
	if ps := f.Proposals(); len(ps) != 1 || ps[0].Head != "reviewer/learn" {
		t.Errorf("proposals %+v, want one from reviewer/learn", ps)
	}
}
