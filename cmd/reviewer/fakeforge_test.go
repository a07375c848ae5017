package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeRequest is one request a fake forge received.
type fakeRequest struct {
	method, path string // path as sent, escaped
	query        url.Values
	body         map[string]any
}

func (r fakeRequest) String() string {
	s := r.method + " " + r.path
	if len(r.query) > 0 {
		s += "?" + r.query.Encode()
	}
	return s
}

// fakeLog is the request log and the list of problems a fake forge found with the
// requests (undocumented parameters, wrong token, positions the forge would refuse). A
// problem fails the test when it ends.
type fakeLog struct {
	mu       sync.Mutex
	reqs     []fakeRequest
	problems []string
}

func (l *fakeLog) record(r fakeRequest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

func (l *fakeLog) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.problems = append(l.problems, fmt.Sprintf(format, args...))
}

// mark returns how many requests were received so far, for since.
func (l *fakeLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.reqs)
}

// since returns the requests received after mark.
func (l *fakeLog) since(mark int) []fakeRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.reqs[mark:])
}

func (l *fakeLog) report(t testing.TB) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.problems {
		t.Errorf("fake forge: %s", p)
	}
}

// readBody reads a request's JSON body, if any, into req.
func (l *fakeLog) readBody(r *http.Request, req *fakeRequest) {
	raw, _ := io.ReadAll(r.Body)
	if len(raw) == 0 {
		return
	}
	if err := json.Unmarshal(raw, &req.body); err != nil {
		l.problem("%s: body is not a JSON object: %v: %s", req, err, raw)
	}
}

// checkParams reports query parameters and body fields an endpoint does not document, and
// documented required body fields that are missing.
func (l *fakeLog) checkParams(req fakeRequest, query, fields, required []string) {
	for k := range req.query {
		if !slices.Contains(query, k) {
			l.problem("%s: undocumented query parameter %q", req, k)
		}
	}
	for k := range req.body {
		if !slices.Contains(fields, k) {
			l.problem("%s: undocumented body field %q", req, k)
		}
	}
	for _, k := range required {
		if _, ok := req.body[k]; !ok {
			l.problem("%s: required body field %q missing", req, k)
		}
	}
}

// filter returns the requests with the given method whose path ends with suffix.
func filter(reqs []fakeRequest, method, suffix string) []fakeRequest {
	var out []fakeRequest
	for _, r := range reqs {
		if r.method == method && strings.HasSuffix(r.path, suffix) {
			out = append(out, r)
		}
	}
	return out
}

// writes returns the requests that change something on the forge.
func writes(reqs []fakeRequest) []string {
	var out []string
	for _, r := range reqs {
		if r.method != http.MethodGet {
			out = append(out, r.method+" "+r.path)
		}
	}
	return out
}

// readForgeFixture decodes a JSON fixture of testdata/forge/.
func readForgeFixture(t testing.TB, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "forge", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// cloneJSON deep-copies a decoded JSON value, so a fixture template can be adjusted per answer.
func cloneJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = cloneJSON(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = cloneJSON(x)
		}
		return s
	}
	return v
}

func cloneObject(m map[string]any) map[string]any { return cloneJSON(m).(map[string]any) }

func writeFakeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// pageOf returns the page and page size a list request asks for.
func pageOf(q url.Values, defaultPer int) (page, per int) {
	page, _ = strconv.Atoi(q.Get("page"))
	per, _ = strconv.Atoi(q.Get("per_page"))
	if page < 1 {
		page = 1
	}
	if per < 1 {
		per = defaultPer
	}
	return page, per
}

// pageSlice cuts one page out of items and says whether another follows.
func pageSlice[T any](items []T, page, per int) ([]T, bool) {
	lo := min((page-1)*per, len(items))
	hi := min(lo+per, len(items))
	return items[lo:hi], hi < len(items)
}

// number reads a JSON number as an int.
func number(v any) (int, bool) {
	f, ok := v.(float64)
	return int(f), ok
}
