package github

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ListComments returns the bot's inline comments on the pull request: the review
// comments the bot wrote whose body carries a fingerprint marker and that start a
// thread. A marker in someone else's comment does not count, or a pull request's author
// could plant one to silence a finding.
//
// A comment is Resolved when GitHub marks it outdated: the REST API then returns it
// with position and line null (original_position and original_line keep where it was).
// It is Replied when the thread holds a comment by anyone but the bot (replies point at
// the thread's first comment with in_reply_to_id).
//
// GitHub API docs: https://docs.github.com/rest/pulls/comments#list-review-comments-on-a-pull-request
func (cl *Client) ListComments(ctx context.Context, c reviewer.Change) ([]reviewer.PostedComment, error) {
	owner, name, err := splitRepo(c.Repo)
	if err != nil {
		return nil, err
	}
	bot, err := cl.bot.get(ctx)
	if err != nil {
		return nil, err
	}
	var all []*github.PullRequestComment
	opts := &github.PullRequestListCommentsOptions{ListOptions: github.ListOptions{PerPage: perPage}}
	for {
		page, resp, err := cl.gh.PullRequests.ListComments(ctx, owner, name, c.Number, opts)
		if err != nil {
			return nil, mapError(fmt.Sprintf("list review comments of pull request %d", c.Number), err)
		}
		all = append(all, page...)
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}

	// repliers holds, per thread, the logins of everyone who wrote in it after its start;
	// replies the comments of people.
	repliers := map[int64][]string{}
	replies := map[int64][]reviewer.ThreadReply{}
	for _, cm := range all {
		if cm.InReplyTo != nil {
			u := cm.GetUser()
			repliers[cm.GetInReplyTo()] = append(repliers[cm.GetInReplyTo()], u.GetLogin())
			if !isBot(bot, u.GetLogin()) {
				replies[cm.GetInReplyTo()] = append(replies[cm.GetInReplyTo()], reviewer.ThreadReply{ID: cm.GetID(),
					Author: reviewer.User{ID: u.GetID(), Login: u.GetLogin()}, Body: cm.GetBody(),
					AuthorBot: u.GetType() == "Bot" || strings.HasSuffix(u.GetLogin(), "[bot]")})
			}
		}
	}
	var out []reviewer.PostedComment
	for _, cm := range all {
		fp, ok := reviewer.ParseMarker(cm.GetBody())
		if !ok || cm.InReplyTo != nil || !isBot(bot, cm.GetUser().GetLogin()) {
			continue
		}
		line := cm.GetLine()
		if cm.Line == nil {
			line = cm.GetOriginalLine()
		}
		p := reviewer.PostedComment{
			ID:          strconv.FormatInt(cm.GetID(), 10),
			Fingerprint: fp,
			Path:        cm.GetPath(),
			Line:        line,
			Resolved:    outdated(cm),
			Body:        cm.GetBody(),
			RuleID:      reviewer.ParseCommentRule(cm.GetBody()),
			Replies:     replies[cm.GetID()],
		}
		p.Severity, p.HasSeverity = reviewer.ParseMarkerSeverity(cm.GetBody())
		for _, who := range repliers[cm.GetID()] {
			if !isBot(bot, who) {
				p.Replied = true
				break
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// outdated reports whether GitHub no longer places cm on the current diff. A
// file-level comment has no line at all, so it is never outdated by that test.
func outdated(cm *github.PullRequestComment) bool {
	if cm.GetSubjectType() == "file" {
		return false
	}
	return cm.Position == nil && cm.Line == nil
}
