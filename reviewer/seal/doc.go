// Package seal authenticates state that the bot writes where others can write too.
//
// The bot keeps a little state outside its own process: the head commit a summary comment
// names (which the next push's review starts from), and the model answers of a CI cache
// directory (which a CI system restores into a job that runs the change's own code). A
// change's author can write to both places: a comment body can be edited or imitated, a
// cache directory can be filled by an earlier job of the same branch. A seal is an
// HMAC-SHA256 under a key that the author does not have, so state that someone else
// wrote, or edited, does not verify and is ignored.
//
// The key is the operator's secret (security.key), or else derived from the gateway's API
// key, which a change's author never sees either. Without any key, Key is zero: nothing
// verifies, and the callers fall back to what needs no trust (a whole review instead of
// an incremental one, no cache).
package seal
