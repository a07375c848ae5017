package main

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/internal/pgtest"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

// The service's tests run `reviewer serve` as a real process (this test binary, re-executed
// as the command), against a fleet of fake GitHub pull requests, with signed deliveries
// built from the recorded pull_request webhook of testdata/serve.

const serveSecret = "webhook-secret-that-must-not-leak"

func TestMain(m *testing.M) {
	if os.Getenv("REVIEWER_TEST_AS_COMMAND") == "1" {
		main()
		return
	}
	pgtest.Main(m)
}

// ghFleet is one GitHub API serving many pull requests: acme/client-N#7, each a fake of
// reviewer/reviewertest/fakegithub holding change v1 (unless given another), routed by repository
// name. hold lets a test stop a request in its tracks.
type ghFleet struct {
	t     testing.TB
	srv   *httptest.Server
	fakes []*ghFake

	mu     sync.Mutex
	counts map[string]int // "client-N METHOD suffix" -> requests
	hold   func(repo int, r *http.Request) bool
	// answer, when set and it returns true, has answered a request in GitHub's place.
	answer func(repo int, w http.ResponseWriter, r *http.Request) bool
	held   chan struct{} // closed when a request is held
	heldR  *http.Request // the first request held
	free   chan struct{} // closing it lets held requests go
}

func newGitHubFleet(t testing.TB, n int) *ghFleet {
	t.Helper()
	fl := &ghFleet{t: t, counts: map[string]int{}, held: make(chan struct{}), free: make(chan struct{})}
	v1 := changeV1(t)
	for range n {
		fl.fakes = append(fl.fakes, newGitHubFake(t, v1))
	}
	heldOnce := sync.Once{}
	fl.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if path == "/api/v3/user" {
			fl.fakes[0].ServeHTTP(w, r)
			return
		}
		rest, ok := strings.CutPrefix(path, "/api/v3/repos/acme/client-")
		if !ok {
			fakegithub.WriteError(w, http.StatusNotFound, "Not Found")
			return
		}
		num, suffix, _ := strings.Cut(rest, "/")
		i, err := strconv.Atoi(num)
		if err != nil || i < 0 || i >= len(fl.fakes) {
			fakegithub.WriteError(w, http.StatusNotFound, "Not Found")
			return
		}
		fl.mu.Lock()
		hold, answer := fl.hold, fl.answer
		fl.mu.Unlock()
		if answer != nil && answer(i, w, r) {
			return
		}
		if hold != nil && hold(i, r) {
			// Read the body first: only then does the server watch the connection, and
			// cancel the request's context when its client dies.
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			heldOnce.Do(func() {
				fl.mu.Lock()
				fl.heldR = r
				fl.mu.Unlock()
				close(fl.held)
			})
			<-fl.free
			// A request whose client died while it was held never reached GitHub.
			if r.Context().Err() != nil {
				return
			}
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = ghPrefix + "/" + suffix
		r2.URL.RawPath = ""
		fl.fakes[i].ServeHTTP(w, r2)
		fl.mu.Lock()
		fl.counts[fmt.Sprintf("client-%d %s %s", i, r.Method, kindOf(suffix))]++
		fl.mu.Unlock()
	}))
	t.Cleanup(fl.srv.Close)
	t.Cleanup(fl.release)
	return fl
}

// kindOf names an API path by its kind, without ids: "pulls/7/reviews", "statuses".
func kindOf(suffix string) string {
	parts := strings.Split(suffix, "/")
	switch {
	case len(parts) >= 1 && parts[0] == "statuses":
		return "statuses"
	case len(parts) >= 2 && parts[0] == "issues" && parts[1] == "comments":
		return "issues/comments/ID"
	case len(parts) >= 2 && parts[0] == "git":
		return "git/trees"
	}
	return suffix
}

func (fl *ghFleet) release() {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	select {
	case <-fl.free:
	default:
		close(fl.free)
	}
}

func (fl *ghFleet) count(i int, method, kind string) int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.counts[fmt.Sprintf("client-%d %s %s", i, method, kind)]
}

