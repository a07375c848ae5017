package learn_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

const ghBase = "1111111111111111111111111111111111111111"

type ghFake struct{ *fakegithub.Server }

func startGitHub(t *testing.T) (forgeFake, reviewer.ProposalWriter) {
	f := fakegithub.New(t, fakegithub.Options{Repo: "acme/client", Token: "tok"})
	f.Push(fakegithub.Rev{Base: ghBase, Head: "2222222222222222222222222222222222222222",
		Diff: "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-a\n+b\n"})
	cl, err := github.New(github.Options{BaseURL: f.BaseURL(), Token: "tok", MaxRetries: -1, WriteGap: -1})
	if err != nil {
		t.Fatal(err)
	}
	return ghFake{f}, cl
}

func (f ghFake) setRule(path, content string) { f.SetFile(ghBase, path, content) }

func (f ghFake) branchFile(branch, path string) (string, bool) {
	sha, ok := f.Ref(branch)
	if !ok {
		return "", false
	}
	return f.FileAt(sha, path)
}

func (f ghFake) proposals() []fakeProposal {
	var out []fakeProposal
	for _, p := range f.Proposals() {
		out = append(out, fakeProposal{ID: strconv.Itoa(p.Number), Title: p.Title, Body: p.Body, State: p.State,
			Head: p.Head, Target: p.Base, Pushes: len(p.HeadSHAs)})
	}
	return out
}

func (f ghFake) writes() []string {
	var out []string
	for _, c := range f.Calls() {
		if !strings.HasPrefix(c, "GET ") {
			out = append(out, c)
		}
	}
	return out
}
