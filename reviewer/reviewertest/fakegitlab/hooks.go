package fakegitlab

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// hookEvents are the event switches of a project webhook, from GitLab's "Add a webhook to
// a project" (https://docs.gitlab.com/api/project_webhooks/#add-a-webhook-to-a-project).
var hookEvents = []string{
	"push_events", "issues_events", "confidential_issues_events", "merge_requests_events", "tag_push_events",
	"note_events", "confidential_note_events", "job_events", "pipeline_events", "wiki_page_events",
	"deployment_events", "releases_events", "feature_flag_events", "emoji_events", "resource_access_token_events",
	"vulnerability_events",
}

var (
	// projectHookFields are the documented body fields of adding or editing a project
	// webhook; groupHookFields add a group's own events
	// (https://docs.gitlab.com/api/group_webhooks/#add-a-group-hook).
	projectHookFields = append([]string{"url", "name", "description", "token", "push_events_branch_filter",
		"branch_filter_strategy", "enable_ssl_verification", "custom_webhook_template", "custom_headers"}, hookEvents...)
	groupHookFields = append(slices.Clone(projectHookFields), "subgroup_events", "member_events", "project_events", "milestone_events")
)

// Hook is a project's or group's webhook as GitLab keeps it.
type Hook struct {
	ID int
	// Group is the group's path for a group hook, "" for one of the project.
	Group string
	URL   string
	// Token is the secret token; GitLab never shows it in its answers.
	Token  string
	SSL    bool
	Events map[string]bool
}

// Hooks returns copies of the webhooks the fake holds, oldest first.
func (f *Server) Hooks() []Hook {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Hook, 0, len(f.hooks))
	for _, h := range f.hooks {
		c := *h
		c.Events = map[string]bool{}
		for k, v := range h.Events {
			c.Events[k] = v
		}
		out = append(out, c)
	}
	return out
}

// group is the group a hook request names (m[1] of a group path), "" for the project.
func hookGroup(req Request, m []string) string {
	if len(m) < 2 || req.Endpoint == "" || !slices.Contains([]string{"list group hooks", "add group hook", "edit group hook"}, req.Endpoint) {
		return ""
	}
	g, err := url.PathUnescape(m[1])
	if err != nil {
		return m[1]
	}
	return g
}

// hookJSON is GitLab's answer for h: its example webhook (client-go's projects test) with
// the fields that carry state replaced. The token is never part of it.
func (f *Server) hookJSON(h *Hook) map[string]any {
	var list []map[string]any
	f.fixture("hooks.list.json", &list)
	out := list[0]
	delete(out, "project_id")
	if h.Group == "" {
		out["project_id"] = 1
	} else {
		out["group_id"] = 1
	}
	out["id"], out["url"], out["enable_ssl_verification"] = h.ID, h.URL, h.SSL
	out["name"], out["description"] = "", ""
	out["push_events_branch_filter"], out["custom_webhook_template"], out["custom_headers"] = "", "", []any{}
	for _, e := range hookEvents {
		out[e] = h.Events[e]
	}
	return out
}

func (f *Server) listHooks(w http.ResponseWriter, r *http.Request, req Request, m []string) {
	group := hookGroup(req, m)
	f.mu.Lock()
	var items []any
	for _, h := range f.hooks {
		if h.Group == group {
			items = append(items, f.hookJSON(h))
		}
	}
	f.mu.Unlock()
	writeList(w, r, items)
}

// setHook applies the fields of a request to h. A new hook's events are GitLab's
// defaults: push events on, the others off, SSL verification on.
func setHook(h *Hook, body map[string]any) {
	if u, ok := body["url"].(string); ok {
		h.URL = u
	}
	if t, ok := body["token"].(string); ok {
		h.Token = t
	}
	if b, ok := body["enable_ssl_verification"].(bool); ok {
		h.SSL = b
	}
	for _, e := range hookEvents {
		if b, ok := body[e].(bool); ok {
			h.Events[e] = b
		}
	}
}

func (f *Server) addHook(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	h := &Hook{ID: f.nextID, Group: hookGroup(req, m), SSL: true, Events: map[string]bool{"push_events": true}}
	setHook(h, req.Body)
	f.hooks = append(f.hooks, h)
	fakeforge.WriteJSON(w, http.StatusCreated, f.hookJSON(h))
}

func (f *Server) editHook(w http.ResponseWriter, _ *http.Request, req Request, m []string) {
	group := hookGroup(req, m)
	id, _ := strconv.Atoi(m[len(m)-1])
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.hooks, func(h *Hook) bool { return h.ID == id && h.Group == group })
	if i < 0 {
		WriteError(w, http.StatusNotFound, "404 Not found")
		return
	}
	setHook(f.hooks[i], req.Body)
	fakeforge.WriteJSON(w, http.StatusOK, f.hookJSON(f.hooks[i]))
}
