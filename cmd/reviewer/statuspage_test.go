package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

// The status page's tests run a real `reviewer serve` and read /ui/ over HTTP, and in
// headless Chromium (Debian's chromium), driven through the DevTools protocol.

var uiScreenshots = flag.Bool("ui-screenshots", false, "write the status page's screenshots to docs/ui/")

const (
	uiToken = "status-page-token-that-must-not-leak"
	// uiHostile is a repository named as markup: were it markup, its image would fail to
	// load and its handler set the title.
	uiHostile = `evil/<img src=x onerror="document.title='pwned'">`
)

func uiGet(t *testing.T, url string, set func(*http.Request)) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(body)
}

// TestStatusPageOff: without server.ui credentials /ui/ answers 403 saying how to turn
// it on, and the webhooks are served as before; a token file that is no good stops
// serve, naming the key.
func TestStatusPageOff(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	p := startServe(t, append(fl.environ(), quickQueue("sqlite://"+filepath.Join(t.TempDir(), "reviewer.db"))...))
	code, h, body := uiGet(t, "http://"+p.addr+"/ui/", nil)
	if code != http.StatusForbidden || !strings.Contains(body, "server.ui.token_file") || h.Get("Content-Security-Policy") == "" {
		t.Errorf("GET /ui/ without credentials configured: %d %q, CSP %q; want 403 saying how to turn it on", code, body, h.Get("Content-Security-Policy"))
	}
	if code, _, _ := uiGet(t, "http://"+p.addr+"/healthz", nil); code != http.StatusOK {
		t.Errorf("GET /healthz: %d", code)
	}

	dir := t.TempDir()
	short := filepath.Join(dir, "token")
	if err := os.WriteFile(short, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	hashes := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(hashes, []byte("ops:plaintext\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for key, env := range map[string]string{
		"server.ui.token_file":      "REVIEWER_SERVER_UI_TOKEN_FILE=" + short,
		"server.ui.basic_auth_file": "REVIEWER_SERVER_UI_BASIC_AUTH_FILE=" + hashes,
	} {
		r := runCmd(t, dir, []string{"REVIEWER_GITHUB_WEBHOOK_SECRET=" + serveSecret, "REVIEWER_QUEUE_URL=sqlite://" + filepath.Join(dir, "q.db"), env},
			"serve", "--listen", "127.0.0.1:0")
		if r.code != 2 || !strings.Contains(r.stderr, key) {
			t.Errorf("serve with a bad %s: exit %d\n%s", key, r.code, r.stderr)
		}
	}
}

// chromium finds Debian's chromium: under CI=true a test that needs it fails without
// it, elsewhere it skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: apt-get install chromium (.ci/run installs it)")
	}
	t.Skip("chromium not found: apt-get install chromium to run the status page's browser test")
	return ""
}

