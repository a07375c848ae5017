package gitlab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
)

// HookEvents are the webhook events reviewer serve handles (reviewer/webhook): merge
// request events start a review; note events, confidential ones included, carry /review
// and the replies to the bot's threads. Every other event a hook can send is turned off
// (push events are on by default on GitLab).
var HookEvents = []string{"merge_requests_events", "note_events", "confidential_note_events"}

// HookSpec is the webhook reviewer setup gitlab registers.
type HookSpec struct {
	// Project ("group/name" or an id) or Group names where the hook is; one of the two.
	Project, Group string
	// URL is where GitLab delivers (reviewer serve's /webhooks/gitlab).
	URL string
	// Secret is the token GitLab sends in X-Gitlab-Token.
	Secret string
	// Rotate sets Secret, and the events, on a hook that already delivers to URL;
	// without it such a hook is left as it is.
	Rotate bool
}

// HookResult says what EnsureHook found or did.
type HookResult struct {
	ID int64
	// Created, Updated: the hook was added, or its secret and events set (Rotate).
	Created, Updated bool
	// Differs lists the settings of a hook left as it is that are not what serve needs.
	Differs []string
}

// hook is what EnsureHook reads of a project or group hook.
type hook struct {
	id                                   int64
	url                                  string
	push, mergeRequests, note, confNote  bool
	issues, pipeline, job, tagPush, wiki bool
	ssl                                  bool
}

func (h hook) differs() []string {
	var out []string
	for _, c := range []struct {
		name      string
		got, want bool
	}{
		{"merge_requests_events", h.mergeRequests, true}, {"note_events", h.note, true},
		{"confidential_note_events", h.confNote, true}, {"enable_ssl_verification", h.ssl, true},
		{"push_events", h.push, false}, {"issues_events", h.issues, false}, {"pipeline_events", h.pipeline, false},
		{"job_events", h.job, false}, {"tag_push_events", h.tagPush, false}, {"wiki_page_events", h.wiki, false},
	} {
		if c.got != c.want {
			out = append(out, fmt.Sprintf("%s is %t", c.name, c.got))
		}
	}
	return out
}

// EnsureHook makes sure a webhook of spec's project or group delivers to spec.URL: it
// adds one, or finds the one there and, with spec.Rotate, sets its secret and events.
// A 403 means the token lacks the role hooks need (Maintainer on a project, Owner on a
// group).
//
// GitLab API docs: https://docs.gitlab.com/api/project_webhooks/ and
// https://docs.gitlab.com/api/group_webhooks/
func (c *Client) EnsureHook(ctx context.Context, spec HookSpec) (HookResult, error) {
	if (spec.Project == "") == (spec.Group == "") {
		return HookResult{}, errors.New("gitlab hook: name a project or a group")
	}
	if spec.URL == "" || spec.Secret == "" {
		return HookResult{}, errors.New("gitlab hook: the url and the secret are required")
	}
	where, role := "project "+spec.Project, "Maintainer"
	if spec.Group != "" {
		where, role = "group "+spec.Group, "Owner"
	}
	forbidden := func(op string, err error) error {
		if errors.Is(err, reviewer.ErrForbidden) {
			return fmt.Errorf("%s hooks of %s: %w (the token needs the %s role there, and the api scope)", op, where, err, role)
		}
		if errors.Is(err, reviewer.ErrNotFound) {
			return fmt.Errorf("%s hooks of %s: %w (no such %s, or the token can not see it)", op, where, err, where[:strings.IndexByte(where, ' ')])
		}
		return fmt.Errorf("%s hooks of %s: %w", op, where, err)
	}
	hooks, err := c.listHooks(ctx, spec)
	if err != nil {
		return HookResult{}, forbidden("list", err)
	}
	i := slices.IndexFunc(hooks, func(h hook) bool { return h.url == spec.URL })
	if i < 0 {
		id, err := c.addHook(ctx, spec)
		if err != nil {
			return HookResult{}, forbidden("add to", err)
		}
		return HookResult{ID: id, Created: true}, nil
	}
	h := hooks[i]
	if !spec.Rotate {
		return HookResult{ID: h.id, Differs: h.differs()}, nil
	}
	if err := c.editHook(ctx, spec, h.id); err != nil {
		return HookResult{}, forbidden("edit", err)
	}
	return HookResult{ID: h.id, Updated: true}, nil
}

