package learn_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/learn"
	"github.com/reviewerbot/reviewer/rules"
)

// forgeFake is what the end-to-end tests need of a stateful forge fake, on either forge.
type forgeFake interface {
	// setRule puts a rules file on the default branch's head.
	setRule(path, content string)
	// branchFile is a file at the head of a branch.
	branchFile(branch, path string) (string, bool)
	// proposals are the pull or merge requests opened, as (id, title, body, edits, state).
	proposals() []fakeProposal
	// writes are the requests that changed anything.
	writes() []string
}

type fakeProposal struct {
	ID, Title, Body, State, Head, Target string
	Pushes                               int
}

var forgeFakes = map[string]func(t *testing.T) (forgeFake, reviewer.ProposalWriter){"github": startGitHub, "gitlab": startGitLab}

const sqlRule = ".reviewer/rules/sql.md"

// evidence are dismissals of team-sql-concat by members, for learning.
func evidence(forge string, rows ...[3]string) []learn.Dismissal {
	ds := dismissals("team-sql-concat", rows...)
	for i := range ds {
		ds[i].Forge = forge
		ds[i].Repo = repoOf[forge]
		ds[i].At = time.Now().Add(-time.Duration(len(rows)-i) * time.Hour)
	}
	return ds
}

var repoOf = map[string]string{"github": "acme/client", "gitlab": "acme/client"}

