package gitlab

import (
	"context"
	"fmt"
	"regexp"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// ListComments lists the bot's inline threads on the change: the discussions whose first note
// the bot wrote with a fingerprint marker. A thread is Replied when anyone else wrote in it.
//
// GitLab API: https://docs.gitlab.com/api/discussions/#list-project-merge-request-discussion-items
func (c *Client) ListComments(ctx context.Context, ch reviewer.Change) ([]reviewer.PostedComment, error) {
	if err := checkChange(ch); err != nil {
		return nil, err
	}
	bot, err := c.botID(ctx)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	var out []reviewer.PostedComment
	opt := &gl.ListMergeRequestDiscussionsOptions{ListOptions: gl.ListOptions{PerPage: perPage}}
	err = c.pages(ctx, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		page, r, err := c.api.Discussions.ListMergeRequestDiscussions(ch.Repo, int64(ch.Number), opt, o...)
		for _, d := range page {
			if pc, ok := posted(d, bot); ok {
				out = append(out, pc)
			}
		}
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list merge request discussions: %w", err)
	}
	return out, nil
}

// posted reads a discussion as one of the bot's inline comments.
func posted(d *gl.Discussion, bot int64) (reviewer.PostedComment, bool) {
	if len(d.Notes) == 0 || d.Notes[0] == nil {
		return reviewer.PostedComment{}, false
	}
	first := d.Notes[0]
	if first.Author.ID != bot || first.System {
		return reviewer.PostedComment{}, false
	}
	fp, ok := reviewer.ParseMarker(first.Body)
	if !ok {
		return reviewer.PostedComment{}, false
	}
	pc := reviewer.PostedComment{ID: d.ID, Fingerprint: fp, Resolved: first.Resolved, Body: first.Body,
		RuleID: reviewer.ParseCommentRule(first.Body)}
	pc.Severity, pc.HasSeverity = reviewer.ParseMarkerSeverity(first.Body)
	if p := first.Position; p != nil {
		pc.Path = p.NewPath
		if pc.Path == "" {
			pc.Path = p.OldPath
		}
		pc.Line = int(p.NewLine)
		if pc.Line == 0 {
			pc.Line = int(p.OldLine)
		}
		// A range is anchored on its last line; the comment is about its first.
		if lr := p.LineRange; lr != nil && lr.StartRange != nil {
			if n := lr.StartRange.NewLine; n > 0 {
				pc.Line = int(n)
			} else if n := lr.StartRange.OldLine; n > 0 {
				pc.Line = int(n)
			}
		}
	}
	for _, n := range d.Notes[1:] {
		if n != nil && !n.System && n.Author.ID != bot {
			pc.Replied = true
			pc.Replies = append(pc.Replies, reviewer.ThreadReply{ID: n.ID,
				Author: reviewer.User{ID: n.Author.ID, Login: n.Author.Username}, Body: n.Body,
				AuthorBot: tokenBot.MatchString(n.Author.Username)})
		}
	}
	return pc, true
}

// Resolve resolves the bot's thread p. It never deletes a thread.
//
// GitLab API: https://docs.gitlab.com/api/discussions/#resolve-a-merge-request-thread
func (c *Client) Resolve(ctx context.Context, ch reviewer.Change, p reviewer.PostedComment) error {
	if err := checkChange(ch); err != nil {
		return err
	}
	opt := &gl.ResolveMergeRequestDiscussionOptions{Resolved: gl.Ptr(true)}
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
		_, r, err := c.api.Discussions.ResolveMergeRequestDiscussion(ch.Repo, int64(ch.Number), p.ID, opt, o...)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("resolve discussion %s: %w", p.ID, err)
	}
	return nil
}

// tokenBot matches the users GitLab creates for project and group access tokens
// (project_<id>_bot, project_<id>_bot<n>, project_<id>_bot_<hex>): the notes carry no
// user type, so the username is all there is to tell a bot by.
var tokenBot = regexp.MustCompile(`^(project|group)_[0-9]+_bot([0-9]*|_[0-9a-f]+)$`)
