package main

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/git/clones"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// tokenClient is a forge client as far as cloneRemote looks: it tells its token.
type tokenClient struct {
	forgeClient
	token string
}

func (c tokenClient) GitToken(context.Context) (string, error) { return c.token, nil }

func basic(userToken string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(userToken))
}

func TestCloneRemote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		cfg  Config
		job  queue.Job
		want clones.Remote
	}{
		{"github.com", Config{}, queue.Job{Forge: "github", Repo: "acme/app", Number: 7},
			clones.Remote{Key: "github.com/acme/app", URL: "https://github.com/acme/app.git", Header: basic("x-access-token:gh-tok"),
				Refs: []string{"refs/pull/7/head", "HEAD"}}},
		{"GHE.com", Config{GitHub: GitHubConfig{BaseURL: "https://api.acme.ghe.com/"}}, queue.Job{Forge: "github", Repo: "acme/app", Number: 7},
			clones.Remote{Key: "acme.ghe.com/acme/app", URL: "https://acme.ghe.com/acme/app.git", Header: basic("x-access-token:gh-tok"),
				Refs: []string{"refs/pull/7/head", "HEAD"}}},
		{"GitHub Enterprise Server", Config{GitHub: GitHubConfig{BaseURL: "https://git.example.com/api/v3/"}}, queue.Job{Forge: "github", Repo: "acme/app", Number: 7},
			clones.Remote{Key: "git.example.com/acme/app", URL: "https://git.example.com/acme/app.git", Header: basic("x-access-token:gh-tok"),
				Refs: []string{"refs/pull/7/head", "HEAD"}}},
		{"gitlab.com", Config{GitLab: GitLabConfig{Token: "gl-tok"}}, queue.Job{Forge: "gitlab", Repo: "group/sub/app", Number: 3},
			clones.Remote{Key: "gitlab.com/group/sub/app", URL: "https://gitlab.com/group/sub/app.git", Header: basic("oauth2:gl-tok"),
				Refs: []string{"refs/merge-requests/3/head", "HEAD"}}},
		{"self-hosted GitLab under a path", Config{GitLab: GitLabConfig{Token: "gl-tok", BaseURL: "https://example.com/gitlab/api/v4/"}},
			queue.Job{Forge: "gitlab", Repo: "group/app", Number: 3},
			clones.Remote{Key: "example.com/gitlab/group/app", URL: "https://example.com/gitlab/group/app.git", Header: basic("oauth2:gl-tok"),
				Refs: []string{"refs/merge-requests/3/head", "HEAD"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := cloneRemote(t.Context(), &tc.cfg, tokenClient{token: "gh-tok"}, tc.job)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("cloneRemote (-want +got):\n%s", diff)
			}
			if strings.Contains(got.URL, "tok") {
				t.Errorf("the URL %q holds the token", got.URL)
			}
		})
	}
}
