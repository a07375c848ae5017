package fakeforge

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// Request is one request a fake forge received.
type Request struct {
	// Endpoint names the endpoint of the fake that answered, "" for none.
	Endpoint     string
	Method, Path string // Path as sent, escaped
	Query        url.Values
	// Body is the decoded JSON object of the body, nil when there is none; Raw is the body
	// as sent.
	Body   map[string]any
	Raw    []byte
	Header http.Header
}

func (r Request) String() string {
	s := r.Method + " " + r.Path
	if len(r.Query) > 0 {
		s += "?" + r.Query.Encode()
	}
	return s
}

// Log is the request log and the list of problems a fake forge found with the requests
// (undocumented parameters, wrong token, positions the forge would refuse). Report fails
// the test with every problem.
type Log struct {
	mu       sync.Mutex
	reqs     []Request
	problems []string
}

// Read reads r's body into a Request, and reports a body that is not a JSON object.
// It leaves r's body readable again.
func (l *Log) Read(r *http.Request) Request {
	req := Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: r.Header.Clone()}
	raw, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(raw)))
	req.Raw = raw
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req.Body); err != nil {
			l.Problem("%s: body is not a JSON object: %v: %s", req, err, raw)
		}
	}
	return req
}

// Record adds r to the log.
func (l *Log) Record(r Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

// Problem notes a problem, which fails the test at Report.
func (l *Log) Problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// Mark returns how many requests were received so far, for Since.
func (l *Log) Mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

// Since returns the requests received after mark.
func (l *Log) Since(mark int) []Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs[mark:])
}

// All returns every request received.
func (l *Log) All() []Request { return l.Since(0) }

// TakeProblems returns the problems noted so far and forgets them.
func (l *Log) TakeProblems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.problems
	l.problems = nil
	return out
}

// Report fails t with every problem noted.
func (l *Log) Report(t testing.TB) {
	t.Helper()
	for _, p := range l.TakeProblems() {
		t.Errorf("fake forge: %s", p)
	}
}

// CheckParams notes query parameters and body fields an endpoint does not document, and
// documented required body fields that are missing.
func (l *Log) CheckParams(req Request, query, fields, required []string) {
	for k := range req.Query {
		if !slices.Contains(query, k) {
			l.Problem("%s: undocumented query parameter %q", req, k)
		}
	}
	for k := range req.Body {
		if !slices.Contains(fields, k) {
			l.Problem("%s: undocumented body field %q", req, k)
		}
	}
	for _, k := range required {
		if _, ok := req.Body[k]; !ok {
			l.Problem("%s: required body field %q missing", req, k)
		}
	}
}

// Filter returns the requests with the given method whose path ends with suffix.
func Filter(reqs []Request, method, suffix string) []Request {
	var out []Request
	for _, r := range reqs {
		if r.Method == method && strings.HasSuffix(r.Path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// Writes returns the requests that change something on the forge, as "METHOD /path".
func Writes(reqs []Request) []string {
	var out []string
	for _, r := range reqs {
		if r.Method != http.MethodGet {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}
