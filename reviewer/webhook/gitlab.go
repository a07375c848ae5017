package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// GitLab delivery headers
// (https://docs.gitlab.com/user/project/integrations/webhooks/#delivery-headers).
const (
	headerGitLabEvent = "X-Gitlab-Event"
	// headerIdempotencyKey (GitLab 17.4+) is unique per delivery and kept when GitLab
	// retries it: the best delivery id.
	headerIdempotencyKey = "Idempotency-Key"
	// headerGitLabWebhookUUID (GitLab 16.2+) is, despite the docs' "unique ID for each
	// webhook", a fresh UUID on every request GitLab sends (SecureRandom.uuid in
	// WebHookService#build_headers).
	headerGitLabWebhookUUID = "X-Gitlab-Webhook-UUID"
	// headerGitLabEventUUID (GitLab 14.8+) is shared by every delivery to one hook that a
	// single GitLab request or job triggers (and by recursive ones), so alone it is not a
	// delivery id: one push can update two merge requests.
	headerGitLabEventUUID = "X-Gitlab-Event-UUID"
)

// gitlabHooks maps the X-Gitlab-Event values whose payloads may ask for a review to their
// metric label. System and service (integration) hooks send merge request events in the
// same shape as project hooks; the payload's object_kind decides.
var gitlabHooks = map[string]string{
	"Merge Request Hook":     "merge_request",
	"Note Hook":              "note",
	"Confidential Note Hook": "note",
	"System Hook":            "system",
	"Service Hook":           "service",
}

