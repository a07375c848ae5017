package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// MissStatus is the status of the answer to a request the recording does not hold. The
// model client retries none of 400, does not take it for a missing model (which would
// ask a fallback model) and, as long as the message does not mention the response
// format, does not ask again in another format: a miss costs exactly one request.
const MissStatus = http.StatusBadRequest

// MissCode is the error code of a miss's answer, {"error": {"code": "replay_miss"}}.
const MissCode = "replay_miss"

// Player is an http.RoundTripper that answers from a recording and sends nothing. It is
// safe for concurrent use.
type Player struct {
	dir     string
	opts    Options
	entries map[string]*Entry

	mu     sync.Mutex
	misses []Miss
	played int
}

var _ http.RoundTripper = (*Player)(nil)

// NewPlayer reads the recording in dir. A missing directory, or a file in it that is not
// a valid entry, is an error.
func NewPlayer(dir string, opts Options) (*Player, error) {
	entries, err := readDir(dir)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &Player{dir: dir, opts: opts, entries: entries}, nil
}

// Miss is a request the recording had no answer for.
type Miss struct {
	Key    string
	Method string
	Path   string
	// Model is the model the request asked for.
	Model string
	// Excerpt holds the first lines of the request's last user message, so that a person
	// can tell which prompt it was.
	Excerpt []string
}

// String describes the miss on one line.
func (m Miss) String() string {
	s := fmt.Sprintf("request %s (%s %s", m.Key, m.Method, m.Path)
	if m.Model != "" {
		s += ", model " + m.Model
	}
	return s + ")"
}

// RoundTrip implements http.RoundTripper.
func (p *Player) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	path := relPath(req.URL, p.opts.BasePath)
	key := Key(req.Method, path, body)
	if e, ok := p.entries[key]; ok {
		p.mu.Lock()
		p.played++
		p.mu.Unlock()
		ct := "application/json"
		if e.Response == nil {
			ct = "text/plain; charset=utf-8"
		}
		return response(req, e.Status, ct, e.responseBody()), nil
	}
	m := Miss{Key: key, Method: req.Method, Path: path, Model: modelOf(body), Excerpt: excerpt(body)}
	p.mu.Lock()
	p.misses = append(p.misses, m)
	p.mu.Unlock()
	msg := fmt.Sprintf("replay: no recorded answer for request %s (model %s)", key, m.Model)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{
		"message": msg, "type": "invalid_request_error", "param": nil, "code": MissCode,
	}})
	return response(req, MissStatus, "application/json", b), nil
}

// Misses returns the requests not found so far, in the order they came.
func (p *Player) Misses() []Miss {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.misses)
}

// Played counts the requests answered from the recording.
func (p *Player) Played() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.played
}

// Len is the number of recorded exchanges.
func (p *Player) Len() int { return len(p.entries) }

// Models lists the models the recorded requests asked for, sorted.
func (p *Player) Models() []string {
	var out []string
	for _, e := range p.entries {
		if e.Model != "" && !slices.Contains(out, e.Model) {
			out = append(out, e.Model)
		}
	}
	slices.Sort(out)
	return out
}

func response(req *http.Request, status int, contentType string, body []byte) *http.Response {
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {contentType}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// Bounds of a miss's excerpt.
const (
	excerptLines   = 8
	excerptLineLen = 120
)

// excerpt returns the first non-blank lines of the request's last user message.
func excerpt(body []byte) []string {
	var req struct {
		Messages []struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		} `json:"messages"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil
	}
	content := ""
	for _, m := range req.Messages {
		if m.Role == "user" {
			if s, ok := m.Content.(string); ok {
				content = s
			}
		}
	}
	var out []string
	for line := range strings.Lines(content) {
		line = strings.TrimRight(line, "\r\n")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if utf8.RuneCountInString(line) > excerptLineLen {
			line = string([]rune(line)[:excerptLineLen]) + "…"
		}
		out = append(out, line)
		if len(out) == excerptLines {
			break
		}
	}
	return out
}