// reviewed reports whether pull request i has its summary and status.
func (fl *ghFleet) reviewed(i int) bool {
	return fl.count(i, http.MethodPost, "statuses") > 0
}

func (fl *ghFleet) environ() []string {
	// The fake has no secondary rate limits: no need to pace writes a second apart.
	return []string{"REVIEWER_GITHUB_TOKEN=" + ghToken, "REVIEWER_GITHUB_BASE_URL=" + fl.srv.URL + "/api/v3/",
		"REVIEWER_GITHUB_WEBHOOK_SECRET=" + serveSecret, "REVIEWER_GITHUB_WRITE_INTERVAL=0s", "REVIEWER_SERVER_CLONES_MAX_MIB=0"}
}

// serveProc is a running `reviewer serve`.
type serveProc struct {
	t    testing.TB
	cmd  *exec.Cmd
	addr string
	logs *syncBuffer
	done chan struct{}
	err  error
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startServe runs `reviewer serve` on a free loopback port and waits until it serves.
func startServe(t testing.TB, environ []string) *serveProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "serve", "--listen", "127.0.0.1:0", "--log-level", "info")
	cmd.Env = append([]string{"REVIEWER_TEST_AS_COMMAND=1", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, environ...)
	cmd.Dir = t.TempDir()
	p := &serveProc{t: t, cmd: cmd, logs: &syncBuffer{}, done: make(chan struct{})}
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(p.logs, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		_ = pw.Close()
		close(p.done)
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sent := false
		for sc.Scan() {
			var line struct {
				Msg    string `json:"msg"`
				Listen string `json:"listen"`
			}
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				addr <- line.Listen
				sent = true
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		if t.Failed() || os.Getenv("SERVE_LOGS") != "" {
			t.Logf("reviewer serve (pid %d) logged:\n%s", cmd.Process.Pid, p.logs.String())
		}
		if strings.Contains(p.logs.String(), serveSecret) || strings.Contains(p.logs.String(), ghToken) {
			t.Error("a secret appears in the service's logs")
		}
	})
	select {
	case p.addr = <-addr:
	case <-p.done:
		t.Fatalf("reviewer serve exited before serving (%v):\n%s", p.err, p.logs.String())
	case <-time.After(patience(t)):
		t.Fatalf("reviewer serve did not start by the test's deadline:\n%s", p.logs.String())
	}
	return p
}

// stop sends sig and waits for the process to end.
func (p *serveProc) stop(sig syscall.Signal) error {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(patience(p.t)):
		p.t.Fatalf("reviewer serve did not stop by the test's deadline after %v:\n%s", sig, p.logs.String())
	}
	return p.err
}

// delivery is a signed pull_request webhook for acme/client-N#7 at head.
func delivery(t testing.TB, action string, repo int, head string) (body []byte, headers http.Header) {
	t.Helper()
	raw, err := os.ReadFile("testdata/serve/pull_request.synchronize.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("acme/client-%d", repo)
	ev["action"], ev["number"], ev["after"] = action, ghNumber, head
	delete(ev, "installation")
	ev["repository"].(map[string]any)["full_name"] = name
	pr := ev["pull_request"].(map[string]any)
	pr["number"], pr["draft"] = ghNumber, false
	pr["head"].(map[string]any)["sha"] = head
	if body, err = json.Marshal(ev); err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, []byte(serveSecret))
	mac.Write(body)
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	headers = http.Header{}
	headers.Set("Content-Type", "application/json")
	headers.Set("X-GitHub-Event", "pull_request")
	headers.Set("X-GitHub-Delivery", hex.EncodeToString(id))
	headers.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	return body, headers
}

// deliver posts a delivery and returns the status code.
func deliver(t testing.TB, addr string, body []byte, headers http.Header) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/webhooks/github", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = headers
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// patience bounds a wait for something that must happen: the time the test binary has
// left before its -timeout, less a tenth to report the failure (10 minutes for a
// benchmark). A loaded machine makes a test slow, never failing.
func patience(t testing.TB) time.Duration {
	t.Helper()
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok {
			left := time.Until(d)
			return left - left/10
		}
	}
	return 10 * time.Minute
}

