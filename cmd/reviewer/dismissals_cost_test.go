package main

import (
	"context"
	"log/slog"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
)

type memberForge struct {
	reviewer.Poster
	members map[string]bool
}

func (f memberForge) MayRequestReview(_ context.Context, _ reviewer.Change, u reviewer.User) (bool, error) {
	return f.members[u.Login], nil
}

// countingClassifier answers every reply "dismiss" and counts the requests.
type countingClassifier struct{ n int }

func (c *countingClassifier) ClassifyReply(context.Context, string, string) (reviewer.Intent, reviewer.TokenUsage, error) {
	c.n++
	return reviewer.IntentDismiss, reviewer.TokenUsage{PromptTokens: 100}, nil
}

// TestThreadDismissalsOutsiderCostsNothing: `reviewer ci` reads every reply in the bot's
// threads at every run; an outsider's hundred replies the rules can not read must not
// cost a hundred classification requests, nor dismiss anything.
func TestThreadDismissalsOutsiderCostsNothing(t *testing.T) {
	t.Parallel()
	cls := &countingClassifier{}
	s := &threadDismissals{forge: memberForge{members: map[string]bool{"maintainer": true}}, cls: cls,
		log: slog.New(slog.DiscardHandler), model: "m", price: reviewer.Price{Input: 2}}
	outsider := reviewer.User{ID: 9, Login: "stranger"}
	thread := reviewer.PostedComment{ID: "1", Fingerprint: "fp1", Path: "a.go", Line: 1}
	for range 100 {
		thread.Replies = append(thread.Replies, reviewer.ThreadReply{Author: outsider, Body: "hmm, let me think"})
	}
	got, err := s.Dismissed(t.Context(), reviewer.Change{Forge: "github", Repo: "o/r", Number: 1}, []reviewer.PostedComment{thread})
	if err != nil {
		t.Fatal(err)
	}
	if dismissedFP(got, "fp1") || cls.n != 0 {
		t.Errorf("an outsider's replies: dismissed %v after %d classification requests, want neither", dismissedFP(got, "fp1"), cls.n)
	}
	// A maintainer's reply the rules can not read still goes to the model.
	thread.Replies = append(thread.Replies, reviewer.ThreadReply{Author: reviewer.User{ID: 1, Login: "maintainer"}, Body: "hmm, let me think"})
	got, err = s.Dismissed(t.Context(), reviewer.Change{Forge: "github", Repo: "o/r", Number: 1}, []reviewer.PostedComment{thread})
	if err != nil {
		t.Fatal(err)
	}
	if !dismissedFP(got, "fp1") || cls.n != 1 {
		t.Errorf("a maintainer's reply: dismissed %v after %d classification requests, want dismissed after 1", dismissedFP(got, "fp1"), cls.n)
	}
	// What it cost joins the review's usage: one request of 100 prompt tokens at $2 per million.
	if u := s.Spent(); u.Requests != 1 || u.PromptTokens != 100 || u.CostUSD != 0.0002 || u.Model != "m" {
		t.Errorf("spent %+v, want the one classification request, priced", u)
	}
}

// TestServeBotsOwnReplyNotRead: without gitlab.bot_username (the README's advice, not a
// requirement) the intake can not tell the bot's own notes from a person's, so the bot's
// answer in its thread arrives as a reply. An answer the change's author steered to say
// "false positive" must not dismiss the finding with the bot's own Developer rights, nor

// dismissedFP reports whether ds dismiss the finding with fingerprint fp.
func dismissedFP(ds []reviewer.Dismissal, fp string) bool {
	for _, d := range ds {
		if d.Fingerprint == fp {
			return true
		}
	}
	return false
}
