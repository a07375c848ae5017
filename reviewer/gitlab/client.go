package gitlab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redirect"
	"github.com/reviewerbot/reviewer/reviewer/retry"
)

// Defaults of Options.
const (
	DefaultBaseURL    = "https://gitlab.com"
	DefaultMaxRetries = 3
	// MaxRetryWait caps one wait between retries, Retry-After and RateLimit-Reset included:
	// a reset far away is better reported than slept through.
	MaxRetryWait = time.Minute
	// firstBackoff is the first wait when GitLab gives no hint; it doubles per retry.
	firstBackoff = time.Second
	// perPage is the page size of every list: GitLab's maximum.
	perPage = 100
)

// Options configures a Client.
type Options struct {
	// BaseURL is the GitLab instance: "" for https://gitlab.com, https://host (with or without
	// /api/v4) for a self-managed one.
	BaseURL string
	// Token is a personal, project or group access token.
	Token string
	// HTTPClient sends the requests; nil uses a client of its own. Its transport is wrapped
	// to count requests and it follows no redirect to another host; the client itself is
	// not modified.
	HTTPClient *http.Client
	// Logger receives debug detail; nil discards.
	Logger *slog.Logger
	// MaxRetries bounds the retries of one request after a 429 or a 5xx: 0 means
	// DefaultMaxRetries, a negative value none.
	MaxRetries int
	// Sleep waits between retries; nil waits on a timer. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now tells the time for Retry-After dates and RateLimit-Reset; nil is time.Now.
	Now func() time.Time
}

// Client talks to one GitLab instance as one user (the bot). It is safe for concurrent use.
type Client struct {
	api    *gl.Client
	log    *slog.Logger
	sleep  func(ctx context.Context, d time.Duration) error
	now    func() time.Time
	retry  int
	calls  *atomic.Int64
	userMu sync.Mutex
	userID int64 // the bot's user id, read once

	mu      sync.Mutex
	changes map[string]*changeState
}

// changeState is what the adapter remembers of a change between calls: the diff version
// whose SHAs positions need (Change has no start SHA) and the parsed diff whose other-side
// line numbers a position needs.
type changeState struct {
	version *version
	files   map[string]*diff.File // by new path, and by old path for deleted files
	// changesCount is the merge request's changes_count as ReadChange read it: "1000+"
	// when GitLab's diff stops at its limits. "" when not read.
	changesCount string
}

// version is the latest diff version of a merge request.
type version struct {
	base, start, head string
}

var (
	_ reviewer.ChangeReader  = (*Client)(nil)
	_ reviewer.DiffSource    = (*Client)(nil)
	_ reviewer.GapDiffSource = (*Client)(nil)
	_ reviewer.TreeReader    = (*Client)(nil)
	_ reviewer.Poster        = (*Client)(nil)
	_ reviewer.CommentLister = (*Client)(nil)
	_ reviewer.Summarizer    = (*Client)(nil)
	_ reviewer.StatusSetter  = (*Client)(nil)
	_ reviewer.Resolver      = (*Client)(nil)
	_ reviewer.HeadReader    = (*Client)(nil)
	_ reviewer.CallCounter   = (*Client)(nil)
	_ reviewer.Comparer      = (*Client)(nil)
)

// New returns a client for the GitLab instance opts names.
func New(opts Options) (*Client, error) {
	if opts.Token == "" {
		return nil, errors.New("gitlab token is empty")
	}
	base := opts.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		return nil, fmt.Errorf("gitlab base url %q: want http:// or https://", base)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		log:     logger,
		sleep:   opts.Sleep,
		now:     opts.Now,
		retry:   opts.MaxRetries,
		calls:   new(atomic.Int64),
		changes: map[string]*changeState{},
	}
	switch {
	case c.retry == 0:
		c.retry = DefaultMaxRetries
	case c.retry < 0:
		c.retry = 0
	}
	if c.sleep == nil {
		c.sleep = retry.Sleep
	}
	if c.now == nil {
		c.now = time.Now
	}
	// PRIVATE-TOKEN is a header of client-go's own, which http.Client keeps on a redirect
	// to another host: only redirects within the instance are followed (package redirect).
	hc := redirect.Confine(opts.HTTPClient)
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = counter{next: rawCap{next: next}, n: c.calls}
	api, err := gl.NewClient(opts.Token,
		gl.WithBaseURL(strings.TrimSuffix(base, "/")),
		gl.WithHTTPClient(hc),
		// Retries are this package's: with an injectable sleep, a cap, and no retry of a
		// POST that may have been applied.
		gl.WithoutRetries(),
		gl.WithURLWarningLogger(logger),
	)
	if err != nil {
		return nil, fmt.Errorf("gitlab client: %w", err)
	}
	c.api = api
	return c, nil
}

// APICalls reports how many HTTP requests the client has sent, retries included.
func (c *Client) APICalls() int64 { return c.calls.Load() }

// counter counts the requests that go through it.
type counter struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t counter) RoundTrip(req *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(req)
}