// deliverAsForge posts a delivery as a forge that honours Retry-After would: a 503 (the
// service could not store the job in time, as under this machine's load it may not) is
// posted again once the wait it names is over, until the test's deadline. It returns
// the last status code and how many 503s came before it.
func deliverAsForge(t testing.TB, addr string, body []byte, headers http.Header) (code, refused int) {
	t.Helper()
	deadline := time.Now().Add(patience(t))
	for {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+addr+"/webhooks/github", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = headers
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		wait, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusServiceUnavailable || err != nil || time.Now().Add(time.Duration(wait)*time.Second).After(deadline) {
			return resp.StatusCode, refused
		}
		refused++
		t.Logf("delivery %s: 503, Retry-After %ds: posting it again then", headers.Get("X-GitHub-Delivery"), wait)
		select {
		case <-time.After(time.Duration(wait) * time.Second):
		case <-t.Context().Done():
			return resp.StatusCode, refused
		}
	}
}

// waitFor waits until cond holds, or fails at the test's deadline. cond reads the state
// of another process (its logs, its metrics, what it did to the fake forges), which
// sends no events, so it is read again every 50 ms: the interval sets how soon the
// test goes on, never whether it passes.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(patience(t))
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not by the test's deadline", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// queueSettled waits until the service's queue (the database, read at each scrape of
// /metrics) holds no unfinished job, so that no job can run any more, and returns the
// number of jobs in each state.
func queueSettled(t testing.TB, addr string) map[string]int {
	t.Helper()
	var depth map[string]int
	waitFor(t, "no unfinished job in the queue", func() bool {
		depth = map[string]int{}
		for _, s := range []string{"available", "scheduled", "pending", "running", "retryable", "completed", "cancelled", "discarded"} {
			n, err := strconv.Atoi(metric(t, addr, `reviewer_queue_jobs{state="`+s+`"}`))
			if err != nil {
				return false // not scraped yet
			}
			depth[s] = n
		}
		return depth["available"]+depth["scheduled"]+depth["pending"]+depth["running"]+depth["retryable"] == 0
	})
	return depth
}

// quickQueue is the configuration of a test service: no debounce, fast polling.
func quickQueue(url string) []string {
	return []string{"REVIEWER_QUEUE_URL=" + url, "REVIEWER_QUEUE_DEBOUNCE=0s", "REVIEWER_QUEUE_POLL_INTERVAL=100ms"}
}

func TestServeRefusesToStartUnsigned(t *testing.T) {
	t.Parallel()
	r := runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_URL=sqlite://" + filepath.Join(t.TempDir(), "q.db")}, "serve", "--listen", "127.0.0.1:0")
	if r.code != exitUsage || !strings.Contains(r.stderr, "needs github.webhook_secret") {
		t.Errorf("exit %d, stderr %q; want 2 and a word on the webhook secrets", r.code, r.stderr)
	}
}

// A review that is acknowledged survives its process being killed mid-review: the job is
// rescued by the next start and finished, and nothing is posted twice.
func TestServeSurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 3)
	// The first review is killed after it posted its comments and summary, on its way
	// to the status.
	fl.hold = func(repo int, r *http.Request) bool {
		return repo == 0 && r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/statuses/")
	}
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(fl.environ(), quickQueue(db)...)
	environ = append(environ, "REVIEWER_QUEUE_WORKERS=1", "REVIEWER_QUEUE_JOB_TIMEOUT=2s", "REVIEWER_QUEUE_RESCUE_AFTER=3s")
	p := startServe(t, environ)

	// A bad signature is refused, and nothing is queued for it.
	body, headers := delivery(t, "opened", 2, shaHead1)
	headers.Set("X-Hub-Signature-256", "sha256="+strings.Repeat("0", 64))
	if code := deliver(t, p.addr, body, headers); code != http.StatusUnauthorized {
		t.Fatalf("a bad signature got %d, want 401", code)
	}
	for i := range 2 {
		body, headers := delivery(t, "opened", i, shaHead1)
		if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
			t.Fatalf("delivery %d: %d, want 202", i, code)
		}
	}
	select {
	case <-fl.held:
	case <-time.After(patience(t)):
		t.Fatalf("the first review never reached its status:\n%s", p.logs.String())
	}
	if fl.count(0, http.MethodPost, "pulls/7/reviews") != 1 {
		t.Fatalf("the first review posted %d reviews before the kill, want 1", fl.count(0, http.MethodPost, "pulls/7/reviews"))
	}
	_ = p.stop(syscall.SIGKILL)
	// The server notices the dead client by the closed connection; only then let go.
	fl.mu.Lock()
	held := fl.heldR
	fl.mu.Unlock()
	select {
	case <-held.Context().Done():
	case <-time.After(patience(t)):
		t.Fatal("the held request outlived its killed client")
	}
	fl.release()
	if fl.reviewed(0) {
		t.Fatal("the killed review's status reached the forge")
	}

	// The next start finishes both: the killed one once River rescues it.
	startServe(t, environ)
	waitFor(t, "both changes reviewed after the restart", func() bool { return fl.reviewed(0) && fl.reviewed(1) })
	for i := range 2 {
		if n := fl.count(i, http.MethodPost, "pulls/7/reviews"); n != 1 {
			t.Errorf("client-%d: %d reviews posted, want 1", i, n)
		}
		if n := fl.count(i, http.MethodPost, "issues/7/comments"); n != 1 {
			t.Errorf("client-%d: %d summaries created, want 1", i, n)
		}
		comments, _, _, _ := fl.fakes[i].snapshot()
		if len(comments) != 2 {
			t.Errorf("client-%d: %d inline comments, want 2 (one per pattern finding)", i, len(comments))
		}
	}
	if fl.reviewed(2) {
		t.Error("client-2, whose delivery was refused, was reviewed")
	}
}