// TestStatusPageBrowser runs reviews through a real `reviewer serve` with the status
// page on, signs in through the page's login form in headless Chromium, and reads what
// each view shows: the reviews' repositories, outcomes and costs, a change's reviews,
// the failure's reason, the cost, the queue. A repository named as markup shows as
// text, and its script never runs.
func TestStatusPageBrowser(t *testing.T) {
	t.Parallel()
	exe := chromium(t)
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "reviewer.db")
	seedHistory(t, db)
	tokenFile := filepath.Join(dir, "ui-token")
	if err := os.WriteFile(tokenFile, []byte(uiToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	fl := newGitHubFleet(t, 1)
	environ := append(append(fl.environ(), quickQueue(db)...), gatewayEnv(newModelGateway(t, e2eModelFindings))...)
	p := startServe(t, append(environ, `REVIEWER_GATEWAY_PRICES={"gpt-test": {"input": 1, "output": 2}}`,
		"REVIEWER_SERVER_UI_TOKEN_FILE="+tokenFile))
	okBody, okHeaders := delivery(t, "opened", 0, shaHead1)
	deliverOK(t, p.addr, okBody, okHeaders)
	failBody, failHeaders := delivery(t, "opened", 5, shaHead1) // acme/client-5: no such repository
	deliverOK(t, p.addr, failBody, failHeaders)
	queueSettled(t, p.addr)
	base := "http://" + p.addr

	// Over plain HTTP: no credentials, 401; the token, 200; a write, 405.
	if code, h, _ := uiGet(t, base+"/ui/", nil); code != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Bearer ") {
		t.Errorf("GET /ui/ without credentials: %d, WWW-Authenticate %q", code, h.Get("WWW-Authenticate"))
	}
	auth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+uiToken) }
	if code, _, body := uiGet(t, base+"/ui/", auth); code != http.StatusOK || !strings.Contains(body, "acme/client-0") {
		t.Errorf("GET /ui/ with the token: %d\n%s", code, body)
	}

	ctx, cancel := context.WithTimeout(t.Context(), patience(t))
	defer cancel()
	ctx, cancel = chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1400, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	defer cancel()
	ctx, cancel = chromedp.NewContext(ctx)
	defer cancel()

	// Sign in through the form: the cookie it sets carries the rest.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/ui/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=token]`), uiToken),
		chromedp.Submit(chromedp.CSS(`form`)),
		chromedp.WaitVisible(chromedp.CSS(`main#view-recent`)),
	); err != nil {
		t.Fatalf("chromium: sign in through /ui/login: %v", err)
	}
	title := browse(ctx, t, chromedp.Title())
	text := browse(ctx, t, chromedp.Text(chromedp.CSS(`main`)))
	if title != "Recent reviews · reviewer" {
		t.Errorf("title %q: the hostile repository's handler ran, or the page is not the recent reviews", title)
	}
	if imgs := browse(ctx, t, chromedp.Evaluate[int](`document.querySelectorAll('main img').length`)); imgs != 0 {
		t.Errorf("%d img elements: the hostile repository became markup", imgs)
	}
	// The review: 38 prompt and 20 completion tokens at $1 and $2 per million.
	for _, want := range []string{"acme/client-0#7", "acme/client-5#7", "reviewed", "failed", "$0.0001", "58",
		uiHostile + "#3"} {
		if !strings.Contains(text, want) {
			t.Errorf("/ui/ shows no %q:\n%s", want, text)
		}
	}
	shot(ctx, t, "recent.png")

	for _, v := range []struct {
		name, from, click, path, view string
		want                          []string
	}{
		{"change.png", "/ui/", `a[href="/ui/changes/github/acme/client-0/7"]`, "/ui/changes/github/acme/client-0/7", "change",
			[]string{"acme/client-0#7", "1 attempts, $0.0001 in all", "webhook", shaHead1[:10]}},
		{"failures.png", "/ui/", `nav a[href="/ui/failures"]`, "/ui/failures", "failures",
			[]string{"acme/client-5#7", "forge", "the change, its repository or a file it needs was not found on the forge",
				uiHostile + "#3", "a rules file could not be read: <script>document.title='pwned'</script>"}},
		{"cost.png", "/ui/failures", `nav a[href="/ui/cost"]`, "/ui/cost", "cost", []string{"acme/client-0", "acme/app", "$0.0001", "$1.2500"}},
		// River's own count, now: the review completed, the failure (not retried) cancelled.
		{"queue.png", "/ui/cost", `nav a[href="/ui/queue"]`, "/ui/queue", "queue", []string{"waiting\t0", "running\t0", "retrying\t0", "completed\t1", "cancelled\t1", "riverui"}},
		{"", "/ui/cost", `td.repo a[href="/ui/?forge=github&repo=acme%2Fapp"]`, "/ui/?forge=github&repo=acme%2Fapp", "recent",
			[]string{"Recent reviews of acme/app", "acme/app#40", "acme/app#45"}},
		{"", "/ui/failures", `td.repo a[href^="/ui/changes/github/evil/"]`, "", "change", []string{uiHostile + "#3 github"}},
	} {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(base+v.from),
			chromedp.Click(chromedp.CSS(v.click)),
			chromedp.WaitVisible(chromedp.CSS(`main#view-`+v.view)),
		); err != nil {
			t.Fatalf("chromium: from %s by %s: %v", v.from, v.click, err)
		}
		if loc := browse(ctx, t, chromedp.Location()); v.path != "" && loc != base+v.path {
			t.Errorf("the link %s led to %s, want %s", v.click, loc, v.path)
		}
		if title := browse(ctx, t, chromedp.Title()); strings.Contains(title, "pwned") {
			t.Errorf("%s: the title is %q: the hostile repository's handler ran", v.click, title)
		}
		text := browse(ctx, t, chromedp.Text(chromedp.CSS(`main`)))
		if strings.ContainsRune(text, '\u202e') {
			t.Errorf("%s shows the reason's bidirectional override", v.click)
		}
		for _, want := range v.want {
			if !strings.Contains(text, want) {
				t.Errorf("%s shows no %q:\n%s", v.click, want, text)
			}
		}
		if v.name != "" {
			shot(ctx, t, v.name)
		}
	}
}

// browse runs one browser action and returns its value; an error ends the test.
func browse[T any](ctx context.Context, t *testing.T, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return v
}

// shot writes a screenshot of the page for the docs, with -ui-screenshots.
func shot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	if !*uiScreenshots {
		return
	}
	png := browse(ctx, t, chromedp.FullScreenshot(100))
	path := filepath.Join("..", "..", "docs", "ui", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// seedHistory records, before the service starts, a week of reviews of other
// repositories (for the cost view) and one of a repository named as markup, whose
// failure's reason carries a script and a bidirectional override.
func seedHistory(t *testing.T, db string) {
	t.Helper()
	q, err := queue.Open(t.Context(), db, queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	now := time.Now().UTC()
	for i := range 6 {
		at := now.Add(-time.Duration(i+1) * 24 * time.Hour)
		for j, repo := range []string{"acme/app", "acme/api", "platform/infra/terraform"} {
			forge := "github"
			if j == 2 {
				forge = "gitlab"
			}
			r := queue.Review{Attempt: 1, Forge: forge, Repo: repo, Change: 40 + i, HeadSHA: "9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c",
				Trigger: "webhook", Tier: "full", Outcome: queue.OutcomeReviewed, Files: queue.FileCounts{Reviewed: 4 + j},
				Findings: 3 + i%3, Posted: 2, ModelRequests: 3, PromptTokens: int64(40000 + 9000*j + 5000*i), CompletionTokens: 2500,
				CostUSD: 1.25 / float64(j+1) * float64(6-i) / 3, Started: at.Add(-time.Duration(40+10*j) * time.Second), Finished: at}
			if err := q.History().Record(t.Context(), r); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := q.History().Record(t.Context(), queue.Review{Attempt: 1, Forge: "github", Repo: uiHostile, Change: 3, HeadSHA: "abc",
		Trigger: "webhook", Outcome: queue.OutcomeFailed, ErrorKind: "rules",
		Reason:  "a rules file could not be read: <script>document.title='pwned'</script>\u202e",
		Started: now.Add(-2 * time.Hour), Finished: now.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
}
