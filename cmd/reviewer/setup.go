package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/github"
)

// setupCmd groups the commands that connect reviewer serve to a forge.
func setupCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Connect reviewer serve to GitHub (a GitHub App) or GitLab (a webhook)",
		Args:  commandArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(setupGitHubCmd(e), setupGitLabCmd(e))
	return cmd
}

// The files reviewer setup github writes into --out.
const (
	appKeyFile        = "github-app.pem"
	appSecretFile     = "github-webhook-secret" //nolint:gosec // G101: a file name, not a credential
	appConfigFile     = "reviewer.yaml"
	defaultGitHubWeb  = "https://github.com"
	reviewerHomepage  = "https://github.com/reviewerbot/reviewer"
	manifestCallback  = "/callback"
	setupPageTimeout  = 10 * time.Second
	manifestCodeLimit = 64 // GitHub's codes are 20 hex digits; anything much longer is not one
)

func setupGitHubCmd(e env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "github --webhook-url https://HOST/webhooks/github",
		Short: "Register the GitHub App reviewer serve runs as, from a manifest, and write its id, key and webhook secret",
		Long: `Register the GitHub App reviewer serve runs as, with exactly the permissions and
events the service needs, and write what serve reads: the App's id, its private key and its
webhook secret.

By default a one-page form is served on loopback (--listen): open it in a browser signed in
to GitHub, and it posts the App's manifest to GitHub. GitHub sends the browser back with a
code, which is traded for the App's credentials. --print prints the manifest instead;
--code trades a code you already have.

Nothing is overwritten: when the files exist, the command says so and changes nothing
unless --force is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return setupGitHub(cmd.Context(), cmd, e) },
	}
	f := cmd.Flags()
	f.String("webhook-url", "", "where GitHub delivers the App's events: reviewer serve's https://HOST/webhooks/github (required)")
	f.String("name", "reviewer", "the App's name, unique on GitHub")
	f.String("org", "", "register the App under this organization rather than your account")
	f.String("github-url", defaultGitHubWeb, "GitHub's web address; https://HOST for GitHub Enterprise Server")
	f.String("listen", "127.0.0.1:0", "loopback address of the local form")
	f.String("out", "reviewer-github", "directory the App's key, webhook secret and a configuration file are written to")
	f.Bool("force", false, "register a new App and replace the files in --out")
	f.Bool("print", false, "print the manifest (JSON) and exit")
	f.String("redirect-url", "", "with --print: where GitHub sends the browser back with the code")
	f.String("code", "", "trade this code (from GitHub's redirect) for the App's credentials, without the form")
	return cmd
}

// githubSetup is one run of reviewer setup github.
type githubSetup struct {
	e                  env
	name, org, hookURL string
	web                *url.URL // GitHub's web root
	api                string   // the REST API root
	out                string
	force              bool
	httpClient         *http.Client
	pageTimeout        time.Duration
	w                  io.Writer
}

func setupGitHub(ctx context.Context, cmd *cobra.Command, e env) error {
	c, err := config(cmd, e, nil)
	if err != nil {
		return err
	}
	f := cmd.Flags()
	s := &githubSetup{e: e, w: e.stdout, pageTimeout: setupPageTimeout, httpClient: &http.Client{Timeout: time.Minute}}
	s.name, _ = f.GetString("name")
	s.org, _ = f.GetString("org")
	s.hookURL, _ = f.GetString("webhook-url")
	s.force, _ = f.GetBool("force")
	out, _ := f.GetString("out")
	s.out = e.abs(out)
	webURL, _ := f.GetString("github-url")
	printOnly, _ := f.GetBool("print")
	redirectURL, _ := f.GetString("redirect-url")
	code, _ := f.GetString("code")
	listen, _ := f.GetString("listen")

	var errs []error
	if err := checkHookURL("--webhook-url", s.hookURL, "/webhooks/github"); err != nil {
		errs = append(errs, err)
	}
	if s.web, err = url.Parse(strings.TrimSuffix(webURL, "/")); err != nil || (s.web.Scheme != "https" && s.web.Scheme != "http") || s.web.Host == "" {
		errs = append(errs, fmt.Errorf("--github-url: %q is not an http(s) URL", webURL))
	}
	if s.name == "" {
		errs = append(errs, errors.New("--name: the App needs a name"))
	}
	if redirectURL != "" && !printOnly {
		errs = append(errs, errors.New("--redirect-url: only with --print; the form's redirect is its own address"))
	}
	if printOnly && code != "" {
		errs = append(errs, errors.New("--print and --code: print the manifest, or trade a code, not both"))
	}
	if len(errs) > 0 {
		return usageError(errors.Join(errs...))
	}
	s.api = githubAPIRoot(c, s.web)
	if printOnly {
		return s.print(redirectURL)
	}
	if !s.force && s.existing() {
		return nil
	}
	if code != "" {
		if len(code) > manifestCodeLimit {
			return usageError(errors.New("--code: that is not a code GitHub gives (they are short hex strings)"))
		}
		return s.complete(ctx, code)
	}
	return s.serveForm(ctx, listen)
}

// githubAPIRoot is the REST API root: github.base_url when set, else api.github.com for
// github.com and https://HOST/api/v3/ for GitHub Enterprise Server.
func githubAPIRoot(c *Config, web *url.URL) string {
	if c.GitHub.BaseURL != "" {
		return c.GitHub.BaseURL
	}
	if web.String() == defaultGitHubWeb {
		return ""
	}
	return web.String() + "/api/v3/"
}

// checkHookURL checks a webhook URL given on the command line: absolute, https (or http
// for a trusted network), and ending in serve's path for the forge.
func checkHookURL(flag, s, path string) error {
	if s == "" {
		return fmt.Errorf("%s: required: where the forge delivers, reviewer serve's https://HOST%s", flag, path)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%s: %q is not an http(s) URL", flag, s)
	}
	if !strings.HasSuffix(u.Path, path) {
		return fmt.Errorf("%s: %q does not end in %s, the path reviewer serve takes the forge's deliveries on", flag, s, path)
	}
	return nil
}

func (s *githubSetup) manifest(redirectURL string) github.Manifest {
	return github.NewManifest(s.name, reviewerHomepage, s.hookURL, redirectURL)
}

func (s *githubSetup) print(redirectURL string) error {
	data, err := json.MarshalIndent(s.manifest(redirectURL), "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(s.w, string(data))
	return nil
}

// files are the paths written, in the order they are.
func (s *githubSetup) files() []string {
	return []string{filepath.Join(s.out, appKeyFile), filepath.Join(s.out, appSecretFile), filepath.Join(s.out, appConfigFile)}
}

// existing reports, and says, whether a previous run's files are there.
func (s *githubSetup) existing() bool {
	var found []string
	for _, p := range s.files() {
		if _, err := os.Lstat(p); err == nil {
			found = append(found, p)
		}
	}
	if len(found) == 0 {
		return false
	}
	for _, p := range found {
		fmt.Fprintf(s.w, "exists: %s\n", p)
	}
	fmt.Fprintf(s.w, "nothing changed: a GitHub App was set up before; run reviewer serve --config %s, or give --force to register a new App and replace these files\n",
		filepath.Join(s.out, appConfigFile))
	return true
}

// formAction is where the form posts the manifest, with the state GitHub hands back
// (none: for the terminal, which must not show it).
func (s *githubSetup) formAction(state string) string {
	u := *s.web
	u.Path = strings.TrimSuffix(u.Path, "/") + "/settings/apps/new"
	if s.org != "" {
		u.Path = strings.TrimSuffix(s.web.Path, "/") + "/organizations/" + url.PathEscape(s.org) + "/settings/apps/new"
	}
	if state != "" {
		u.RawQuery = url.Values{"state": {state}}.Encode()
	}
	return u.String()
}

var setupPage = htmltemplate.Must(htmltemplate.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reviewer: register the GitHub App</title></head>
<body>
<h1>Register the GitHub App of reviewer serve</h1>
<p>The button posts this manifest to <code>{{.Action}}</code>. GitHub then asks you to confirm
the App's name and sends you back here to finish.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<pre>{{.Manifest}}</pre>
<button type="submit">Create the GitHub App on GitHub</button>
</form>
</body></html>
`))