func TestRunOnForges(t *testing.T) {
	t.Parallel()
	rule, err := os.ReadFile("testdata/repo" + "/" + sqlRule)
	if err != nil {
		t.Fatal(err)
	}
	three := [][3]string{{"ann", "internal/db/users_test.go", "false positive: ids are ints"},
		{"bob", "internal/api/orders_test.go", "Intended, it's a fixture."}, {"cy", "cmd/tool/main_test.go", "false positive"}}
	hostile := [3]string{"dan", "internal/db/query.go",
		"false positive <img src=x onerror=alert(1)> @everyone [click](javascript:alert(1)) | x | ![t](https://evil.example/p.png)\n/approve"}
	for forge, start := range forgeFakes {
		t.Run(forge, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			link := learn.GitHubThread("https://github.com")
			if forge == "gitlab" {
				link = learn.GitLabThread("https://gitlab.example.com")
			}
			cfg := learn.Config{Thresholds: learn.DefaultThresholds, Link: link}

			t.Run("thresholds not met", func(t *testing.T) {
				fake, w := start(t)
				fake.setRule(sqlRule, string(rule))
				res, err := learn.Run(ctx, w, forge, repoOf[forge], evidence(forge, three[:2]...), cfg)
				if err != nil || len(res.Proposals) != 0 || len(fake.writes()) != 0 {
					t.Errorf("two dismissals: %d proposals, writes %q, err %v", len(res.Proposals), fake.writes(), err)
				}
			})

			t.Run("dry run", func(t *testing.T) {
				fake, w := start(t)
				fake.setRule(sqlRule, string(rule))
				dry := cfg
				dry.DryRun = true
				res, err := learn.Run(ctx, w, forge, repoOf[forge], evidence(forge, three...), dry)
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, "testdata/e2e/dry-run.diff", []byte(res.Patch))
				if len(fake.writes()) != 0 || len(fake.proposals()) != 0 {
					t.Errorf("dry run wrote %q", fake.writes())
				}
			})

			t.Run("built-in rule", func(t *testing.T) {
				fake, w := start(t)
				ds := evidence(forge, [3]string{"ann", "tools/gen/a.go", "false positive"}, [3]string{"bob", "tools/gen/b.go", "intended"},
					[3]string{"cy", "tools/gen/sub/c.go", "false positive"})
				for i := range ds {
					ds[i].RuleID = "go-ignored-error"
				}
				if _, err := learn.Run(ctx, w, forge, repoOf[forge], ds, cfg); err != nil {
					t.Fatal(err)
				}
				got, ok := fake.branchFile(learn.Branch, ".reviewer/rules/go-ignored-error.md")
				r, err := rules.Parse("go-ignored-error.md", []byte(got))
				if !ok || err != nil || r.ID != "go-ignored-error" || !slices.Contains(r.Exclude, "tools/gen/**") {
					t.Errorf("override of the built-in rule on %s (%v, %v):\n%s", learn.Branch, ok, err, got)
				}
				if len(fake.proposals()) != 1 {
					t.Errorf("%d proposals, want 1", len(fake.proposals()))
				}
			})

			t.Run("opened then updated", func(t *testing.T) {
				fake, w := start(t)
				fake.setRule(sqlRule, string(rule))
				res, err := learn.Run(ctx, w, forge, repoOf[forge], evidence(forge, three...), cfg)
				if err != nil {
					t.Fatal(err)
				}
				ps := fake.proposals()
				if len(ps) != 1 || res.State != reviewer.ProposalOpened || res.URL == "" {
					t.Fatalf("after three dismissals: %d proposals (%+v), state %s, url %q", len(ps), ps, res.State, res.URL)
				}
				if ps[0].Head != learn.Branch || ps[0].Title != learn.Title {
					t.Errorf("proposal from %q titled %q", ps[0].Head, ps[0].Title)
				}
				got, ok := fake.branchFile(learn.Branch, sqlRule)
				want, err := os.ReadFile("testdata/e2e/sql-exclude.md")
				if err != nil {
					t.Fatal(err)
				}
				if !ok || got != string(want) {
					t.Errorf("%s on %s:\n%s\nwant testdata/e2e/sql-exclude.md:\n%s", sqlRule, learn.Branch, got, want)
				}
				for _, s := range []string{"`ann`", "`bob`", "`cy`", "ids are ints", "**/*_test.go"} {
					if !strings.Contains(ps[0].Body, s) {
						t.Errorf("description does not say %q:\n%s", s, ps[0].Body)
					}
				}

				// Run again with nothing new: nothing is written.
				before := len(fake.writes())
				if res, err := learn.Run(ctx, w, forge, repoOf[forge], evidence(forge, three...), cfg); err != nil || res.State != reviewer.ProposalUnchanged {
					t.Fatalf("a run with no new evidence: %s, %v", res.State, err)
				}
				if after := fake.writes(); len(after) != before {
					t.Errorf("a run with no new evidence wrote %q", after[before:])
				}

				// A fourth dismissal elsewhere: the findings are spread, the same request
				// gets the new edit and the new evidence.
				res, err = learn.Run(ctx, w, forge, repoOf[forge], evidence(forge, append(three, hostile)...), cfg)
				if err != nil {
					t.Fatal(err)
				}
				ps2 := fake.proposals()
				if len(ps2) != 1 || ps2[0].ID != ps[0].ID || res.State != reviewer.ProposalUpdated || ps2[0].State != "opened" && ps2[0].State != "open" {
					t.Fatalf("after a fourth dismissal: %+v, %s", ps2, res.State)
				}
				got, _ = fake.branchFile(learn.Branch, sqlRule)
				want, err = os.ReadFile("testdata/e2e/sql-example.md")
				if err != nil {
					t.Fatal(err)
				}
				if got != string(want) {
					t.Errorf("%s on %s after the update:\n%s\nwant testdata/e2e/sql-example.md:\n%s", sqlRule, learn.Branch, got, want)
				}
				body := ps2[0].Body
				if body == ps[0].Body || !strings.Contains(body, "`dan`") {
					t.Errorf("description not updated with the fourth dismissal:\n%s", body)
				}
				for _, bad := range []string{"<img", "@everyone", "[click](", "![t](", "\n/approve"} {
					if strings.Contains(body, bad) {
						t.Errorf("hostile words reached the description as %q:\n%s", bad, body)
					}
				}
				if ps2[0].Pushes < 2 {
					t.Errorf("the branch was pushed %d times, want the update as a push", ps2[0].Pushes)
				}
			})
		})
	}
}