// call runs one API request, retrying a 429 always and a 5xx only when idempotent says the
// request may be repeated. fn receives the request options every client-go call must get
// (the context above all).
func (c *Client) call(ctx context.Context, idempotent bool, fn func(opts ...gl.RequestOptionFunc) (*gl.Response, error)) error {
	for attempt := 0; ; attempt++ {
		resp, err := fn(gl.WithContext(ctx))
		if err == nil {
			return nil
		}
		status := statusOf(resp, err)
		if status >= 200 && status < 300 {
			return fmt.Errorf("read gitlab answer: %w", err)
		}
		retryable := status == http.StatusTooManyRequests ||
			(idempotent && status >= 500 && status != http.StatusNotImplemented)
		if !retryable || attempt >= c.retry {
			if status == http.StatusTooManyRequests {
				// Say when the limit lifts, if GitLab did: a queued review waits for then.
				limit := error(reviewer.ErrRateLimited)
				now := c.now()
				if d, ok := askedWait(resp, now); ok {
					limit = &reviewer.RateLimitError{Reset: now.Add(d)}
				}
				return fmt.Errorf("%w: gitlab answered 429 %d times", limit, attempt+1)
			}
			return apiError(status, err)
		}
		wait := retryWait(resp, attempt, c.now())
		c.log.DebugContext(ctx, "gitlab request retried", "status", status, "wait", wait, "attempt", attempt+1)
		if err := c.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// statusOf returns the HTTP status of a failed request, 0 when no response came back.
func statusOf(resp *gl.Response, err error) int {
	if resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	var er *gl.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	if errors.Is(err, gl.ErrNotFound) {
		return http.StatusNotFound
	}
	return 0
}

// apiError maps a failed request onto the core's sentinel errors. The message GitLab gave is
// kept (it names the field at fault); the request URL and headers are not, so no token leaks.
func apiError(status int, err error) error {
	msg := err.Error()
	var er *gl.ErrorResponse
	if errors.As(err, &er) {
		msg = er.Message
	}
	switch {
	case status == http.StatusNotFound:
		return reviewer.ErrNotFound
	case status == http.StatusForbidden || status == http.StatusUnauthorized:
		return fmt.Errorf("%w: %d %s", reviewer.ErrForbidden, status, msg)
	case status != 0:
		return &statusError{status: status, msg: msg}
	}
	return err
}

// statusError is a GitLab answer that is neither success nor one of the sentinels.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string {
	if e.msg == "" {
		return fmt.Sprintf("gitlab answered %d", e.status)
	}
	return fmt.Sprintf("gitlab answered %d: %s", e.status, e.msg)
}

// isStatus reports whether err is a GitLab answer with the given status.
func isStatus(err error, status int) bool {
	var se *statusError
	return errors.As(err, &se) && se.status == status
}

// retryWait is how long to wait before retry attempt+1: Retry-After (seconds or a date),
// else RateLimit-Reset (a Unix time), else an exponential backoff; capped at MaxRetryWait.
func retryWait(resp *gl.Response, attempt int, now time.Time) time.Duration {
	if asked, ok := askedWait(resp, now); ok {
		return min(asked, MaxRetryWait)
	}
	return retry.Backoff(firstBackoff, attempt, MaxRetryWait)
}

// askedWait is the wait GitLab asked for: Retry-After, else the time to RateLimit-Reset.
func askedWait(resp *gl.Response, now time.Time) (time.Duration, bool) {
	if resp == nil || resp.Response == nil {
		return 0, false
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		return retry.After(v, now)
	}
	return retry.Reset(resp.Header.Get("RateLimit-Reset"), now)
}

// changeKey identifies a change across calls.
func changeKey(c reviewer.Change) string { return c.Repo + "!" + strconv.Itoa(c.Number) }

func (c *Client) state(ch reviewer.Change) *changeState {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.changes[changeKey(ch)]
	if s == nil {
		s = &changeState{}
		c.changes[changeKey(ch)] = s
	}
	return s
}

// checkChange rejects a change this adapter cannot address.
func checkChange(ch reviewer.Change) error {
	if ch.Repo == "" || ch.Number <= 0 {
		return fmt.Errorf("gitlab change %q !%d: want a project path or id and a merge request iid", ch.Repo, ch.Number)
	}
	return nil
}

// botID returns the id of the user the token belongs to, asked once.
//
// GitLab API: https://docs.gitlab.com/api/users/#get-the-current-user
func (c *Client) botID(ctx context.Context) (int64, error) {
	c.userMu.Lock()
	defer c.userMu.Unlock()
	if c.userID != 0 {
		return c.userID, nil
	}
	var u *gl.User
	err := c.call(ctx, true, func(o ...gl.RequestOptionFunc) (r *gl.Response, err error) {
		u, r, err = c.api.Users.CurrentUser(o...)
		return r, err
	})
	if err != nil {
		return 0, fmt.Errorf("read current user: %w", err)
	}
	c.userID = u.ID
	return u.ID, nil
}