func (c *Client) listHooks(ctx context.Context, spec HookSpec) ([]hook, error) {
	var out []hook
	page := int64(1)
	for page != 0 {
		var next int64
		err := c.call(ctx, true, func(opts ...gl.RequestOptionFunc) (*gl.Response, error) {
			lo := gl.ListOptions{Page: page, PerPage: 100}
			if spec.Group != "" {
				hs, resp, err := c.api.Groups.ListGroupHooks(spec.Group, &gl.ListGroupHooksOptions{ListOptions: lo}, opts...)
				for _, h := range hs {
					out = append(out, hook{id: h.ID, url: h.URL, push: h.PushEvents, mergeRequests: h.MergeRequestsEvents, note: h.NoteEvents,
						confNote: h.ConfidentialNoteEvents, issues: h.IssuesEvents, pipeline: h.PipelineEvents, job: h.JobEvents,
						tagPush: h.TagPushEvents, wiki: h.WikiPageEvents, ssl: h.EnableSSLVerification})
				}
				if resp != nil {
					next = resp.NextPage
				}
				return resp, err
			}
			hs, resp, err := c.api.Projects.ListProjectHooks(spec.Project, &gl.ListProjectHooksOptions{ListOptions: lo}, opts...)
			for _, h := range hs {
				out = append(out, hook{id: h.ID, url: h.URL, push: h.PushEvents, mergeRequests: h.MergeRequestsEvents, note: h.NoteEvents,
					confNote: h.ConfidentialNoteEvents, issues: h.IssuesEvents, pipeline: h.PipelineEvents, job: h.JobEvents,
					tagPush: h.TagPushEvents, wiki: h.WikiPageEvents, ssl: h.EnableSSLVerification})
			}
			if resp != nil {
				next = resp.NextPage
			}
			return resp, err
		})
		if err != nil {
			return nil, err
		}
		page = next
	}
	return out, nil
}

// The settings every hook of the bot is given.
var (
	on, off  = gl.Ptr(true), gl.Ptr(false)
	hookName = gl.Ptr("reviewer")
	hookDesc = gl.Ptr("reviewer serve: AI code review of merge requests")
)

func (c *Client) addHook(ctx context.Context, spec HookSpec) (int64, error) {
	var id int64
	// Not idempotent: a retried POST could add the hook twice.
	err := c.call(ctx, false, func(opts ...gl.RequestOptionFunc) (*gl.Response, error) {
		if spec.Group != "" {
			h, resp, err := c.api.Groups.AddGroupHook(spec.Group, &gl.AddGroupHookOptions{
				URL: &spec.URL, Token: &spec.Secret, Name: hookName, Description: hookDesc, EnableSSLVerification: on,
				MergeRequestsEvents: on, NoteEvents: on, ConfidentialNoteEvents: on,
				PushEvents: off, TagPushEvents: off, IssuesEvents: off, ConfidentialIssuesEvents: off,
				PipelineEvents: off, JobEvents: off, WikiPageEvents: off, DeploymentEvents: off, ReleasesEvents: off,
			}, opts...)
			if h != nil {
				id = h.ID
			}
			return resp, err
		}
		h, resp, err := c.api.Projects.AddProjectHook(spec.Project, &gl.AddProjectHookOptions{
			URL: &spec.URL, Token: &spec.Secret, Name: hookName, Description: hookDesc, EnableSSLVerification: on,
			MergeRequestsEvents: on, NoteEvents: on, ConfidentialNoteEvents: on,
			PushEvents: off, TagPushEvents: off, IssuesEvents: off, ConfidentialIssuesEvents: off,
			PipelineEvents: off, JobEvents: off, WikiPageEvents: off, DeploymentEvents: off, ReleasesEvents: off,
		}, opts...)
		if h != nil {
			id = h.ID
		}
		return resp, err
	})
	return id, err
}

func (c *Client) editHook(ctx context.Context, spec HookSpec, id int64) error {
	// A PUT of the same settings is safe to repeat.
	return c.call(ctx, true, func(opts ...gl.RequestOptionFunc) (*gl.Response, error) {
		if spec.Group != "" {
			_, resp, err := c.api.Groups.EditGroupHook(spec.Group, id, &gl.EditGroupHookOptions{
				URL: &spec.URL, Token: &spec.Secret, EnableSSLVerification: on,
				MergeRequestsEvents: on, NoteEvents: on, ConfidentialNoteEvents: on,
				PushEvents: off, TagPushEvents: off, IssuesEvents: off, ConfidentialIssuesEvents: off,
				PipelineEvents: off, JobEvents: off, WikiPageEvents: off, DeploymentEvents: off, ReleasesEvents: off,
			}, opts...)
			return resp, err
		}
		_, resp, err := c.api.Projects.EditProjectHook(spec.Project, id, &gl.EditProjectHookOptions{
			URL: &spec.URL, Token: &spec.Secret, EnableSSLVerification: on,
			MergeRequestsEvents: on, NoteEvents: on, ConfidentialNoteEvents: on,
			PushEvents: off, TagPushEvents: off, IssuesEvents: off, ConfidentialIssuesEvents: off,
			PipelineEvents: off, JobEvents: off, WikiPageEvents: off, DeploymentEvents: off, ReleasesEvents: off,
		}, opts...)
		return resp, err
	})
}
