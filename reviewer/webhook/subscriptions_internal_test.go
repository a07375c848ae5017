package webhook

import (
	"slices"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
)

// TestSubscriptions: every event the intake acts on is one reviewer setup subscribes the
// GitHub App (github.Events) or the GitLab hook (gitlab.HookEvents) to, so that an event
// the intake learns is not left undelivered by a setup made later.
func TestSubscriptions(t *testing.T) {
	t.Parallel()
	for ev := range githubLabels {
		if ev != "ping" && !slices.Contains(github.Events, ev) { // GitHub sends ping to every hook
			t.Errorf("the intake acts on GitHub's %s, which the App's manifest does not subscribe to (github.Events)", ev)
		}
	}
	// The hook setting that makes GitLab send each X-Gitlab-Event of a project or group
	// hook (https://docs.gitlab.com/user/project/integrations/webhook_events/).
	setting := map[string]string{
		"Merge Request Hook":     "merge_requests_events",
		"Note Hook":              "note_events",
		"Confidential Note Hook": "confidential_note_events",
	}
	for hook := range gitlabHooks {
		if hook == "System Hook" || hook == "Service Hook" {
			continue // an instance's or an integration's, not a project or group hook
		}
		s, ok := setting[hook]
		if !ok {
			t.Errorf("the intake acts on GitLab's %s: name its hook setting here and in gitlab.HookEvents", hook)
			continue
		}
		if !slices.Contains(gitlab.HookEvents, s) {
			t.Errorf("the intake acts on GitLab's %s, which the hook reviewer setup gitlab adds does not send (%s)", hook, s)
		}
	}
}
