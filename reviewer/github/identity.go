package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-github/v62/github"
)

// identity finds out, once per Client, which login the client posts as: only comments
// by that login are the bot's. A marker alone proves nothing, since anyone can type one.
//
// With a token, GitHub names the token's user at GET /user. An App's installation token
// cannot call GET /user, so with App auth the client asks GET /app, with the App's JWT,
// for the App's slug: GitHub writes an App installation's comments as the App's bot user,
// whose login is the slug followed by "[bot]" (dependabot[bot], github-actions[bot]; the
// convention GitHub's own actions/create-github-app-token documents for an app's bot
// user). GET /app costs one request with a fresh JWT and needs no permission.
type identity struct {
	// lookup asks GitHub for the login; it is called until it succeeds.
	lookup func(ctx context.Context) (string, error)
	// sem holds at most one lookup at a time, so that concurrent first callers make one
	// request between them; unlike a mutex it lets a waiting caller give up on ctx.
	sem   chan struct{}
	login string // guarded by sem
}

func newIdentity(lookup func(ctx context.Context) (string, error)) *identity {
	return &identity{lookup: lookup, sem: make(chan struct{}, 1)}
}

// get returns the bot's login, asking GitHub the first time only. A failure is not
// remembered: the next call asks again.
func (id *identity) get(ctx context.Context) (string, error) {
	select {
	case id.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-id.sem }()
	if id.login != "" {
		return id.login, nil
	}
	login, err := id.lookup(ctx)
	if err != nil {
		return "", err
	}
	id.login = login
	return login, nil
}

// userLogin reads the login of the token's user.
//
// GitHub API docs: https://docs.github.com/rest/users/users#get-the-authenticated-user
func userLogin(gh *github.Client) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		u, _, err := gh.Users.Get(ctx, "")
		if err != nil {
			err = mapError("identify the bot: read the authenticated user", err)
			if status := statusOf(err); status == http.StatusForbidden {
				// GitHub answers 403 "Resource not accessible by integration" to an
				// installation token (GITHUB_TOKEN in Actions among them).
				return "", fmt.Errorf("%w (an installation token cannot read GET /user: authenticate as the GitHub App with its app id, installation id and private key instead)", err)
			}
			return "", err
		}
		if u.GetLogin() == "" {
			return "", errors.New("identify the bot: GitHub named no login for the authenticated user")
		}
		return u.GetLogin(), nil
	}
}

// appLogin reads the App's slug with the App's JWT and returns its bot user's login.
//
// GitHub API docs: https://docs.github.com/rest/apps/apps#get-the-authenticated-app
func appLogin(gh *github.Client) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		app, _, err := gh.Apps.Get(ctx, "")
		if err != nil {
			return "", mapError("identify the bot: read the authenticated app", err)
		}
		slug := app.GetSlug()
		if slug == "" || strings.ContainsAny(slug, "[]/ ") {
			return "", fmt.Errorf("identify the bot: GitHub named the app %q, not a slug", slug)
		}
		return slug + "[bot]", nil
	}
}

// isBot reports whether login is the bot's. GitHub logins are case-insensitive.
func isBot(bot, login string) bool { return strings.EqualFold(bot, login) }
