package webhook

import (
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// GitHub delivery headers
// (https://docs.github.com/webhooks/webhook-events-and-payloads#delivery-headers).
const (
	headerGitHubEvent    = "X-GitHub-Event"
	headerGitHubDelivery = "X-GitHub-Delivery"
)

// labelOther is the metric label of an event the intake does not handle: labels come from
// a fixed set so that headers cannot grow the metric without bound.
const labelOther = "other"

// githubLabels are the GitHub events with a metric label of their own.
var githubLabels = map[string]bool{"ping": true, "pull_request": true, "issue_comment": true,
	"pull_request_review_comment": true}

// githubEvent holds the fields the intake reads from a pull_request or issue_comment
// delivery; encoding/json skips the rest.
type githubEvent struct {
	Action      string `json:"action"`
	PullRequest struct {
		Number int  `json:"number"`
		Draft  bool `json:"draft"`
		Head   struct {
			SHA string `json:"sha"`
		} `json:"head"`
		// User is the pull request's author.
		User githubUser `json:"user"`
	} `json:"pull_request"`
	Issue struct {
		Number int    `json:"number"`
		State  string `json:"state"`
		// PullRequest is present only when the issue is a pull request.
		PullRequest *struct{} `json:"pull_request"`
	} `json:"issue"`
	Comment struct {
		ID int64 `json:"id"`
		// InReplyTo is the first comment of the review thread a reply is in.
		InReplyTo         int64      `json:"in_reply_to_id"`
		Body              string     `json:"body"`
		User              githubUser `json:"user"`
		AuthorAssociation string     `json:"author_association"`
	} `json:"comment"`
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	// Installation is present when the delivery comes from a GitHub App.
	Installation struct {
		ID int64 `json:"id"`
	} `json:"installation"`
	Sender githubUser `json:"sender"`
	// Changes says what an edited pull request changed; Base is set when its base branch
	// did.
	Changes struct {
		Base *struct{} `json:"base"`
	} `json:"changes"`
}

type githubUser struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Type  string `json:"type"`
}

// github handles POST /webhooks/github.
func (s *Server) github(ctx context.Context, w http.ResponseWriter, r *http.Request, d *delivery) (reply, error) {
	d.id = headerValue(r.Header, headerGitHubDelivery)
	event := headerValue(r.Header, headerGitHubEvent)
	d.event = event
	if githubLabels[event] {
		d.label = event
	}

	var sig []byte
	switch {
	case s.githubKey != nil:
		var err error
		if sig, err = parseGitHubSignature(r.Header.Get(headerGitHubSignature)); err != nil {
			return reply{}, err
		}
	case s.insecure:
		d.unsigned = true
	default:
		return reply{}, notConfigured(forgeGitHub)
	}
	body, release, err := s.readBody(w, r)
	if err != nil {
		return reply{}, err
	}
	defer release()
	if s.githubKey != nil && !validGitHubSignature(s.githubKey, body, sig) {
		return reply{}, unauthorized(headerGitHubSignature + " does not match the body")
	}

	switch event {
	case "":
		return reply{}, badRequest("missing "+headerGitHubEvent+" header", nil)
	case "ping":
		// GitHub sends ping when the webhook is created; its answer shows in the settings.
		return reply{status: http.StatusOK, outcome: outcomeIgnored, body: answer{Reason: "pong"}}, nil
	case "pull_request", "issue_comment", "pull_request_review_comment":
	default:
		return ignore("event %q does not trigger a review", event), nil
	}

	payload, err := githubPayload(r.Header.Get("Content-Type"), body)
	if err != nil {
		return reply{}, err
	}
	var ev githubEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return reply{}, badRequest("malformed JSON payload", err)
	}
	d.action = ev.Action
	switch event {
	case "pull_request":
		return s.githubPullRequest(ctx, d, &ev)
	case "pull_request_review_comment":
		return s.githubReply(ctx, d, &ev)
	}
	return s.githubComment(ctx, d, &ev)
}

