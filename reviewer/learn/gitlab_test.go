package learn_test

import (
	"strconv"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

const glBase = "3333333333333333333333333333333333333333"

type glFake struct{ *fakegitlab.Server }

func startGitLab(t *testing.T) (forgeFake, reviewer.ProposalWriter) {
	f := fakegitlab.New(t, fakegitlab.Options{Project: "acme/client", IID: 3, Token: "tok"})
	f.Push(fakegitlab.Rev{Base: glBase, Start: glBase, Head: "4444444444444444444444444444444444444444",
		Diff: "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-a\n+b\n"})
	cl, err := gitlab.New(gitlab.Options{BaseURL: f.URL(), Token: "tok", HTTPClient: f.Client(), MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return glFake{f}, cl
}

func (f glFake) setRule(path, content string) { f.SetFile(glBase, path, content) }

func (f glFake) branchFile(branch, path string) (string, bool) {
	sha, ok := f.Ref(branch)
	if !ok {
		return "", false
	}
	return f.FileAt(sha, path)
}

func (f glFake) proposals() []fakeProposal {
	var out []fakeProposal
	for _, p := range f.Proposals() {
		out = append(out, fakeProposal{ID: strconv.Itoa(p.IID), Title: p.Title, Body: p.Description, State: p.State,
			Head: p.Source, Target: p.Target, Pushes: len(p.HeadSHAs)})
	}
	return out
}

func (f glFake) writes() []string {
	var out []string
	for _, r := range f.Log().All() {
		if r.Method != "GET" {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}
