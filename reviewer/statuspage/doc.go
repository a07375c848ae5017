// Package statuspage is reviewer serve's status page: a small read-only web UI, under
// /ui/, over the review history and the queue (package queue). It shows the recent
// reviews with their outcome and cost, one change's reviews over time, the failures
// with their reasons, what each repository cost per day, and the queue's depth.
//
// It is server-rendered with html/template (contextual escaping) and one embedded
// style sheet: no script runs on its pages, and its Content-Security-Policy forbids any.
// Every string that came from a forge (repository names, heads) or a failure is
// hostile: besides the template's escaping, Options.Text strips what could make it read
// other than it is (control and bidirectional characters).
//
// Access needs credentials: a bearer token (or the cookie its login form sets) or basic
// auth against bcrypt hashes. Without either configured the page is off and answers
// 403. It only reads: every method but GET and HEAD is refused, bar the login form's
// POST.
package statuspage
