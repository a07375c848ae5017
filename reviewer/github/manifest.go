package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/redirect"
)

// Permissions are the repository permissions the GitHub App of reviewer serve needs, and
// no more: each is there for the API calls named beside it. The setup test checks them
// against the requests a review sends to the fake GitHub, so a new API call without its
// permission fails there. metadata is granted to every App; it is listed because the
// collaborator-permission read of the /review check needs nothing else.
//
// GitHub API docs: https://docs.github.com/rest/authentication/permissions-required-for-github-apps
var Permissions = map[string]string{
	// Read a pull request and its diff and files, list its review comments (change.go,
	// diff.go, comments.go); post reviews (post.go) and the summary comment through the
	// issues endpoints, which on a pull request take pull_requests write (summary.go).
	"pull_requests": "write",
	// Read files and trees at a revision, compare two commits (tree.go, compare.go), and
	// clone with the installation token (gittoken.go).
	"contents": "read",
	// Set the commit status (status.go).
	"statuses": "write",
	// The issue_comment event (a /review command) is only sent to an App with at least
	// read access to issues; nothing is written through it.
	"issues": "read",
	// Repository metadata, and who may ask for a review (access.go: GET
	// /repos/{owner}/{repo}/collaborators/{username}/permission).
	"metadata": "read",
}

// Events are the webhook events reviewer serve handles (reviewer/webhook): pull_request
// starts a review, issue_comment carries /review, and pull_request_review_comment carries
// the replies to the bot's review threads.
var Events = []string{"pull_request", "issue_comment", "pull_request_review_comment"}

// Manifest is a GitHub App manifest: what GitHub's "register a GitHub App" page is filled
// in with when the manifest is posted to it.
//
// GitHub docs: https://docs.github.com/apps/sharing-github-apps/registering-a-github-app-from-a-manifest
type Manifest struct {
	Name string `json:"name,omitempty"`
	// URL is the App's homepage.
	URL            string         `json:"url"`
	HookAttributes HookAttributes `json:"hook_attributes"`
	// RedirectURL is where GitHub sends the browser, with ?code=...&state=..., once the
	// App is registered.
	RedirectURL        string            `json:"redirect_url"`
	Description        string            `json:"description,omitempty"`
	Public             bool              `json:"public"`
	DefaultPermissions map[string]string `json:"default_permissions"`
	DefaultEvents      []string          `json:"default_events"`
}

// HookAttributes are the App's webhook. A manifest can not carry the webhook's secret:
// GitHub makes one and returns it with the App's key (CompleteManifest).
type HookAttributes struct {
	URL    string `json:"url"`
	Active bool   `json:"active"`
}

// NewManifest returns the manifest of a private App named name, whose webhook delivers to
// hookURL and whose registration returns the browser to redirectURL.
func NewManifest(name, homepage, hookURL, redirectURL string) Manifest {
	perms := make(map[string]string, len(Permissions))
	for k, v := range Permissions {
		perms[k] = v
	}
	return Manifest{
		Name:               name,
		URL:                homepage,
		HookAttributes:     HookAttributes{URL: hookURL, Active: true},
		RedirectURL:        redirectURL,
		Description:        "AI code review of pull requests against the team's rules (reviewer serve)",
		DefaultPermissions: perms,
		DefaultEvents:      append([]string(nil), Events...),
	}
}

// App is what GitHub returns for a registered App: the credentials reviewer serve needs.
type App struct {
	ID            int64
	Slug, HTMLURL string
	Owner         string
	// PEM is the App's private key; WebhookSecret signs its deliveries.
	PEM           string
	WebhookSecret string
}

// CompleteManifest trades the code GitHub's redirect carries for the new App's id, key and
// webhook secret. The code is the credential: the request carries no token. base is the
// REST API root ("" for api.github.com).
//
// GitHub API docs: https://docs.github.com/rest/apps/apps#create-a-github-app-from-a-manifest
func CompleteManifest(ctx context.Context, base string, hc *http.Client, code string) (App, error) {
	if code == "" || strings.ContainsAny(code, "/?#") {
		return App{}, fmt.Errorf("github: app manifest code %q is not a code GitHub gives", code)
	}
	u, err := baseURL(base)
	if err != nil {
		return App{}, err
	}
	gh := newGitHub(redirect.Confine(hc), u)
	cfg, _, err := gh.Apps.CompleteAppManifest(ctx, code)
	if err != nil {
		return App{}, mapError("complete app manifest", err)
	}
	app := App{ID: cfg.GetID(), Slug: cfg.GetSlug(), HTMLURL: cfg.GetHTMLURL(), Owner: cfg.GetOwner().GetLogin(),
		PEM: cfg.GetPEM(), WebhookSecret: cfg.GetWebhookSecret()}
	switch {
	case app.ID == 0:
		return App{}, errors.New("github: the app manifest conversion returned no app id")
	case app.PEM == "":
		return App{}, errors.New("github: the app manifest conversion returned no private key")
	case app.WebhookSecret == "":
		return App{}, errors.New("github: the app manifest conversion returned no webhook secret")
	}
	return app, nil
}
