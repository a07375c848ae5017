package gitlab_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/forgecontract"
)

// TestContract runs the forge contract against the adapter over the fake GitLab.
func TestContract(t *testing.T) {
	t.Parallel()
	forgecontract.Run(t, forgecontract.Harness{
		Start: func(t *testing.T, rev fakeforge.Rev) (forgecontract.Adapter, reviewer.Change, forgecontract.Fake) {
			f := fakegitlab.New(t, fakegitlab.Options{Token: token, BotID: botID})
			f.EditMR(func(mr map[string]any) { mr["state"], mr["draft"], mr["work_in_progress"] = "opened", false, false })
			f.Push(rev)
			c, err := gitlab.New(gitlab.Options{BaseURL: f.URL(), Token: token, HTTPClient: f.Client(), MaxRetries: 2,
				Sleep: func(context.Context, time.Duration) error { return nil }})
			if err != nil {
				t.Fatal(err)
			}
			return c, reviewer.Change{Forge: "gitlab", Repo: f.Project(), Number: f.IID()}, contractFake{f}
		},
	})
}

// contractFake is the contract's view of the fake GitLab.
type contractFake struct{ *fakegitlab.Server }

func (f contractFake) Comments() []forgecontract.Comment {
	var out []forgecontract.Comment
	for _, d := range f.Snapshot().Discussions {
		n := d.Notes[0]
		if n.Type != "DiffNote" {
			continue
		}
		path, _ := n.Position["new_path"].(string)
		side, line := "new", 0
		if v, ok := n.Position["new_line"].(float64); ok {
			line = int(v)
		} else if v, ok := n.Position["old_line"].(float64); ok {
			side, line = "old", int(v)
		}
		out = append(out, forgecontract.Comment{Path: path, Line: line, Side: side, Body: n.Body, Bot: n.Author == botID, Resolved: n.Resolved})
	}
	return out
}

func (f contractFake) Summaries() []string {
	var out []string
	for _, d := range f.Snapshot().Discussions {
		if n := d.Notes[0]; reviewer.IsSummary(n.Body) {
			out = append(out, n.Body)
		}
	}
	return out
}

func (f contractFake) Statuses() []forgecontract.Status {
	var out []forgecontract.Status
	for _, s := range f.Snapshot().Statuses {
		if !s.Refused {
			out = append(out, forgecontract.Status{SHA: s.SHA, State: s.State})
		}
	}
	return out
}

func (f contractFake) AddComment(path string, line int, body string) {
	f.AddDiffNote(fakegitlab.HumanID, path, line, body)
}

func (f contractFake) RateLimitNext() {
	f.FailNext("get merge request", fakegitlab.Failure{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}},
		Body: `{"message":"429 Too Many Requests"}`})
}

func (f contractFake) ChangeReads() int { return len(f.Calls("get merge request")) }

func (f contractFake) MoveHeadOnRead(n int, rev fakeforge.Rev) {
	f.OnMRGet(func(k int) {
		if k == n {
			f.Push(rev)
		}
	})
}
