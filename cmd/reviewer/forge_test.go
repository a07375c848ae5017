package main

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseChangeURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url  string
		want changeRef
		err  string
	}{
		{url: "https://github.com/octo/hello/pull/12", want: changeRef{forge: "github", scheme: "https", host: "github.com", repo: "octo/hello", number: 12}},
		{url: "https://github.com/octo/hello/pull/12/files#diff-1", want: changeRef{forge: "github", scheme: "https", host: "github.com", repo: "octo/hello", number: 12}},
		{url: "https://ghe.example.com/team/app/pull/3", want: changeRef{forge: "github", scheme: "https", host: "ghe.example.com", repo: "team/app", number: 3}},
		{url: "https://gitlab.com/group/sub/project/-/merge_requests/7", want: changeRef{forge: "gitlab", scheme: "https", host: "gitlab.com", repo: "group/sub/project", number: 7}},
		{url: "http://gitlab.internal:8080/g/p/-/merge_requests/9/diffs", want: changeRef{forge: "gitlab", scheme: "http", host: "gitlab.internal:8080", repo: "g/p", number: 9}},
		{url: "https://github.com/octo/hello/issues/12", err: "not a GitHub pull request"},
		{url: "https://github.com/octo/hello/pull/x", err: "no change number"},
		{url: "octo/hello#12", err: "want the web URL"},
	}
	for _, tt := range tests {
		got, err := parseChangeURL(tt.url)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseChangeURL(%q) error %v, want %q", tt.url, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseChangeURL(%q): %v", tt.url, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(changeRef{})); diff != "" {
			t.Errorf("parseChangeURL(%q) (-want +got):\n%s", tt.url, diff)
		}
	}
}

func TestReviewChangeNeedsToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for url, want := range map[string]string{
		"https://github.com/o/r/pull/1":             "github.token",
		"https://gitlab.com/g/p/-/merge_requests/1": "gitlab.token",
	} {
		r := runCmd(t, dir, nil, "review", "--change", url)
		if r.code != exitUsage || !strings.Contains(r.stderr, want) {
			t.Errorf("%s without a token: exit %d, stderr %q; want 2 naming %s", url, r.code, r.stderr, want)
		}
	}
	r := runCmd(t, dir, nil, "review", "--post", "--diff", demoDiff(t))
	if r.code != exitUsage || !strings.Contains(r.stderr, "--change") {
		t.Errorf("--post without --change: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestCheckChangeHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		url          string
		github       string // github.base_url
		gitlab       string // gitlab.base_url
		wantErr      string // "" for allowed
		wantSuggests string
	}{
		{name: "github.com by default", url: "https://github.com/o/r/pull/1"},
		{name: "www.github.com by default", url: "https://www.github.com/o/r/pull/1"},
		{name: "GitHub host in capitals", url: "https://GitHub.com:443/o/r/pull/1"},
		{name: "gitlab.com by default", url: "https://gitlab.com/g/p/-/merge_requests/1"},
		{name: "configured GHES", url: "https://ghe.example.com/o/r/pull/1", github: "https://ghe.example.com/api/v3/"},
		{name: "GHE.com data residency", url: "https://acme.ghe.com/o/r/pull/1", github: "https://api.acme.ghe.com/"},
		{name: "configured GitLab with a port", url: "http://gitlab.internal:8080/g/p/-/merge_requests/9", gitlab: "http://gitlab.internal:8080"},
		{
			name: "another host than github.com", url: "https://evil.example/o/r/pull/1",
			wantErr: "evil.example is not the GitHub host the token is for (github.com)", wantSuggests: "github.base_url (REVIEWER_GITHUB_BASE_URL) to https://evil.example/api/v3/",
		},
		{
			name: "another host than gitlab.com", url: "https://evil.example/g/p/-/merge_requests/1",
			wantErr: "evil.example is not the GitLab host the token is for (gitlab.com)", wantSuggests: "gitlab.base_url (REVIEWER_GITLAB_BASE_URL) to https://evil.example",
		},
		{name: "another host than the configured GHES", url: "https://github.com/o/r/pull/1", github: "https://ghe.example.com/api/v3/", wantErr: "(ghe.example.com)"},
		{name: "a look-alike subdomain", url: "https://api.github.com.evil.example/o/r/pull/1", wantErr: "not the GitHub host"},
		{name: "another port", url: "https://gitlab.internal:8443/g/p/-/merge_requests/9", gitlab: "https://gitlab.internal", wantErr: "gitlab.internal:8443 is not"},
		{name: "GitLab URL on the GitHub API host", url: "https://api.github.com/g/p/-/merge_requests/1", wantErr: "not the GitLab host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ref, err := parseChangeURL(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			c := &Config{GitHub: GitHubConfig{BaseURL: tt.github}, GitLab: GitLabConfig{BaseURL: tt.gitlab}}
			err = checkChangeHost(ref, c)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("checkChangeHost: %v, want allowed", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), tt.wantSuggests)):
				t.Errorf("checkChangeHost: %v, want an error with %q and %q", err, tt.wantErr, tt.wantSuggests)
			}
		})
	}
}

