// Package gitlab is the GitLab forge adapter: it reads a merge request (metadata, the SHAs of
// its latest diff version, the diff, files at its base), lists the bot's threads, posts a
// review as draft notes published in one go, keeps one summary note, sets a commit status and
// resolves threads whose finding is gone.
//
// It sits at both ends of the pipeline in package reviewer: [Client] is the
// [reviewer.ChangeReader], [reviewer.DiffSource], [reviewer.TreeReader] and [reviewer.Comparer]
// (the diff since the head a previous review covered) the pipeline starts from, and the [reviewer.Poster], [reviewer.Summarizer] and [reviewer.StatusSetter] it
// publishes through. It is the only package that imports gitlab.com/gitlab-org/api/client-go;
// none of that library's types leave it.
//
// Positions. GitLab anchors a diff note with the SHAs of one diff version and with the line's
// number on each side it exists on: new_line only for an added line, old_line only for a
// removed one, both for a context line. Findings carry one side only, so the adapter keeps the
// parsed diff of each change it served through [Client.Diff] and looks the other number up
// there (re-reading the diff when Post is called on a change it has not served). The SHAs come
// from the latest version read by [Client.ReadChange] (re-read when Post sees none, or a
// different head). Multi-line findings become a line_range whose ends carry GitLab line codes,
// sha1(path)_old_new, the numbers being GitLab's running old/new counters at that line.
//
// Retries. client-go's own retries are always off: this package retries 429 (honouring
// Retry-After and RateLimit-Reset) and, for reads and idempotent writes, 5xx, with a capped
// backoff through the injectable Options.Sleep, so that tests never wait.
package gitlab
