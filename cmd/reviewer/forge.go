package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
)

// changeRef is a change named by its web URL.
type changeRef struct {
	forge  string // "github" or "gitlab"
	scheme string
	host   string
	repo   string // owner/name, or the GitLab project path
	number int
}

// parseChangeURL reads a pull request URL (https://github.com/OWNER/REPO/pull/12) or a
// merge request URL (https://gitlab.com/GROUP/PROJECT/-/merge_requests/3), on the public
// forges or on self-hosted ones.
func parseChangeURL(s string) (changeRef, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return changeRef{}, fmt.Errorf("--change %q: want the web URL of a pull or merge request", s)
	}
	ref := changeRef{scheme: u.Scheme, host: u.Host}
	path := strings.Trim(u.Path, "/")
	if before, after, ok := strings.Cut(path, "/-/merge_requests/"); ok {
		ref.forge, ref.repo = "gitlab", before
		ref.number, err = strconv.Atoi(strings.SplitN(after, "/", 2)[0])
	} else if parts := strings.Split(path, "/"); len(parts) >= 4 && parts[2] == "pull" {
		ref.forge, ref.repo = "github", parts[0]+"/"+parts[1]
		ref.number, err = strconv.Atoi(parts[3])
	} else {
		return changeRef{}, fmt.Errorf("--change %q: not a GitHub pull request (/OWNER/REPO/pull/N) or GitLab merge request (/PROJECT/-/merge_requests/N) URL", s)
	}
	if err != nil || ref.number <= 0 || ref.repo == "" {
		return changeRef{}, fmt.Errorf("--change %q: no change number in the URL", s)
	}
	return ref, nil
}

// checkChangeHost refuses a change whose URL is not on the host the forge's credentials
// are configured for: github.base_url's (api.github.com by default, whose changes are on
// github.com) or gitlab.base_url's (gitlab.com by default). A --change URL is typed or
// pasted from anywhere, and the token is the operator's: it must not go to whatever host
// the URL names. The check runs before any request is made.
func checkChangeHost(ref changeRef, c *Config) error {
	forge, key, base, suggest := "GitLab", "gitlab.base_url", c.GitLab.BaseURL, ref.scheme+"://"+ref.host
	if base == "" {
		base = gitlab.DefaultBaseURL
	}
	if ref.forge == "github" {
		forge, key, base, suggest = "GitHub", "github.base_url", c.GitHub.BaseURL, ref.scheme+"://"+ref.host+"/api/v3/"
		if base == "" {
			base = "https://api.github.com/"
		}
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return usageError(fmt.Errorf("%s %q: want an absolute http(s) URL", key, base))
	}
	api := hostPort(u.Scheme, u.Host)
	hosts := []string{api}
	if ref.forge == "github" {
		// The web host of an API on a host of its own: github.com for api.github.com,
		// SUBDOMAIN.ghe.com for api.SUBDOMAIN.ghe.com.
		if web, ok := strings.CutPrefix(api, "api."); ok {
			hosts = append(hosts, web)
		}
		if api == "api.github.com" {
			hosts = append(hosts, "www.github.com")
		}
	}
	if slices.Contains(hosts, hostPort(ref.scheme, ref.host)) {
		return nil
	}
	return usageError(fmt.Errorf("--change: %s is not the %s host the token is for (%s), and the token goes nowhere else; "+
		"to review changes there, set %s (%s) to %s", ref.host, forge, hosts[min(1, len(hosts)-1)], key, envName(key), suggest))
}

// hostPort is a URL's host in one comparable form: lower case, without the scheme's
// default port.
func hostPort(scheme, host string) string {
	host = strings.ToLower(host)
	switch {
	case strings.EqualFold(scheme, "https"):
		host = strings.TrimSuffix(host, ":443")
	case strings.EqualFold(scheme, "http"):
		host = strings.TrimSuffix(host, ":80")
	}
	return host
}

// forgeBase is the API root for ref's forge: the configured one; else "" (the adapter's
// default, https://api.github.com/ or https://gitlab.com) for a change on the public
// forge, however its URL spells the host (GitHub.com, gitlab.com:443, http://); else the
// API of ref's own host (a CI job's self-hosted forge). A URL on the public forge never
// makes the token go out over plain http, or to a host spelled otherwise.
func forgeBase(ref changeRef, c *Config) string {
	host := hostPort(ref.scheme, ref.host)
	switch ref.forge {
	case "github":
		if c.GitHub.BaseURL != "" || host == "github.com" || host == "www.github.com" {
			return c.GitHub.BaseURL
		}
		return ref.scheme + "://" + ref.host + "/api/v3/"
	case "gitlab":
		if c.GitLab.BaseURL != "" || host == "gitlab.com" {
			return c.GitLab.BaseURL
		}
		return ref.scheme + "://" + ref.host
	}
	return ""
}

// forgeClient is what the command needs of a forge adapter.
type forgeClient interface {
	reviewer.DiffSource
	reviewer.TreeReader
	reviewer.Poster
}

// newForge returns the adapter for ref, configured from c. The API root comes from the
// configuration, else from ref's host: api.github.com and gitlab.com for the public
// forges, https://HOST/api/v3/ for GitHub Enterprise Server, https://HOST for GitLab. Only
// a CI job's ref, whose host the CI system names, may lead to a host not configured:
// a --change URL passes checkChangeHost first.
func newForge(e env, ref changeRef, c *Config, logger *slog.Logger) (forgeClient, error) {
	switch ref.forge {
	case "github":
		base := forgeBase(ref, c)
		key := []byte(c.GitHub.PrivateKey.reveal())
		if c.GitHub.PrivateKeyFile != "" {
			path := e.abs(c.GitHub.PrivateKeyFile)
			var err error
			if key, err = os.ReadFile(path); err != nil {
				return nil, usageError(fmt.Errorf("github.private_key_file: %w", err))
			}
		}
		if c.GitHub.Token == "" && c.GitHub.AppID == 0 {
			return nil, usageError(errors.New("a GitHub pull request needs github.token (REVIEWER_GITHUB_TOKEN) or github.app_id with github.private_key"))
		}
		gap := c.GitHub.WriteInterval
		if gap == 0 {
			gap = -1 // the configuration's zero is no pacing; the adapter's is its default
		}
		cl, err := github.New(github.Options{BaseURL: base, Token: c.GitHub.Token.reveal(), BotLogin: c.GitHub.BotLogin, AppID: c.GitHub.AppID,
			InstallationID: c.GitHub.InstallationID, PrivateKey: key, Logger: logger, WriteGap: gap, HTTPClient: c.tracedClient(nil)})
		if err != nil {
			return nil, usageError(fmt.Errorf("github: %w", err))
		}
		return cl, nil
	case "gitlab":
		base := forgeBase(ref, c)
		if c.GitLab.Token == "" {
			return nil, usageError(errors.New("a GitLab merge request needs gitlab.token (REVIEWER_GITLAB_TOKEN): a personal, project or group access token with the api scope"))
		}
		cl, err := gitlab.New(gitlab.Options{BaseURL: base, Token: c.GitLab.Token.reveal(), Logger: logger, HTTPClient: c.tracedClient(nil)})
		if err != nil {
			return nil, usageError(fmt.Errorf("gitlab: %w", err))
		}
		return cl, nil
	}
	return nil, usageError(fmt.Errorf("unknown forge %q", ref.forge))
}
