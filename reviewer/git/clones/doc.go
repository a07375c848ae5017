// Package clones keeps a bounded cache of partial clones for reviewer serve, so that the
// pipeline reads the files of a change's revisions from local git objects instead of
// asking the forge's API once per file.
//
// Each repository (forge host and project) has one bare, blobless repository
// (--filter=blob:none) under the cache's directory. A review fetches exactly the
// commits it needs (the change's base and head), then the blobs of the files it reads,
// in one request each. The forge token travels as an HTTP header in git's environment:
// never in a URL, an argument, the repository's config or an error message.
//
// git runs hardened against a hostile repository and a hostile operator environment:
// no system or global configuration, no hooks, no checkout, no submodules, only the
// http(s) transport, objects checked as they arrive, no automatic gc, no prompts, and
// every command bounded by its context and its output by a size.
//
// When the cache exceeds its size, the least recently used repositories that no review
// holds are deleted. A repository half made by a process killed mid-clone is never
// taken for a whole one: it is made in a temporary directory and renamed into place.
package clones