// A burst of pushes to one change costs one review, of the newest head.
func TestServeBurstReviewsNewestHead(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	fl.fakes[0].push(changeV2(t))
	fl.fakes[0].push(changeV3(t))
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(fl.environ(), "REVIEWER_QUEUE_URL="+db, "REVIEWER_QUEUE_DEBOUNCE=1s", "REVIEWER_QUEUE_POLL_INTERVAL=100ms")
	// On a loaded machine the burst can outlast the debounce, and a job start before the
	// next push comes: it is then cancelled while it waits on GitHub, which holds every
	// request until the burst is in and the superseded jobs are cancelled.
	fl.hold = func(int, *http.Request) bool { return true }
	p := startServe(t, environ)
	heads := []string{shaHead1, shaHead2, strings.Repeat("a", 40), strings.Repeat("b", 40), shaHead3}
	for i, h := range heads {
		action := "synchronize"
		if i == 0 {
			action = "opened"
		}
		body, headers := delivery(t, action, 0, h)
		if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
			t.Fatalf("push %d: %d, want 202", i, code)
		}
	}
	waitFor(t, "the superseded jobs cancelled", func() bool {
		return metric(t, p.addr, `reviewer_queue_jobs{state="cancelled"}`) == strconv.Itoa(len(heads)-1)
	})
	fl.release()
	waitFor(t, "the newest head reviewed", func() bool { return fl.reviewed(0) })
	// Once no job is left to run, a superseded job that had not been cancelled would
	// have run.
	if depth := queueSettled(t, p.addr); depth["completed"] != 1 || depth["cancelled"] != len(heads)-1 {
		t.Errorf("queue %v, want one job completed and the %d superseded ones cancelled", depth, len(heads)-1)
	}
	_, reviews, issue, statuses := fl.fakes[0].snapshot()
	if len(statuses) != 1 || statuses[0].SHA != shaHead3 {
		t.Errorf("statuses %+v, want one, on the newest head %s", statuses, shaHead3)
	}
	if len(issue) != 1 || !strings.Contains(issue[0].Body, "reviewer:summary head="+shaHead3) {
		t.Errorf("%d summaries; want one, naming %s", len(issue), shaHead3)
	}
	if n := fl.count(0, http.MethodGet, "pulls/7"); n > 4 {
		t.Errorf("%d reads of the pull request: superseded heads were reviewed too", n)
	}
	if len(reviews) != 1 {
		t.Errorf("%d reviews posted, want one: superseded heads were reviewed too", len(reviews))
	}
	if n := strings.Count(p.logs.String(), `"msg":"review done"`); n != 1 {
		t.Errorf("%d reviews done, want one: superseded heads were reviewed too", n)
	}
}