var donePage = htmltemplate.Must(htmltemplate.New("done").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reviewer: {{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

// serveForm serves the form on a loopback address until GitHub's redirect brings a code
// with the right state, trades it, and returns.
func (s *githubSetup) serveForm(ctx context.Context, listen string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return usageError(fmt.Errorf("--listen: %w", err))
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageError(fmt.Errorf("--listen: %s is not a loopback address: the page hands out the state that guards the App's credentials", listen))
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
	if err != nil {
		return usageError(fmt.Errorf("--listen: %w", err))
	}
	state, err := randomHex(32)
	if err != nil {
		return err
	}
	page := "http://" + ln.Addr().String() + "/"
	manifest, err := json.Marshal(s.manifest("http://" + ln.Addr().String() + manifestCallback))
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	var used atomic.Bool // a code is traded once: a replayed redirect is refused
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_ = setupPage.Execute(w, map[string]string{"Action": s.formAction(state), "Manifest": string(manifest)})
	})
	mux.HandleFunc("GET "+manifestCallback, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		got := r.URL.Query().Get("state")
		if subtle.ConstantTimeCompare([]byte(got), []byte(state)) != 1 {
			fmt.Fprintf(s.e.stderr, "reviewer: refused a redirect whose state is not this run's\n")
			w.WriteHeader(http.StatusBadRequest)
			_ = donePage.Execute(w, map[string]string{"Title": "Refused", "Text": "This redirect's state is not the one this setup gave GitHub: it was not started here. Nothing was written."})
			return
		}
		code := r.URL.Query().Get("code")
		if code == "" || len(code) > manifestCodeLimit {
			w.WriteHeader(http.StatusBadRequest)
			_ = donePage.Execute(w, map[string]string{"Title": "Refused", "Text": "GitHub's redirect carries no code. Nothing was written."})
			return
		}
		if used.Swap(true) {
			w.WriteHeader(http.StatusConflict)
			_ = donePage.Execute(w, map[string]string{"Title": "Already done", "Text": "This setup has already had GitHub's answer. Nothing more was written."})
			return
		}
		err := s.complete(r.Context(), code)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			_ = donePage.Execute(w, map[string]string{"Title": "Not finished", "Text": "The App's credentials could not be fetched or written; the terminal says why."})
		} else {
			_ = donePage.Execute(w, map[string]string{"Title": "Done", "Text": "The App is registered and its credentials are written; the terminal says where. You can close this page."})
		}
		select {
		case done <- err:
		default:
		}
	})
	srv := &http.Server{Handler: loopbackHost(ln.Addr().String(), mux), ReadHeaderTimeout: s.pageTimeout}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.pageTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(s.w, "open %s in a browser signed in to GitHub: it posts the App's manifest to %s\n", page, s.formAction(""))
	fmt.Fprintf(s.w, "waiting for GitHub to send the browser back (Ctrl-C stops)\n")
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("setup github: stopped before GitHub sent the browser back: %w", context.Cause(ctx))
	}
}