// TestReviewChangeOtherHost replays the attack on --change: a URL on any host made the
// command derive that host's API from it and send the configured token there. Now the
// run stops with a usage error naming the host and the key to set, and the host gets no
// request at all.
func TestReviewChangeOtherHost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		forge, path, token, key string
	}{
		{"github", "/o/r/pull/1", "REVIEWER_GITHUB_TOKEN", "github.base_url"},
		{"gitlab", "/g/p/-/merge_requests/1", "REVIEWER_GITLAB_TOKEN", "gitlab.base_url"},
	} {
		t.Run(tt.forge, func(t *testing.T) {
			t.Parallel()
			var reached, leaked atomic.Int32
			other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reached.Add(1)
				for _, v := range r.Header {
					if slices.Contains(v, "token-for-the-real-forge") || slices.Contains(v, "Bearer token-for-the-real-forge") {
						leaked.Add(1)
					}
				}
				http.NotFound(w, r)
			}))
			defer other.Close()
			r := runCmd(t, t.TempDir(), []string{tt.token + "=token-for-the-real-forge"}, "review", "--change", other.URL+tt.path)
			if n := reached.Load(); n != 0 {
				t.Errorf("the other host got %d requests, %d with the token", n, leaked.Load())
			}
			host := strings.TrimPrefix(other.URL, "http://")
			if r.code != exitUsage || !strings.Contains(r.stderr, host) || !strings.Contains(r.stderr, tt.key) {
				t.Errorf("exit %d, stderr %q: want a usage error naming %s and %s", r.code, r.stderr, host, tt.key)
			}
		})
	}
}

// TestForgeBase replays a --change URL that spells the public forge's host otherwise:
// http://GitHub.com/o/r/pull/1 passed the host check (the host is github.com, compared
// without its scheme or case), and the API root was then derived from the URL as written,
// http://GitHub.com/api/v3/, so the token went out in clear text over plain http. The
// public forges' own API roots are used however the URL spells them.
func TestForgeBase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, github, gitlab, want string
	}{
		{url: "http://GitHub.com/o/r/pull/1", want: ""},
		{url: "https://GitHub.com:443/o/r/pull/1", want: ""},
		{url: "http://www.github.com/o/r/pull/1", want: ""},
		{url: "http://gitlab.com/g/p/-/merge_requests/1", want: ""},
		{url: "http://gitlab.com:80/g/p/-/merge_requests/1", want: ""},
		{url: "https://GitLab.com:443/g/p/-/merge_requests/1", want: ""},
		{url: "http://github.com/o/r/pull/1", github: "https://api.github.com/", want: "https://api.github.com/"},
		// A CI job's self-hosted forge, named by the CI system.
		{url: "https://ghe.example.com/o/r/pull/1", want: "https://ghe.example.com/api/v3/"},
		{url: "https://gitlab.example.com/g/p/-/merge_requests/1", want: "https://gitlab.example.com"},
	}
	for _, tt := range tests {
		ref, err := parseChangeURL(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		c := &Config{GitHub: GitHubConfig{BaseURL: tt.github}, GitLab: GitLabConfig{BaseURL: tt.gitlab}}
		if err := checkChangeHost(ref, c); err != nil && tt.want == "" {
			t.Errorf("checkChangeHost(%s): %v", tt.url, err)
		}
		if got := forgeBase(ref, c); got != tt.want {
			t.Errorf("forgeBase(%s) = %q, want %q", tt.url, got, tt.want)
		}
	}
}
