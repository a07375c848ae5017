// Package webhook is the HTTP intake of `reviewer serve`: it receives GitHub and GitLab
// webhook deliveries, verifies them, decides whether they ask for a review, and stores a
// [queue.Job] through an [Enqueuer] before it answers. The review itself runs later, in a
// queue worker, through the same pipeline as the CLI and the CI step.
//
// Routes ([Server.ServeHTTP]):
//
//	POST /webhooks/github   GitHub deliveries (X-Hub-Signature-256, HMAC-SHA256 of the body)
//	POST /webhooks/gitlab   GitLab deliveries (X-Gitlab-Token, the shared secret as sent)
//	GET  /healthz           200 while the process serves
//	GET  /readyz            200 when the queue answers Ready, else 503 with the reason
//	GET  /metrics           Prometheus exposition of [Server.Registry]
//
// The contract with the forge: a delivery that asks for a review gets 202 only after
// Enqueue returned, so the job is durably stored; if the queue fails it gets 503 and the
// forge (or a person, from the webhook's delivery log) redelivers it. GitHub never
// redelivers on its own; GitLab counts failures and disables a hook that keeps failing,
// which is why deliveries that ask for nothing still get a 2xx (202 with the reason)
// rather than a 4xx.
//
// Signatures are checked on the raw body before any JSON is parsed, and the body is read
// through http.MaxBytesReader (GitHub caps deliveries at 25 MB). A bad or missing
// signature is 401 with nothing queued; no secret ever reaches a log line, an error or a
// response.
//
// A GitHub body must be read before its signature can be checked, so bodies are read
// within a budget (budget.go): Config.MaxUnverified of them at once, taking turns, every
// buffer charged to Config.BodyBudget bytes before it is allocated and grown only as bytes
// arrive, each body due within Config.BodyTimeout (408). When readers or bytes run short,
// a body that has read for a second and holds the most is cut off (503, Retry-After), so a
// flood of slow bodies gives way to real deliveries, which send theirs at once.
//
// What triggers a review:
//
//   - GitHub pull_request opened, synchronize, reopened, ready_for_review, and edited
//     when it changed the base branch (changes.base); drafts only
//     with Config.ReviewDrafts, bots' pull requests (sender and author of type "Bot" or
//     with a "[bot]" login) only with Config.ReviewBots; a person's pull request a bot
//     pushed to is reviewed.
//   - GitHub issue_comment created on a pull request whose first line is Config.Command,
//     written by OWNER, MEMBER or COLLABORATOR. author_association is the only hint of
//     the commenter's access the payload carries, and not enough: MEMBER includes
//     organization members who may only read this repository. The job names the
//     commenter (Sender, SenderID), and the worker reviews only once GitHub says they
//     have write access (admin, maintain or write).
//   - GitLab merge request open, reopen, and update when it carries new commits
//     (object_attributes.oldrev) or moved from draft to ready (changes.draft, changes
//     work_in_progress, or on older GitLab a title that lost its "Draft:" prefix), or
//     changed its target branch (changes.target_branch).
//   - GitLab note on a merge request whose first line is Config.Command. GitLab sends no
//     role with a note: the job names the commenter, and the worker reviews only once
//     GitLab says they have the Developer role or more in the project.
//
// Replies in review threads are queued as reply jobs (queue.Job.Reply), not reviews
// (reply.go): a GitHub pull_request_review_comment created with in_reply_to_id, and a
// GitLab DiffNote note that is not the command. The delivery cannot say whose thread it
// is; the worker asks the forge. Replies by bots, the bot included, are never queued,
// whatever Config.ReviewBots says.
//
// Events caused by one of Config.BotLogins never trigger, whatever the other settings, so
// the bot cannot loop on its own comments or pushes.
package webhook