// githubPayload returns the JSON of a delivery. A webhook may be set to send it as
// application/x-www-form-urlencoded, in a "payload" field; the signature covers the form.
func githubPayload(contentType string, body []byte) ([]byte, error) {
	if mt, _, _ := mime.ParseMediaType(contentType); mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badRequest("malformed form body", err)
	}
	p := form.Get("payload")
	if p == "" {
		return nil, badRequest("form body has no payload field", nil)
	}
	return []byte(p), nil
}

// githubPullRequest queues a review when a pull request is opened, pushed to, reopened,
// marked ready for review, or retargeted to another base branch: the head's status was
// set against the old base, which may hold code the new one lacks.
func (s *Server) githubPullRequest(ctx context.Context, d *delivery, ev *githubEvent) (reply, error) {
	pr := ev.PullRequest
	j := queue.Job{
		Forge:          forgeGitHub,
		Repo:           ev.Repository.FullName,
		InstallationID: ev.Installation.ID,
		Number:         pr.Number,
		HeadSHA:        pr.Head.SHA,
		Event:          "pull_request." + ev.Action,
		Sender:         ev.Sender.Login,
	}
	d.describe(j)
	switch {
	case ev.Action == "opened", ev.Action == "synchronize", ev.Action == "reopened", ev.Action == "ready_for_review":
	case ev.Action == "edited" && ev.Changes.Base != nil:
	default:
		return ignore("pull_request action %q does not trigger a review", ev.Action), nil
	}
	switch {
	case s.isSelf(ev.Sender.Login):
		return ignore("sent by the bot itself"), nil
	// A bot's own pull request is skipped, not a person's that a bot pushed to: from a
	// fork, the author's workflow can push to the branch as github-actions[bot].
	case !s.reviewBots && githubBot(ev.Sender) && (pr.User.Login == "" || githubBot(pr.User)):
		return ignore("sender %s is a bot", ev.Sender.Login), nil
	case pr.Draft && !s.reviewDrafts:
		return ignore("pull request is a draft; it is reviewed when marked ready"), nil
	}
	if err := checkJob(j, true); err != nil {
		return reply{}, err
	}
	return s.enqueue(ctx, d, j)
}

// githubComment queues a review when someone who may have write access comments the
// command on a pull request. author_association only rules out those who certainly lack
// it: MEMBER includes read-only organization members, so the job names the commenter
// and the worker asks GitHub for their permission before it reviews. The payload has no
// head commit: the worker reviews the head it finds.
func (s *Server) githubComment(ctx context.Context, d *delivery, ev *githubEvent) (reply, error) {
	c := ev.Comment
	j := queue.Job{
		Forge:          forgeGitHub,
		Repo:           ev.Repository.FullName,
		InstallationID: ev.Installation.ID,
		Number:         ev.Issue.Number,
		Event:          "issue_comment." + s.command,
		Sender:         c.User.Login,
		SenderID:       c.User.ID,
	}
	d.describe(j)
	switch {
	case ev.Action != "created":
		return ignore("issue_comment action %q does not trigger a review", ev.Action), nil
	case ev.Issue.PullRequest == nil:
		return ignore("comment is on an issue, not a pull request"), nil
	case s.isSelf(c.User.Login) || s.isSelf(ev.Sender.Login):
		return ignore("comment by the bot itself"), nil
	case !s.reviewBots && (githubBot(c.User) || githubBot(ev.Sender)):
		return ignore("commenter %s is a bot", c.User.Login), nil
	case !s.isCommand(c.Body):
		return ignore("comment is not %s", s.command), nil
	case !writeAssociations[c.AuthorAssociation]:
		return ignore("commenter's author_association %q is not OWNER, MEMBER or COLLABORATOR", c.AuthorAssociation), nil
	case ev.Issue.State == "closed":
		return ignore("pull request is closed"), nil
	}
	if err := checkJob(j, false); err != nil {
		return reply{}, err
	}
	return s.enqueue(ctx, d, j)
}
