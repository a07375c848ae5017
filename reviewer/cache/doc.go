// Package cache holds the model stage's response cache on disk. The pipeline's model
// client (reviewer/llm) asks it before sending a chunk to the gateway, so a re-run on
// unchanged chunks costs nothing.
//
// Dir is meant for CI: point cache.dir at a path the CI system keeps between jobs
// (GitLab's cache:, GitHub's actions/cache). Such a path is writable by whoever controls
// a job, a change's author included, so every entry is sealed under a key the author does
// not have (package seal) and an entry that does not verify is a miss. The service keeps
// replies in its database instead (reviewer/queue), behind the same two-method interface
// (llm.Cache), unsealed: only the operator and the service write that database.
package cache
