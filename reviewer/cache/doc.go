// Package cache holds the model stage's response cache on disk. The pipeline's model
// client (reviewer/llm) asks it before sending a chunk to the gateway, so a re-run on
// unchanged chunks costs nothing.
//
// Dir is meant for CI: point cache.dir at a path the CI system keeps between jobs
// (GitLab's cache:, GitHub's actions/cache). The service will keep replies in its
// database behind the same two-method interface (llm.Cache).
package cache