// Two replicas on one PostgreSQL review 200 changes, each exactly once.
func TestServeTwoReplicasOnPostgres(t *testing.T) {
	t.Parallel()
	const changes = 200
	fl := newGitHubFleet(t, changes)
	environ := append(fl.environ(), quickQueue(pgtest.URL(t))...)
	environ = append(environ, "REVIEWER_QUEUE_WORKERS=8")
	replicas := []*serveProc{startServe(t, environ), startServe(t, environ)}
	var (
		wg      sync.WaitGroup
		refused atomic.Int64
	)
	errs := make(chan string, changes)
	for i := range changes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, headers := delivery(t, "opened", i, shaHead1)
			p := replicas[i%2]
			// 400 deliveries at once may take longer to store than the service gives
			// one (webhook.DefaultEnqueueTimeout) on a loaded machine: its answer is then
			// 503 with Retry-After, which a forge honours, and so does this client.
			code, n := deliverAsForge(t, p.addr, body, headers)
			refused.Add(int64(n))
			if code != http.StatusAccepted {
				errs <- fmt.Sprintf("change %d: %d", i, code)
				return
			}
			// The same delivery to the other replica is a duplicate: no second job.
			code, n = deliverAsForge(t, replicas[(i+1)%2].addr, body, headers)
			refused.Add(int64(n))
			if code != http.StatusAccepted {
				errs <- fmt.Sprintf("change %d redelivered: %d", i, code)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := refused.Load(); n > 0 {
		t.Logf("%d deliveries were answered 503 and posted again after Retry-After", n)
	}
	waitFor(t, "every change reviewed", func() bool {
		for i := range changes {
			if !fl.reviewed(i) {
				return false
			}
		}
		return true
	})
	// The replicas share the database: once it holds no unfinished job, no second
	// review of a change can start.
	if depth := queueSettled(t, replicas[0].addr); depth["completed"] != changes {
		t.Errorf("queue %v, want %d jobs completed", depth, changes)
	}
	worked := map[int]int{}
	for i := range changes {
		if n := fl.count(i, http.MethodPost, "statuses"); n != 1 {
			t.Errorf("client-%d: %d statuses set, want 1 (one review)", i, n)
		}
		if n := fl.count(i, http.MethodPost, "issues/7/comments"); n != 1 {
			t.Errorf("client-%d: %d summaries created, want 1", i, n)
		}
	}
	// A line the service wrote before its job ended may still be on its way through
	// the pipe to p.logs.
	waitFor(t, "every review logged", func() bool {
		for r, p := range replicas {
			worked[r] = strings.Count(p.logs.String(), `"msg":"reviewed"`)
		}
		return worked[0]+worked[1] >= changes
	})
	if worked[0]+worked[1] != changes || worked[0] == 0 || worked[1] == 0 {
		t.Errorf("replicas reviewed %d and %d changes; want %d in all, shared", worked[0], worked[1], changes)
	}
}

// SIGTERM lets the running review finish and exits cleanly.
func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	fl.hold = func(_ int, r *http.Request) bool {
		return r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/statuses/")
	}
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(fl.environ(), quickQueue(db)...))
	body, headers := delivery(t, "opened", 0, shaHead1)
	if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
		t.Fatalf("delivery: %d, want 202", code)
	}
	select {
	case <-fl.held:
	case <-time.After(patience(t)):
		t.Fatalf("the review never reached its status:\n%s", p.logs.String())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The review goes on only once the service has begun to shut down.
	waitFor(t, "the service shutting down", func() bool {
		return strings.Contains(p.logs.String(), `"msg":"shutting down: no new deliveries; running reviews may finish"`)
	})
	fl.release()
	if err := p.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("reviewer serve exited with %v after SIGTERM, want 0", err)
	}
	_, _, _, statuses := fl.fakes[0].snapshot()
	if len(statuses) != 1 {
		t.Errorf("%d statuses: the running review did not finish", len(statuses))
	}
}

