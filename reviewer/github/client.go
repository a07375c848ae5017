package github

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/redirect"
	"github.com/reviewerbot/reviewer/reviewer/retry"
)

// The interfaces the pipeline discovers on a forge adapter.
var (
	_ reviewer.ChangeReader  = (*Client)(nil)
	_ reviewer.TreeReader    = (*Client)(nil)
	_ reviewer.DiffSource    = (*Client)(nil)
	_ reviewer.GapDiffSource = (*Client)(nil)
	_ reviewer.Poster        = (*Client)(nil)
	_ reviewer.CommentLister = (*Client)(nil)
	_ reviewer.Summarizer    = (*Client)(nil)
	_ reviewer.StatusSetter  = (*Client)(nil)
	_ reviewer.HeadReader    = (*Client)(nil)
	_ reviewer.CallCounter   = (*Client)(nil)
	_ reviewer.Comparer      = (*Client)(nil)
)

const (
	defaultBaseURL    = "https://api.github.com/"
	defaultMaxRetries = 3
	// perPage is the largest page GitHub serves on the list endpoints used here.
	perPage = 100
)

// Options configure a Client. Either Token or the GitHub App triple (AppID,
// InstallationID, PrivateKey) must be set.
type Options struct {
	// BaseURL is the REST API root: "" for api.github.com, "https://HOST/api/v3/" for
	// GitHub Enterprise Server.
	BaseURL string
	// Token is a personal access token or an installation token.
	Token string
	// BotLogin is the login the token posts as, when it can not be asked for: an
	// installation token (GitHub Actions' GITHUB_TOKEN posts as "github-actions[bot]")
	// can not read GET /user. Empty means ask GitHub.
	BotLogin string
	// AppID, InstallationID and PrivateKey (PEM) authenticate as a GitHub App
	// installation; the installation token is fetched and refreshed as needed.
	AppID          int64
	InstallationID int64
	PrivateKey     []byte
	// HTTPClient is the client whose transport and timeout are used; nil means
	// http.DefaultTransport and no timeout beyond the context's. A redirect to another
	// host than the API's is never followed, whatever its CheckRedirect says.
	HTTPClient *http.Client
	// Logger receives debug lines about retries; nil discards them.
	Logger *slog.Logger
	// MaxRetries is how many times a rate-limited (or, for reads, 5xx) request is
	// retried: 0 means 3, a negative value means never.
	MaxRetries int
	// WriteGap is the least time between two writes (reviews, comments, statuses): GitHub
	// asks integrations to make content-creating requests serially, a second apart, or
	// meet its secondary rate limits. Zero means that second; negative means no pacing,
	// for a GitHub Enterprise Server whose secondary limits are off.
	WriteGap time.Duration
	// Sleep waits between retries; nil means a timer that stops when ctx is done.
	// Tests inject one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is the GitHub adapter. It is safe for concurrent use.
type Client struct {
	gh      *github.Client
	counter *countingTransport
	logger  *slog.Logger
	// bot is the login the client posts as; only its comments are the bot's.
	bot *identity
	// token returns the token the client's requests carry (GitToken).
	token func(context.Context) (string, error)
}

// New returns a Client for the GitHub API described by opts.
func New(opts Options) (*Client, error) {
	base, err := baseURL(opts.BaseURL)
	if err != nil {
		return nil, err
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// The token rides on every request the transports below send, redirected ones too:
	// only redirects within the API's host are followed (package redirect).
	httpClient := redirect.Confine(opts.HTTPClient)
	inner := httpClient.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	counter := &countingTransport{next: inner}
	retries := opts.MaxRetries
	switch {
	case retries == 0:
		retries = defaultMaxRetries
	case retries < 0:
		retries = 0
	}
	sleep := opts.Sleep
	if sleep == nil {
		sleep = retry.Sleep
	}
	gap := opts.WriteGap
	if gap == 0 {
		gap = defaultWriteGap
	}
	var tr http.RoundTripper = &retryTransport{
		next:       counter,
		maxRetries: retries,
		sleep:      sleep,
		now:        time.Now,
		logger:     logger,
		writeGap:   gap,
	}

	app := opts.AppID != 0 || opts.InstallationID != 0 || len(opts.PrivateKey) > 0
	// appGH, with App auth, calls the API as the App itself (a JWT), for GET /app.
	var appGH *github.Client
	token := func(context.Context) (string, error) { return opts.Token, nil }
	switch {
	case app && opts.Token != "":
		return nil, errors.New("github: set either a token or a GitHub App, not both")
	case app:
		if opts.AppID == 0 || opts.InstallationID == 0 || len(opts.PrivateKey) == 0 {
			return nil, errors.New("github: a GitHub App needs an app id, an installation id and a private key")
		}
		signer, err := newAppSigner(opts.AppID, opts.PrivateKey, time.Now)
		if err != nil {
			return nil, err
		}
		// appGH signs each request with a fresh JWT (GET /app, the token exchange); it
		// goes through the same retries, count and redirect confinement as the rest.
		appGH = newGitHub(redirect.Confine(&http.Client{Transport: &appTransport{signer: signer, next: tr}, Timeout: httpClient.Timeout}), base)
		inst := newInstallationTransport(tr, appGH, opts.InstallationID, time.Now)
		tr, token = inst, inst.installationToken
	case opts.Token == "":
		return nil, errors.New("github: a token or a GitHub App is required")
	}

	httpClient.Transport = tr
	gh := newGitHub(httpClient, base)
	if opts.Token != "" {
		gh = gh.WithAuthToken(opts.Token)
	}
	cl := &Client{gh: gh, counter: counter, logger: logger, token: token}
	if appGH != nil {
		cl.bot = newIdentity(appLogin(appGH))
	} else {
		cl.bot = newIdentity(userLogin(gh))
		if opts.BotLogin != "" {
			login := opts.BotLogin
			cl.bot = newIdentity(func(context.Context) (string, error) { return login, nil })
		}
	}
	return cl, nil
}

// newGitHub returns a go-github client of the API at base.
func newGitHub(httpClient *http.Client, base *url.URL) *github.Client {
	gh := github.NewClient(httpClient)
	// Set the URLs directly: WithEnterpriseURLs would append "api/v3/" to any root
	// that lacks it, which breaks proxies and the tests' prefixed fake.
	api, upload := *base, *base
	gh.BaseURL, gh.UploadURL = &api, &upload
	return gh
}

func baseURL(s string) (*url.URL, error) {
	if s == "" {
		s = defaultBaseURL
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("github: base url: %w", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("github: base url %q: want an absolute http(s) url", s)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	return u, nil
}

// APICalls returns how many HTTP requests the client has sent, retries,
// installation-token exchanges and the one lookup of the bot's login included.
func (cl *Client) APICalls() int64 { return cl.counter.n.Load() }

// Suggestions reports GitHub's ```suggestion blocks.
func (cl *Client) Suggestions() reviewer.SuggestionStyle { return reviewer.SuggestionGitHub }

// splitRepo splits "owner/name".
func splitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("github: repository %q: want owner/name", repo)
	}
	return owner, name, nil
}

// mapError wraps err with op and, where it applies, a core sentinel error.
func mapError(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		rateErr  *github.RateLimitError
		abuseErr *github.AbuseRateLimitError
		respErr  *github.ErrorResponse
	)
	switch {
	case errors.As(err, &rateErr):
		return fmt.Errorf("%s: %w: %w", op, &reviewer.RateLimitError{Reset: rateErr.Rate.Reset.Time}, err)
	case errors.As(err, &abuseErr):
		var reset time.Time
		if abuseErr.RetryAfter != nil {
			reset = time.Now().Add(*abuseErr.RetryAfter)
		}
		return fmt.Errorf("%s: %w: %w", op, &reviewer.RateLimitError{Reset: reset}, err)
	case errors.As(err, &respErr) && respErr.Response != nil:
		if s := sentinel(respErr.Response.StatusCode, respErr.Message); s != nil {
			if d, ok := retryAfter(respErr.Response.Header, time.Now()); ok && errors.Is(s, reviewer.ErrRateLimited) {
				s = &reviewer.RateLimitError{Reset: time.Now().Add(d)}
			}
			return fmt.Errorf("%s: %w: %w", op, s, err)
		}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func sentinel(status int, message string) error {
	switch {
	case status == http.StatusTooManyRequests,
		status == http.StatusForbidden && strings.Contains(strings.ToLower(message), "rate limit"):
		return reviewer.ErrRateLimited
	case status == http.StatusNotFound:
		return reviewer.ErrNotFound
	case status == http.StatusForbidden, status == http.StatusUnauthorized:
		return reviewer.ErrForbidden
	}
	return nil
}

// statusOf returns the HTTP status of a go-github error, or 0.
func statusOf(err error) int {
	var respErr *github.ErrorResponse
	if errors.As(err, &respErr) && respErr.Response != nil {
		return respErr.Response.StatusCode
	}
	return 0
}
