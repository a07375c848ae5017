package github_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/forgecontract"
)

// TestContract runs the forge contract against the adapter over the fake GitHub.
func TestContract(t *testing.T) {
	t.Parallel()
	const bot = "reviewer-bot[bot]"
	forgecontract.Run(t, forgecontract.Harness{
		Start: func(t *testing.T, rev fakeforge.Rev) (forgecontract.Adapter, reviewer.Change, forgecontract.Fake) {
			f := fakegithub.New(t, fakegithub.Options{Token: testToken, Bot: bot})
			f.Push(rev)
			c, err := github.New(github.Options{BaseURL: f.BaseURL(), Token: testToken, HTTPClient: f.Client(),
				Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			return c, reviewer.Change{Forge: "github", Repo: f.Repo(), Number: f.Number()}, contractFake{f, bot}
		},
	})
}

// contractFake is the contract's view of the fake GitHub.
type contractFake struct {
	*fakegithub.Server
	bot string
}

func (f contractFake) Comments() []forgecontract.Comment {
	var out []forgecontract.Comment
	for _, c := range f.Snapshot().Comments {
		side, line := "new", c.Line
		if c.Side == "LEFT" {
			side = "old"
		}
		if c.Outdated {
			line = c.OriginalLine
		}
		out = append(out, forgecontract.Comment{Path: c.Path, Line: line, Side: side, Body: c.Body, Bot: c.User == f.bot, Resolved: c.Outdated})
	}
	return out
}

func (f contractFake) Summaries() []string {
	var out []string
	for _, c := range f.Snapshot().IssueComments {
		if reviewer.IsSummary(c.Body) {
			out = append(out, c.Body)
		}
	}
	return out
}

func (f contractFake) Statuses() []forgecontract.Status {
	var out []forgecontract.Status
	for _, s := range f.Snapshot().Statuses {
		out = append(out, forgecontract.Status{SHA: s.SHA, State: s.State})
	}
	return out
}

func (f contractFake) AddComment(path string, line int, body string) {
	f.Server.AddComment("octocat", path, "RIGHT", line, body)
}

func (f contractFake) RejectLine(path string, line int) { f.Reject(path, line) }

func (f contractFake) RateLimitNext() {
	f.FailNext("get pull request", fakegithub.Failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}})
}

func (f contractFake) ChangeReads() int {
	n := 0
	for _, r := range f.Log().All() {
		if strings.HasSuffix(r.Path, "/pulls/7") && r.Method == http.MethodGet && !strings.Contains(r.Header.Get("Accept"), "diff") {
			n++
		}
	}
	return n
}

func (f contractFake) MoveHeadOnRead(n int, rev fakeforge.Rev) {
	f.OnPullGet(func(k int) {
		if k == n {
			f.Push(rev)
		}
	})
}
