// Package redirect keeps credentials on the host they were configured for.
//
// Every client that holds a token (the forge adapters, reviewer/github and
// reviewer/gitlab, and the model client, reviewer/llm) sends through an http.Client made
// by Confine. Go's http.Client drops Authorization when a redirect leaves the host, but it
// keeps custom headers (GitLab's PRIVATE-TOKEN, a gateway's own key header), and a
// transport that sets the token on every request (go-github's WithAuthToken, a GitHub App
// installation) sets it again on the redirected one. So a redirect to another scheme, host
// or port is not followed at all: the request fails with ErrOtherHost, naming both hosts.
// Redirects within the host are followed as usual.
package redirect
