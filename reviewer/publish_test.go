package reviewer_test

import (
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest"
	"github.com/reviewerbot/reviewer/reviewer/seal"
	"github.com/reviewerbot/reviewer/rules"
)

// pyDiff adds the given lines to app/x.py after `pad` unchanged-looking added lines.
func pyDiff(pad int, lines ...string) []byte {
	var body []string
	for range pad {
		body = append(body, "+import os")
	}
	for _, l := range lines {
		body = append(body, "+"+l)
	}
	return []byte("diff --git a/app/x.py b/app/x.py\nnew file mode 100644\n--- /dev/null\n+++ b/app/x.py\n" +
		"@@ -0,0 +1," + itoa(len(body)) + " @@\n" + strings.Join(body, "\n") + "\n")
}

func itoa(n int) string { return strconv.Itoa(n) }

// testKey seals the summaries of the tests' reviews, as security.key would.
var testKey = seal.New([]byte("test key"))

func publishRun(t *testing.T, f *reviewertest.Forge) reviewer.Result {
	t.Helper()
	rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{
		Forge:   f,
		Publish: reviewer.PublishOptions{FailOn: rules.SeverityError, Seal: testKey},
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 7}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPublishOnceAndOnlyOnce(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change: reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
		Patch:  pyDiff(0, "y = eval(a)", "cur.execute(\"DELETE FROM t WHERE id = %s\" % i)"),
	}
	res := publishRun(t, f)
	if got := res.Published; got.Posted != 2 || got.Kept != 0 || got.Stale || got.Status != reviewer.StatusFailure {
		t.Errorf("first run published %+v, want 2 posted and a failure status", got)
	}
	if f.Batches != 1 || f.SummaryWrites != 1 {
		t.Errorf("first run: %d batches, %d summary writes; want one of each", f.Batches, f.SummaryWrites)
	}
	if res.Published.APICalls == 0 {
		t.Error("forge calls not counted")
	}

	// The same head again: nothing new, the summary is edited, not added.
	res = publishRun(t, f)
	if got := res.Published; got.Posted != 0 || got.Kept != 2 {
		t.Errorf("re-run published %+v, want 0 posted, 2 kept", got)
	}
	if f.Batches != 1 || len(f.Comments) != 2 || f.SummaryWrites != 2 {
		t.Errorf("re-run: %d batches, %d comments, %d summary writes; want 1, 2, 2", f.Batches, len(f.Comments), f.SummaryWrites)
	}

	// A rebase that moves the lines down: still nothing new.
	f.Change.HeadSHA, f.Patch = "bbbbbbbbbbbb2", pyDiff(3, "y = eval(a)", "cur.execute(\"DELETE FROM t WHERE id = %s\" % i)")
	res = publishRun(t, f)
	if got := res.Published; got.Posted != 0 || got.Kept != 2 || got.Resolved != 0 {
		t.Errorf("after a rebase published %+v, want 0 posted, 2 kept", got)
	}

	// A push that fixes the eval: its thread is resolved, the other stays.
	f.Change.HeadSHA, f.Patch = "cccccccccccc3", pyDiff(3, "y = ast.literal_eval(a)", "cur.execute(\"DELETE FROM t WHERE id = %s\" % i)")
	res = publishRun(t, f)
	if got := res.Published; got.Posted != 0 || got.Resolved != 1 {
		t.Errorf("after a fix published %+v, want 1 resolved", got)
	}
	var resolved []string
	for _, c := range f.Comments {
		if c.Resolved {
			resolved = append(resolved, c.Finding.RuleID)
		}
	}
	if diff := cmp.Diff([]string{"py-eval-exec"}, resolved); diff != "" {
		t.Errorf("resolved threads (-want +got):\n%s", diff)
	}
	if !strings.Contains(f.Summary, "head=cccccccccccc3") {
		t.Errorf("the summary does not name the head it reviewed:\n%s", f.Summary)
	}
	wantStatus := []reviewer.StatusState{reviewer.StatusFailure, reviewer.StatusFailure, reviewer.StatusFailure, reviewer.StatusFailure}
	var states []reviewer.StatusState
	for _, s := range f.Statuses {
		states = append(states, s.State)
	}
	if diff := cmp.Diff(wantStatus, states); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestPublishStaleHead(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change:  reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
		HeadNow: "dddddddddddd4",
		Patch:   pyDiff(0, "y = eval(a)"),
	}
	res := publishRun(t, f)
	if !res.Published.Stale || len(f.Comments) != 0 || f.Summary != "" || len(f.Statuses) != 0 {
		t.Errorf("a review of an old head published: %+v, %d comments, summary %q, %d statuses", res.Published, len(f.Comments), f.Summary, len(f.Statuses))
	}
}

