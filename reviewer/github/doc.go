// Package github is the GitHub adapter of the review pipeline: it reads a pull request
// (metadata, diff, files at a revision), diffs two of its heads for an incremental review,
// lists the bot's review comments, posts findings as one review per 30 comments, keeps one
// summary comment and sets the commit status. It also tells whether a pull request comes
// from a fork or a newcomer, and whether a user may ask for a review (write access).
//
// It is the only package that imports google/go-github and golang-jwt/jwt (which signs
// the GitHub App's JWTs); their types never leave it. Errors are mapped onto the core's sentinels
// (reviewer.ErrNotFound, reviewer.ErrForbidden, reviewer.ErrRateLimited, and
// reviewer.ErrTooLarge for a comparison GitHub will not diff).
//
// The bot's comments are those its own login wrote, whatever markers other comments
// hold: the login is asked once per Client, at GET /user with a token, or with App auth
// at GET /app (with the App's JWT) as the App's bot user "<slug>[bot]".
//
// Every request goes through two round trippers under go-github: one that honours
// GitHub's primary and secondary rate limits (Retry-After, x-ratelimit-remaining and
// x-ratelimit-reset on 403 and 429) with capped backoff, and one that counts requests
// for the report (Client.APICalls).
package github