// gitlabEvent holds the fields the intake reads from a merge request or note event.
// object_attributes is the merge request in the first, the note in the second.
type gitlabEvent struct {
	ObjectKind string `json:"object_kind"`
	User       struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"user"`
	Project struct {
		ID                int64  `json:"id"`
		PathWithNamespace string `json:"path_with_namespace"`
	} `json:"project"`
	ObjectAttributes struct {
		gitlabMergeRequest
		Action string `json:"action"`
		// Oldrev is the previous head; GitLab sends it only when the update pushed code.
		Oldrev       string `json:"oldrev"`
		Note         string `json:"note"`
		NoteableType string `json:"noteable_type"`
		// ID is the note's id; DiscussionID the thread it is in.
		ID           int64  `json:"id"`
		DiscussionID string `json:"discussion_id"`
		// Type is "DiffNote" for every note of a thread on the diff, as the bot's are.
		Type   string `json:"type"`
		System bool   `json:"system"`
	} `json:"object_attributes"`
	// MergeRequest is the merge request a note is on.
	MergeRequest *gitlabMergeRequest `json:"merge_request"`
	Changes      struct {
		Draft          *gitlabChange[bool]   `json:"draft"`
		WorkInProgress *gitlabChange[bool]   `json:"work_in_progress"`
		Title          *gitlabChange[string] `json:"title"`
		TargetBranch   *gitlabChange[string] `json:"target_branch"`
	} `json:"changes"`
}

type gitlabMergeRequest struct {
	IID             int    `json:"iid"`
	State           string `json:"state"`
	Draft           bool   `json:"draft"`
	WorkInProgress  bool   `json:"work_in_progress"`
	TargetProjectID int64  `json:"target_project_id"`
	AuthorID        int64  `json:"author_id"`
	LastCommit      struct {
		ID string `json:"id"`
	} `json:"last_commit"`
}

// isDraft reads both fields: webhooks sent only work_in_progress until draft joined it
// (gitlab-org/gitlab!126899).
func (mr *gitlabMergeRequest) isDraft() bool { return mr.Draft || mr.WorkInProgress }

type gitlabChange[T any] struct {
	Previous T `json:"previous"`
	Current  T `json:"current"`
}

// readied reports whether a merge request update moved it from draft to ready. Newer
// GitLab says so in changes.draft (gitlab-org/gitlab!126899); older versions only in a
// title that lost its draft prefix ("Draft: x" became "x"), or in changes.work_in_progress.
func (ev *gitlabEvent) readied() bool {
	c := ev.Changes
	switch {
	case c.Draft != nil:
		return c.Draft.Previous && !c.Draft.Current
	case c.WorkInProgress != nil:
		return c.WorkInProgress.Previous && !c.WorkInProgress.Current
	case c.Title != nil:
		return draftTitle(c.Title.Previous) && !draftTitle(c.Title.Current) &&
			!ev.ObjectAttributes.isDraft()
	}
	return false
}

// projectID is the project's id; group-hook payloads of older GitLab lack project.id.
func (ev *gitlabEvent) projectID(mr *gitlabMergeRequest) int64 {
	if ev.Project.ID != 0 {
		return ev.Project.ID
	}
	return mr.TargetProjectID
}

// gitlab handles POST /webhooks/gitlab.
func (s *Server) gitlab(ctx context.Context, w http.ResponseWriter, r *http.Request, d *delivery) (reply, error) {
	hook := headerValue(r.Header, headerGitLabEvent)
	d.event = hook
	if l, ok := gitlabHooks[hook]; ok {
		d.label = l
	}
	d.id = gitlabDeliveryID(r.Header, nil)

	// The token is a header: a delivery without the right one is refused before its body
	// is read.
	switch {
	case s.gitlabToken != nil:
		token, ok := r.Header[headerGitLabToken]
		if !ok {
			return reply{}, unauthorized("missing " + headerGitLabToken + " header")
		}
		if len(token) != 1 || !validGitLabToken(s.gitlabToken, token[0]) {
			return reply{}, unauthorized(headerGitLabToken + " does not match")
		}
	case s.insecure:
		d.unsigned = true
	default:
		return reply{}, notConfigured(forgeGitLab)
	}
	body, release, err := s.read(w, r, d.unsigned)
	if err != nil {
		return reply{}, err
	}
	defer release()
	if d.id == "" {
		d.id = gitlabDeliveryID(r.Header, body)
	}

	if hook == "" {
		return reply{}, badRequest("missing "+headerGitLabEvent+" header", nil)
	}
	if _, ok := gitlabHooks[hook]; !ok {
		return ignore("event %q does not trigger a review", hook), nil
	}
	var ev gitlabEvent
	err = json.Unmarshal(body, &ev)
	// A value of an unexpected type does not stop encoding/json, so the kind is known
	// even then: a system hook event the intake does not read is ignored, not refused.
	var typeErr *json.UnmarshalTypeError
	if err != nil && (!errors.As(err, &typeErr) || ev.ObjectKind == "merge_request" || ev.ObjectKind == "note") {
		return reply{}, badRequest("malformed JSON payload", err)
	}
	d.action = ev.ObjectAttributes.Action
	switch ev.ObjectKind {
	case "merge_request":
		d.label = "merge_request"
		return s.gitlabMergeRequest(ctx, d, &ev)
	case "note":
		d.label = "note"
		return s.gitlabNote(ctx, d, &ev)
	}
	return ignore("object_kind %q does not trigger a review", ev.ObjectKind), nil
}

// gitlabDeliveryID picks the delivery id the queue dedupes on: the Idempotency-Key, else
// the per-request X-Gitlab-Webhook-UUID. GitLab before 16.2 sends only the event UUID,
// which several deliveries can share; with the body's digest appended it tells them apart
// while a resent identical delivery keeps its id. body is nil when not yet read.
func gitlabDeliveryID(h http.Header, body []byte) string {
	if id := headerValue(h, headerIdempotencyKey); id != "" {
		return id
	}
	if id := headerValue(h, headerGitLabWebhookUUID); id != "" {
		return id
	}
	id := headerValue(h, headerGitLabEventUUID)
	if id == "" || body == nil {
		return ""
	}
	sum := sha256.Sum256(body)
	return id + "/" + hex.EncodeToString(sum[:8])
}

// gitlabMergeRequest queues a review when a merge request is opened or reopened, gets new
// commits, is marked ready, or changes its target branch.
func (s *Server) gitlabMergeRequest(ctx context.Context, d *delivery, ev *gitlabEvent) (reply, error) {
	mr := &ev.ObjectAttributes.gitlabMergeRequest
	action := ev.ObjectAttributes.Action
	j := queue.Job{
		Forge:     forgeGitLab,
		Repo:      ev.Project.PathWithNamespace,
		ProjectID: ev.projectID(mr),
		Number:    mr.IID,
		HeadSHA:   mr.LastCommit.ID,
		Event:     "merge_request." + action,
		Sender:    ev.User.Username,
	}
	d.describe(j)
	switch action {
	case "open", "reopen":
	case "update":
		// A new target branch needs a review too: the head's status was set against the
		// old one, which may hold code the new one lacks.
		if ev.ObjectAttributes.Oldrev == "" && !ev.readied() && ev.Changes.TargetBranch == nil {
			return ignore("merge request update has no new commits, did not mark it ready and did not change its target branch"), nil
		}
	default:
		return ignore("merge request action %q does not trigger a review", action), nil
	}
	switch {
	case s.isSelf(ev.User.Username):
		return ignore("caused by the bot itself"), nil
	// A bot's own merge request is skipped, not a person's that a bot pushed to: from a
	// fork, an access token of the fork can push to the source branch.
	case !s.reviewBots && gitlabBot(ev.User.Username) && (mr.AuthorID == 0 || mr.AuthorID == ev.User.ID):
		return ignore("user %s is a bot", ev.User.Username), nil
	case mr.isDraft() && !s.reviewDrafts:
		return ignore("merge request is a draft; it is reviewed when marked ready"), nil
	case mr.State != "" && mr.State != "opened":
		return ignore("merge request is %s", mr.State), nil
	}
	if err := checkJob(j, true); err != nil {
		return reply{}, err
	}
	return s.enqueue(ctx, d, j)
}

// gitlabNote queues a review when someone comments the command on a merge request. A
// command is an explicit request, so it reviews drafts too.
func (s *Server) gitlabNote(ctx context.Context, d *delivery, ev *gitlabEvent) (reply, error) {
	note := &ev.ObjectAttributes
	mr := ev.MergeRequest
	if mr == nil {
		mr = &gitlabMergeRequest{}
	}
	j := queue.Job{
		Forge:     forgeGitLab,
		Repo:      ev.Project.PathWithNamespace,
		ProjectID: ev.projectID(mr),
		Number:    mr.IID,
		HeadSHA:   mr.LastCommit.ID,
		Event:     "note." + s.command,
		Sender:    ev.User.Username,
		// A note carries no role: the worker asks GitLab whether this user may ask.
		SenderID: ev.User.ID,
	}
	d.describe(j)
	switch {
	case note.NoteableType != "MergeRequest":
		return ignore("note is on a %s, not a merge request", note.NoteableType), nil
	// GitLab 16+ says "create" or "update"; older versions send no action on creation.
	case note.Action != "" && note.Action != "create":
		return ignore("note action %q does not trigger a review", note.Action), nil
	case note.System:
		return ignore("system note"), nil
	case s.isSelf(ev.User.Username):
		return ignore("note by the bot itself"), nil
	case !s.reviewBots && gitlabBot(ev.User.Username):
		return ignore("user %s is a bot", ev.User.Username), nil
	case !s.isCommand(note.Note) && note.Type == "DiffNote" && note.DiscussionID != "":
		return s.gitlabReply(ctx, d, ev, j)
	case !s.isCommand(note.Note):
		return ignore("note is not %s", s.command), nil
	case ev.MergeRequest == nil:
		return reply{}, badRequest("note payload has no merge_request", nil)
	case mr.State != "" && mr.State != "opened":
		return ignore("merge request is %s", mr.State), nil
	}
	if err := checkJob(j, true); err != nil {
		return reply{}, err
	}
	return s.enqueue(ctx, d, j)
}