// complete trades code for the App's credentials and writes them.
func (s *githubSetup) complete(ctx context.Context, code string) error {
	app, err := github.CompleteManifest(ctx, s.api, s.httpClient, code)
	if err != nil {
		if errors.Is(err, reviewer.ErrNotFound) {
			return fmt.Errorf("%w (GitHub knows no such code: codes work once, for an hour; run reviewer setup github again)", err)
		}
		return err
	}
	fmt.Fprintf(s.w, "registered: GitHub App %s (id %d) %s\n", app.Slug, app.ID, app.HTMLURL)
	if err := os.MkdirAll(s.out, 0o700); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	paths := s.files()
	cfg := fmt.Sprintf(`# Written by reviewer setup github for the GitHub App %s (%s).
# Install the App on the repositories to review (%s/installations/new), then run
#   reviewer serve --config %s
# with the gateway configured here or in REVIEWER_* variables (README.md, "Configuration").
github:
  app_id: %d
  private_key_file: %s
  webhook_secret_file: %s
  bot_login: %s
`, app.Slug, app.HTMLURL, app.HTMLURL, paths[2], app.ID, yamlString(paths[0]), yamlString(paths[1]), yamlString(app.Slug+"[bot]"))
	if s.api != "" {
		cfg += "  base_url: " + yamlString(s.api) + "\n"
	}
	for i, content := range []string{app.PEM, app.WebhookSecret + "\n", cfg} {
		if err := writeSecretFile(paths[i], []byte(content), s.force); err != nil {
			return err
		}
		fmt.Fprintf(s.w, "wrote: %s (mode 0600)\n", paths[i])
	}
	fmt.Fprintf(s.w, "next: install the App (%s/installations/new), then run reviewer serve --config %s\n", app.HTMLURL, paths[2])
	return nil
}

// yamlString quotes s for YAML (a JSON string is a YAML string).
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// writeSecretFile writes data to path, readable by its owner only. Without replace an
// existing file is an error; with it the file is replaced whole (written beside it, then
// renamed), so a reader never sees half of it.
func writeSecretFile(path string, data []byte, replace bool) error {
	if !replace {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		_, err = f.Write(data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// randomHex is n random bytes in hex.
func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// loopbackHost serves only requests that name the listener by its loopback address (or
// localhost) in Host. A page elsewhere that rebinds its own name to 127.0.0.1 would
// otherwise be same-origin with the form: it could read the state, and bring its own
// App's code back with it.
func loopbackHost(addr string, h http.Handler) http.Handler {
	_, port, _ := net.SplitHostPort(addr)
	ok := map[string]bool{addr: true, net.JoinHostPort("localhost", port): true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ok[strings.ToLower(r.Host)] {
			http.Error(w, "this page answers only to "+addr, http.StatusMisdirectedRequest)
			return
		}
		h.ServeHTTP(w, r)
	})
}