func TestPublishRejected(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change: reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
		Patch:  pyDiff(0, "y = eval(a)", "cur.execute(\"DELETE FROM t WHERE id = %s\" % i)"),
		Reject: map[string]string{"app/x.py:1": "line must be part of the diff"},
	}
	res := publishRun(t, f)
	if got := res.Published; got.Posted != 1 || got.Rejected != 1 {
		t.Errorf("published %+v, want 1 posted, 1 rejected", got)
	}
	if len(res.Unplaced) != 1 || !strings.Contains(res.Unplaced[0].Message, "line must be part of the diff") {
		t.Errorf("unplaced %+v: want the rejected comment with the forge's reason", res.Unplaced)
	}
	if !strings.Contains(f.Summary, "Findings not placed on a line (1)") {
		t.Errorf("the summary does not list the rejected comment:\n%s", f.Summary)
	}
}

// TestPublishIncomplete: a change with a file the review could not do never gets a
// success status, even with no findings.
func TestPublishIncomplete(t *testing.T) {
	t.Parallel()
	f := &reviewertest.Forge{
		Change: reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
		Patch:  pyDiff(0, "y = 1"),
	}
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) { return reviewer.Reply{}, reviewer.ErrRefused }}
	rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{Forge: f, Model: model, Publish: reviewer.PublishOptions{FailOn: rules.SeverityError}}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "gitlab", Repo: "g/p", Number: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Published.Status != reviewer.StatusFailure || !strings.Contains(f.Statuses[0].Description, "review incomplete") {
		t.Errorf("status %s %q, want a failure saying the review is incomplete", res.Published.Status, f.Statuses)
	}
	if !strings.Contains(f.Summary, "this is not a clean pass") {
		t.Errorf("the summary reads as a clean pass:\n%s", f.Summary)
	}
}

// TestPublishRepositoryFailOn: the repository's .reviewer.yaml fail_on decides the status
// when the operator set none, as it decides the command's exit code.
func TestPublishRepositoryFailOn(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		opts  reviewer.PublishOptions
		state reviewer.StatusState
	}{
		{"repository's fail_on: warning", reviewer.PublishOptions{FailOn: rules.SeverityError}, reviewer.StatusFailure},
		{"operator's error wins", reviewer.PublishOptions{FailOn: rules.SeverityError, FailOnSet: true}, reviewer.StatusSuccess},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &reviewertest.Forge{
				Change: reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
				Patch:  pyDiff(0, "y = eval(a)"), // one warning
				Files:  fstest.MapFS{".reviewer.yaml": {Data: []byte("fail_on: warning\n")}},
			}
			rv := reviewer.New(f, reviewer.TreeRules{Tree: f}, reviewer.Options{Forge: f, Publish: tt.opts}, nil)
			res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "github", Repo: "o/r", Number: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Published.Status != tt.state {
				t.Errorf("status %s, want %s", res.Published.Status, tt.state)
			}
		})
	}
}

