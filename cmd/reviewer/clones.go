package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
	"github.com/reviewerbot/reviewer/reviewer/github"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// openClones opens reviewer serve's cache of partial clones (server.clones.*), or
// returns nil, having said why, when files are to be read through the forge's API.
func openClones(ctx context.Context, e env, c *Config, logger *slog.Logger) *clones.Cache {
	if c.Server.Clones.MaxMiB == 0 {
		logger.InfoContext(ctx, "server.clones.max_mib is 0: files are read through the forge's API")
		return nil
	}
	dir := c.Server.Clones.Dir
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "reviewer-clones-"+strconv.Itoa(os.Getuid()))
	} else {
		dir = e.abs(dir)
	}
	cache, err := clones.New(clones.Options{Dir: dir, MaxBytes: c.Server.Clones.MaxMiB << 20,
		MaxSearchBytes: c.Server.Clones.SearchMaxMiB << 20, Logger: logger})
	if err != nil {
		logger.WarnContext(ctx, "no clone cache: files are read through the forge's API", slog.String("reason", err.Error()))
		return nil
	}
	return cache
}

// withClone returns the job's forge client reading files from the clone of the job's
// repository (falling back to the forge's API), and what releases the clone when the
// review is done. Without a cache, or for a client it does not know, the client is
// returned as it is.
func (w *worker) withClone(ctx context.Context, client forgeClient, job queue.Job) (forgeClient, func()) {
	if w.clones == nil {
		return client, func() {}
	}
	remote, err := cloneRemote(ctx, w.c, client, job)
	if err != nil {
		w.logger.WarnContext(ctx, "reading files through the forge's API", slog.String("repo", job.Repo), slog.String("reason", err.Error()))
		return client, func() {}
	}
	r := &clones.Reader{Cache: w.clones, Remote: remote, Fallback: client, Logger: w.logger}
	switch cl := client.(type) {
	case *github.Client:
		return githubClone{cl, r}, r.Close
	case *gitlab.Client:
		return gitlabClone{cl, r}, r.Close
	}
	return client, func() {}
}

// githubClone and gitlabClone are the forge adapters with their files read from a
// clone. The adapter is embedded, so every optional ability of it is kept.
type (
	githubClone struct {
		*github.Client
		tree *clones.Reader
	}
	gitlabClone struct {
		*gitlab.Client
		tree *clones.Reader
	}
)

func (g githubClone) Tree(ctx context.Context, c reviewer.Change, rev string, paths []string) (fs.FS, error) {
	return g.tree.Tree(ctx, c, rev, paths)
}

func (g gitlabClone) Tree(ctx context.Context, c reviewer.Change, rev string, paths []string) (fs.FS, error) {
	return g.tree.Tree(ctx, c, rev, paths)
}

// ReadFile reads one file from the clone, for the model's read_file: never what is
// under a directory of that name (reviewer.FileReader).
func (g githubClone) ReadFile(ctx context.Context, c reviewer.Change, rev, path string) ([]byte, error) {
	return g.tree.ReadFile(ctx, c, rev, path)
}

// ReadFile is githubClone's.
func (g gitlabClone) ReadFile(ctx context.Context, c reviewer.Change, rev, path string) ([]byte, error) {
	return g.tree.ReadFile(ctx, c, rev, path)
}

var (
	_ reviewer.FileReader = githubClone{}
	_ reviewer.FileReader = gitlabClone{}
)

// gitTokener is a forge client that tells the token its requests carry.
type gitTokener interface {
	GitToken(ctx context.Context) (string, error)
}

// cloneRemote is how git fetches the job's repository: the forge's web host (the API
// root's, as github.base_url and gitlab.base_url give it), and the token as a Basic
// Authorization header, user x-access-token on GitHub, oauth2 on GitLab.
func cloneRemote(ctx context.Context, c *Config, client forgeClient, job queue.Job) (clones.Remote, error) {
	var web, user, token string
	var refs []string
	switch job.Forge {
	case "github":
		w, err := githubWeb(c.GitHub.BaseURL)
		if err != nil {
			return clones.Remote{}, err
		}
		tk, ok := client.(gitTokener)
		if !ok {
			return clones.Remote{}, fmt.Errorf("the %T client has no token for git", client)
		}
		if token, err = tk.GitToken(ctx); err != nil {
			return clones.Remote{}, fmt.Errorf("token for git: %w", err)
		}
		web, user = w, "x-access-token"
		refs = []string{"refs/pull/" + strconv.Itoa(job.Number) + "/head", "HEAD"}
	case "gitlab":
		base := strings.TrimSuffix(c.GitLab.BaseURL, "/")
		if base == "" {
			base = gitlab.DefaultBaseURL
		}
		web, user, token = strings.TrimSuffix(strings.TrimSuffix(base, "/"), "/api/v4"), "oauth2", c.GitLab.Token.reveal()
		refs = []string{"refs/merge-requests/" + strconv.Itoa(job.Number) + "/head", "HEAD"}
	default:
		return clones.Remote{}, fmt.Errorf("no clones for forge %q", job.Forge)
	}
	u, err := url.Parse(web)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return clones.Remote{}, fmt.Errorf("no git URL for the API root %q", web)
	}
	return clones.Remote{
		Key:    strings.ToLower(u.Host) + strings.TrimSuffix(u.Path, "/") + "/" + job.Repo,
		URL:    strings.TrimSuffix(web, "/") + "/" + job.Repo + ".git",
		Header: "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+token)),
		Refs:   refs,
	}, nil
}

// githubWeb is the web root of a GitHub API root: https://github.com for
// api.github.com (the default), https://SUB.ghe.com for api.SUB.ghe.com, and
// https://HOST for a GitHub Enterprise Server's https://HOST/api/v3/.
func githubWeb(base string) (string, error) {
	if base == "" {
		return "https://github.com", nil
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("github.base_url %q: want an absolute http(s) URL", base)
	}
	if host, ok := strings.CutPrefix(strings.ToLower(u.Host), "api."); ok {
		return u.Scheme + "://" + host, nil
	}
	p := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3")
	return u.Scheme + "://" + u.Host + p, nil
}

// cloneWorkspace is the model's view of the change's repository through the clone
// withClone set up, which can list and search as well as read (reviewer.Lister and
// reviewer.Grepper); nil for a client without one, whose tools read files through the
// forge's API alone.
func cloneWorkspace(client forgeClient, c reviewer.Change) reviewer.Workspace {
	switch cl := client.(type) {
	case githubClone:
		return cl.tree.Workspace(c)
	case gitlabClone:
		return cl.tree.Workspace(c)
	}
	return nil
}
