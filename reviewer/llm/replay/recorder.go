package replay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
)

// Options configure a Recorder or a Player.
type Options struct {
	// BasePath is the path of the gateway's base URL (/v1 of http://host/v1): request
	// paths are keyed and stored relative to it.
	BasePath string
}

// Recorder is an http.RoundTripper that sends each request on and stores the exchange in
// a directory. It is safe for concurrent use.
//
// Answers that only say "not now" (408, 409, 429 and 5xx) are not stored: the client asks
// again, and the answer it ends up with is the one a replay should give. A request asked
// again with the same body (a retry, or a fresh try after an invalid answer) keeps the last
// answer stored. Failures to store do not fail the request; Err reports them.
type Recorder struct {
	dir  string
	next http.RoundTripper
	opts Options

	mu   sync.Mutex
	errs []error
	n    int
}

var _ http.RoundTripper = (*Recorder)(nil)

// NewRecorder returns a Recorder that stores exchanges in dir, making it if need be, and
// sends requests through next (http.DefaultTransport when nil).
func NewRecorder(dir string, next http.RoundTripper, opts Options) (*Recorder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if next == nil {
		next = http.DefaultTransport
	}
	return &Recorder{dir: dir, next: next, opts: opts}, nil
}

// RoundTrip implements http.RoundTripper.
func (r *Recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	out := req.Clone(req.Context())
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	resp, err := r.next.RoundTrip(out)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	if err != nil {
		// The caller sees the broken body as it would have; nothing is stored.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(respBody), errReader{err}))
		return resp, nil
	}
	if transient(resp.StatusCode) {
		return resp, nil
	}
	path := relPath(req.URL, r.opts.BasePath)
	key := Key(req.Method, path, body)
	e := newEntry(key, req.Method, path, body, resp.StatusCode, respBody)
	if err := r.store(&e); err != nil {
		r.mu.Lock()
		r.errs = append(r.errs, err)
		r.mu.Unlock()
	}
	return resp, nil
}

// store writes the entry to its file through a temporary file, so that a reader never
// sees half an entry.
func (r *Recorder) store(e *Entry) error {
	data, err := e.encode()
	if err != nil {
		return fmt.Errorf("record %s: %w", e.Key, err)
	}
	tmp, err := os.CreateTemp(r.dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("record %s: %w", e.Key, err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(r.dir, e.Key+".json")) //nolint:gosec // the key is hex digits of a hash
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("record %s: %w", e.Key, err)
	}
	r.mu.Lock()
	r.n++
	r.mu.Unlock()
	return nil
}

// Recorded counts the exchanges stored so far (a request stored twice counts twice).
func (r *Recorder) Recorded() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// Err reports the exchanges that could not be stored: a recording with holes would fail
// its replay, so the run that made it should fail too.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// transient reports the statuses that say "not now" rather than answer the request.
func transient(status int) bool {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooManyRequests, status >= 500:
		return true
	}
	return false
}

// readBody reads and closes a request's body, as a RoundTripper must.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer func() { _ = req.Body.Close() }()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return body, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