// A GitLab merge request hook, verified by its token, is reviewed on the merge request,
// and /metrics counts the delivery and the review.
func TestServeGitLab(t *testing.T) {
	t.Parallel()
	f := newGitLabFake(t, changeV1(t))
	const token = "gitlab-hook-token-that-must-not-leak"
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(quickQueue(db), "REVIEWER_GITLAB_TOKEN="+glToken, "REVIEWER_GITLAB_BASE_URL="+f.URL(),
		"REVIEWER_GITLAB_WEBHOOK_SECRET="+token, "REVIEWER_SERVER_CLONES_MAX_MIB=0"))

	raw, err := os.ReadFile("testdata/serve/merge_request.open.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["project"].(map[string]any)["path_with_namespace"] = glProject
	attrs := ev["object_attributes"].(map[string]any)
	attrs["iid"] = glIID
	attrs["last_commit"].(map[string]any)["id"] = shaHead1
	body, _ := json.Marshal(ev)
	headers := http.Header{}
	headers.Set("Content-Type", "application/json")
	headers.Set("X-Gitlab-Event", "Merge Request Hook")
	headers.Set("X-Gitlab-Token", "wrong")
	headers.Set("Idempotency-Key", "f5e5f430-f57b-4e6e-9fac-d9128cd7232f")
	post := func() int {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+p.addr+"/webhooks/gitlab", bytes.NewReader(body))
		req.Header = headers
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(); code != http.StatusUnauthorized {
		t.Fatalf("a wrong token got %d, want 401", code)
	}
	headers.Set("X-Gitlab-Token", token)
	if code := post(); code != http.StatusAccepted {
		t.Fatalf("the hook got %d, want 202", code)
	}
	waitFor(t, "the merge request reviewed", func() bool { return len(f.snapshot().Statuses) > 0 })
	threads := 0
	for _, d := range f.snapshot().Discussions {
		if !d.Individual {
			threads++
		}
	}
	if threads != 2 {
		t.Errorf("%d threads, want 2 (the pattern findings)", threads)
	}

	// River records a job's completion a moment after its handler returns.
	var metrics []byte
	waitFor(t, "the job counted completed", func() bool {
		resp, err := http.Get("http://" + p.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return strings.Contains(string(metrics), `reviewer_queue_jobs{state="completed"} 1`)
	})
	for _, want := range []string{
		`reviewer_webhook_deliveries_total{event="merge_request",forge="gitlab",outcome="queued"} 1`,
		`reviewer_webhook_deliveries_total{event="merge_request",forge="gitlab",outcome="unauthorized"} 1`,
		`reviewer_reviews_total{forge="gitlab",outcome="reviewed"} 1`,
		`reviewer_findings_total{severity="error",source="pattern"}`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, err := http.Get("http://" + p.addr + path)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d, want 200", path, resp.StatusCode)
		}
	}
}