// TestIncrementalReview: after a push, the model is shown only what changed since the head
// the last summary covered; threads elsewhere stay open and still count in the status; a
// head that is gone (force-push) gets a whole review.
func TestIncrementalReview(t *testing.T) {
	t.Parallel()
	// Two hunks far apart: line 2 (flagged by the model) and line 40 (changed by the push).
	hunks := func(x string) []byte {
		return []byte("diff --git a/app/x.py b/app/x.py\n--- a/app/x.py\n+++ b/app/x.py\n" +
			"@@ -1,2 +1,2 @@\n def a():\n-    return 1\n+    return load(path)\n" +
			"@@ -40,1 +40,1 @@\n-x = 0\n+" + x + "\n")
	}
	v1, v2 := hunks("x = 1"), hunks("x = 2")
	inter := []byte("diff --git a/app/x.py b/app/x.py\n--- a/app/x.py\n+++ b/app/x.py\n@@ -40 +40 @@\n-x = 1\n+x = 2\n")
	f := &reviewertest.Forge{
		Change:     reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
		Patch:      v1,
		Interdiffs: map[string][]byte{"aaaaaaaaaaaa1..bbbbbbbbbbbb2": inter},
	}
	model := &fakeModel{answer: func(user string) (reviewer.Reply, error) {
		var fs []reviewer.ModelFinding
		if strings.Contains(user, "return load(path)") {
			fs = append(fs, reviewer.ModelFinding{Path: "app/x.py", Line: 2, Severity: "error", Message: "load may raise; handle it.", Quote: "return load(path)"})
		}
		return reviewer.Reply{Findings: fs, Requests: 1, Model: "m"}, nil
	}}
	run := func() reviewer.Result {
		t.Helper()
		rv := reviewer.New(f, reviewer.TreeRules{Tree: f, Opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{
			Forge: f, Model: model, Publish: reviewer.PublishOptions{FailOn: rules.SeverityError, Seal: testKey}}, nil)
		res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "gitlab", Repo: "g/p", Number: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := run()
	if res.Published.Posted != 1 || res.Published.Status != reviewer.StatusFailure || res.Since != "" {
		t.Fatalf("first review: %+v, since %q; want 1 posted, failure, a whole review", res.Published, res.Since)
	}

	// A push that changes only line 3.
	sent := len(model.prompts)
	f.Change.HeadSHA, f.Patch = "bbbbbbbbbbbb2", v2
	res = run()
	if res.Since != "aaaaaaaaaaaa1" {
		t.Errorf("second review since %q, want the first head", res.Since)
	}
	for _, p := range model.prompts[sent:] {
		if strings.Contains(p.Messages[1].Content, "return load(path)") {
			t.Error("the model was shown line 2, which did not change since the last review")
		}
	}
	if got := res.Published; got.Resolved != 0 || got.Kept != 1 || got.Status != reviewer.StatusFailure {
		t.Errorf("second review published %+v: want the open error thread kept, not resolved, and a failure status", got)
	}
	if !strings.Contains(f.Summary, "the model saw what changed since `aaaaaaaaaaaa`") {
		t.Errorf("the summary does not say the review was incremental:\n%s", f.Summary)
	}

	// A force-push: the head the summary names is gone, so the whole change is reviewed.
	sent = len(model.prompts)
	f.Change.HeadSHA = "cccccccccccc3"
	res = run()
	if res.Since != "" {
		t.Errorf("after a force-push since %q, want a whole review", res.Since)
	}
	shown := false
	for _, p := range model.prompts[sent:] {
		shown = shown || strings.Contains(p.Messages[1].Content, "return load(path)")
	}
	if !shown {
		t.Error("after a force-push the model was not shown the whole change")
	}
}

// TestSummaryNotAllReviewed: a summary whose ledger has files with code of the change the
// review did not see says so in its title, and lists them (a reviewed file with a masked
// line among them); a team-ignored file is listed but not counted.
func TestSummaryNotAllReviewed(t *testing.T) {
	t.Parallel()
	res := &reviewer.Result{
		Coverage: reviewer.Coverage{Files: []reviewer.FileCoverage{
			{Path: "app/a.py", Outcome: reviewer.OutcomeReviewed},
			{Path: "app/run.py", Outcome: reviewer.OutcomeReviewed, Reason: "line 2 (5001 bytes) not shown to the model", Unseen: true},
			{Path: "api/client.go", Outcome: reviewer.OutcomeFiltered, Reason: "generated (// Code generated by protoc-gen-go. DO NOT EDIT.)", Unseen: true},
			{Path: "docs/gen.go", Outcome: reviewer.OutcomeFiltered, Reason: "ignored by docs/**"},
			{Path: "go.sum", Outcome: reviewer.OutcomeFiltered, Reason: "lock file"},
		}},
		LLMEnabled: true,
		Usage:      reviewer.Usage{Requests: 1, PromptTokens: 900, CompletionTokens: 50, Model: "gpt-4o-mini"},
	}
	c := reviewer.Change{Forge: "github", Repo: "o/r", Number: 7, HeadSHA: "0123456789abcdef0123456789abcdef01234567"}
	golden.Check(t, "testdata/golden/summary-not-all-reviewed.md", []byte(reviewer.SummaryBody(c, res, reviewer.Published{}, testKey)))
}

// TestPublishSummaryOnly: a rule marked inline: false is listed in the summary, not posted
// on the line, unless the repository's .reviewer.yaml names it under inline:.
func TestPublishSummaryOnly(t *testing.T) {
	t.Parallel()
	const rule = "---\nid: py-todo\nseverity: info\ninline: false\npattern: 'tidy-me'\nmessage: Tidy it.\n---\n"
	for _, tt := range []struct {
		name     string
		settings string
		posted   int
		summary  bool
	}{
		{"summary only", "", 1, true},
		{"repository asks for it inline", "inline: [py-todo]\n", 2, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &reviewertest.Forge{
				Change: reviewer.Change{BaseSHA: "b0", HeadSHA: "aaaaaaaaaaaa1"},
				Patch:  pyDiff(0, "y = eval(a)", "z = 1  # tidy-me"),
				Files: fstest.MapFS{
					".reviewer/rules/todo.md": {Data: []byte(rule)},
					".reviewer.yaml":          {Data: []byte(tt.settings)},
				},
			}
			res := publishRun(t, f)
			if len(res.Findings) != 2 {
				t.Fatalf("findings %d, want 2 (the summary-only one is still a finding)", len(res.Findings))
			}
			if len(f.Comments) != tt.posted {
				t.Errorf("posted %d comments, want %d", len(f.Comments), tt.posted)
			}
			for _, c := range f.Comments {
				if c.Finding.RuleID == "py-todo" && !strings.Contains(tt.settings, "py-todo") {
					t.Errorf("summary-only finding posted inline: %+v", c.Finding)
				}
			}
			listed := strings.Contains(f.Summary, "Findings not posted inline (1)") &&
				strings.Contains(f.Summary, "`py-todo` (1): app/x.py:2")
			if listed != tt.summary {
				t.Errorf("summary lists the finding: %v, want %v; summary:\n%s", listed, tt.summary, f.Summary)
			}
		})
	}
}
