// Package git is the local-repository adapter: it asks the git command for the diff of a
// change, for merge bases and the default branch, and for the files of a revision as an
// fs.FS, so that rules are read from the change's base and never from its head.
//
// It runs git with flags that pin the diff format (prefixes, quoting, rename detection,
// no colour, no external diff drivers), so a user's git configuration can not change what
// the diff parser sees.
package git