// The model's answers are cached in the queue's database (which replicas share): a second
// change with the same code asks the gateway nothing.
func TestServeSharesModelCache(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 2)
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	environ := append(append(fl.environ(), quickQueue(db)...), gatewayEnv(newModelGateway(t, e2eModelFindings))...)
	p := startServe(t, environ)
	requests := func() string {
		resp, err := http.Get("http://" + p.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "reviewer_model_requests_total "); ok {
				return v
			}
		}
		return ""
	}
	for i := range 2 {
		body, headers := delivery(t, "opened", i, shaHead1)
		if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
			t.Fatalf("delivery %d: %d, want 202", i, code)
		}
		// The status reaches the forge before the worker counts the review's model
		// requests: wait for the review's end, which the worker counts after them.
		waitFor(t, fmt.Sprintf("client-%d reviewed", i), func() bool {
			return fl.reviewed(i) && metric(t, p.addr, `reviewer_reviews_total{forge="github",outcome="reviewed"}`) == strconv.Itoa(i+1)
		})
		// One review request and one verification request, both cached for the second.
		if got := requests(); got != "2" {
			t.Errorf("after client-%d: %s model requests, want 2 in all", i, got)
		}
		comments, _, _, _ := fl.fakes[i].snapshot()
		if len(comments) != 5 {
			t.Errorf("client-%d: %d comments, want 5 (2 pattern, 3 from the model)", i, len(comments))
		}
	}
}

// A delivery of an older head that arrives after a newer one (a late redelivery)
// supersedes the newer one's job in the queue; its review then reviews the head the
// forge reports, so the newer head is still reviewed.
func TestServeOutOfOrderHeads(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	fl.fakes[0].push(changeV2(t))
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(fl.environ(), "REVIEWER_QUEUE_URL="+db, "REVIEWER_QUEUE_DEBOUNCE=1s", "REVIEWER_QUEUE_POLL_INTERVAL=100ms"))
	for _, h := range []string{shaHead2, shaHead1} {
		body, headers := delivery(t, "synchronize", 0, h)
		if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
			t.Fatalf("push %s: %d, want 202", h[:7], code)
		}
	}
	waitFor(t, "the change reviewed", func() bool { return fl.reviewed(0) })
	_, _, issue, statuses := fl.fakes[0].snapshot()
	if len(statuses) != 1 || statuses[0].SHA != shaHead2 {
		t.Errorf("statuses %+v, want one, on the forge's head %s", statuses, shaHead2)
	}
	if len(issue) != 1 || !strings.Contains(issue[0].Body, "reviewer:summary head="+shaHead2) {
		t.Errorf("%d summaries; want one, naming %s", len(issue), shaHead2)
	}
}

// A change the forge does not know is a permanent failure: tried once, counted, not
// retried.
func TestServePermanentFailure(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(fl.environ(), quickQueue(db)...))
	body, headers := delivery(t, "opened", 5, shaHead1) // acme/client-5: the fleet has no such repository
	if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
		t.Fatalf("delivery: %d, want 202", code)
	}
	waitFor(t, "the failure logged", func() bool {
		return strings.Contains(p.logs.String(), `"msg":"review failed; not retried"`)
	})
	// Had the job been retried, it would not be finished: once the queue holds no
	// unfinished job, its one attempt is all there will be.
	if depth := queueSettled(t, p.addr); depth["cancelled"] != 1 {
		t.Errorf("queue %v, want the job cancelled (not retried)", depth)
	}
	logs := p.logs.String()
	if n := strings.Count(logs, `"msg":"review failed`); n != 1 {
		t.Errorf("%d failures logged, want 1 (not retried)", n)
	}
	if !strings.Contains(logs, `"kind":"forge"`) {
		t.Error("the failure is not logged as the forge's")
	}
	resp, err := http.Get("http://" + p.addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	for _, want := range []string{`reviewer_reviews_total{forge="github",outcome="failed"} 1`, `reviewer_errors_total{kind="forge"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics has no %s", want)
		}
	}
}

// A primary rate limit that lifts in an hour is waited out: the job is not retried on the
// backoff's schedule, a second later, only to meet the limit again.
func TestServeWaitsOutRateLimit(t *testing.T) {
	t.Parallel()
	fl := newGitHubFleet(t, 1)
	var reads atomic.Int64
	fl.answer = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		if r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/pulls/7") {
			return false
		}
		reads.Add(1)
		w.Header().Set("X-RateLimit-Limit", "5000")
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))
		w.Header().Set("X-RateLimit-Resource", "core")
		fakegithub.WriteError(w, http.StatusForbidden, "API rate limit exceeded for user ID 1.")
		return true
	}
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(fl.environ(), quickQueue(db)...))
	body, headers := delivery(t, "opened", 0, shaHead1)
	if code := deliver(t, p.addr, body, headers); code != http.StatusAccepted {
		t.Fatalf("delivery: %d, want 202", code)
	}
	waitFor(t, "the rate limit logged", func() bool {
		return strings.Contains(p.logs.String(), `"msg":"rate limited; the review waits until the limit lifts"`)
	})
	// River's backoff would put the job back as retryable, due in about a second; the
	// wait for the limit leaves it scheduled for when the limit lifts (an hour away,
	// bounded to ten minutes), which no test lives to see. (A second attempt would not
	// even reach the fake: go-github refuses locally until the reset.)
	waitFor(t, "the job waiting for the limit", func() bool {
		return metric(t, p.addr, `reviewer_queue_jobs{state="scheduled"}`) == "1"
	})
	for _, s := range []string{"available", "running", "retryable", "completed"} {
		if n := metric(t, p.addr, `reviewer_queue_jobs{state="`+s+`"}`); n != "0" {
			t.Errorf("%s jobs: %s, want 0 (the job waits, scheduled)", s, n)
		}
	}
	if strings.Contains(p.logs.String(), `"attempt":2`) || reads.Load() != 1 {
		t.Errorf("the job was tried again (%d reads) before the limit lifts", reads.Load())
	}
}

// A /review note on GitLab carries no role: the service asks GitLab, and reviews only for
// a member who may change the code (Developer or more).
func TestServeGitLabReviewCommand(t *testing.T) {
	t.Parallel()
	f := newGitLabFake(t, changeV1(t))
	f.SetMember(101, 20) // a Reporter
	f.SetMember(102, 30) // and a Developer
	const token = "gitlab-hook-token-that-must-not-leak"
	db := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	p := startServe(t, append(quickQueue(db), "REVIEWER_GITLAB_TOKEN="+glToken, "REVIEWER_GITLAB_BASE_URL="+f.URL(),
		"REVIEWER_GITLAB_WEBHOOK_SECRET="+token, "REVIEWER_SERVER_CLONES_MAX_MIB=0"))
	raw, err := os.ReadFile("testdata/serve/note.merge_request.json")
	if err != nil {
		t.Fatal(err)
	}
	note := func(user int) int {
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		ev["project"].(map[string]any)["path_with_namespace"] = glProject
		ev["object_attributes"].(map[string]any)["note"] = "/review"
		ev["user"].(map[string]any)["id"] = user
		ev["user"].(map[string]any)["username"] = fmt.Sprintf("user%d", user)
		mr := ev["merge_request"].(map[string]any)
		mr["iid"] = glIID
		mr["last_commit"].(map[string]any)["id"] = shaHead1
		body, _ := json.Marshal(ev)
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+p.addr+"/webhooks/gitlab", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Gitlab-Event", "Note Hook")
		req.Header.Set("X-Gitlab-Token", token)
		req.Header.Set("Idempotency-Key", fmt.Sprintf("note-%d", user))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}

	if code := note(101); code != http.StatusAccepted {
		t.Fatalf("the Reporter's note: %d, want 202", code)
	}
	waitFor(t, "the Reporter refused", func() bool {
		return strings.Contains(p.logs.String(), `"msg":"refused: the user who asked may not change the code"`)
	})
	if n := len(f.snapshot().Statuses); n != 0 {
		t.Fatalf("%d statuses after the Reporter's /review, want none", n)
	}
	// River records the refused job's end a moment after; until then a second /review
	// of the same head would join it.
	waitFor(t, "the refused job finished", func() bool {
		resp, err := http.Get("http://" + p.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		m, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return strings.Contains(string(m), `reviewer_queue_jobs{state="completed"} 1`)
	})
	if code := note(102); code != http.StatusAccepted {
		t.Fatalf("the Developer's note: %d, want 202", code)
	}
	waitFor(t, "the Developer's review", func() bool { return len(f.snapshot().Statuses) > 0 })
}
