package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Entry is one recorded request and the gateway's answer, stored as KEY.json in the
// recording's directory. JSON bodies are stored as JSON, so that a person can read the
// prompt and the answer (and edit the answer); other bodies as text. No header is stored.
type Entry struct {
	// Key is the request's Key; the file is named after it.
	Key    string `json:"key"`
	Method string `json:"method"`
	// Path is relative to the gateway's base URL: /chat/completions.
	Path string `json:"path"`
	// Model is the request body's model, for people and for Player.Models.
	Model string `json:"model,omitempty"`
	// Request is the JSON request body; RequestText holds a body that is not JSON.
	Request     json.RawMessage `json:"request,omitempty"`
	RequestText string          `json:"request_text,omitempty"`
	// Status is the answer's HTTP status.
	Status int `json:"status"`
	// Response is the JSON answer body; ResponseText holds a body that is not JSON.
	Response     json.RawMessage `json:"response,omitempty"`
	ResponseText string          `json:"response_text,omitempty"`
}

// newEntry builds the entry of one exchange.
func newEntry(key, method, path string, reqBody []byte, status int, respBody []byte) Entry {
	e := Entry{Key: key, Method: method, Path: path, Model: modelOf(reqBody), Status: status}
	if b, err := canonical(reqBody); err == nil {
		e.Request = b
	} else {
		e.RequestText = string(reqBody)
	}
	if b, err := canonical(respBody); err == nil {
		e.Response = b
	} else {
		e.ResponseText = string(respBody)
	}
	return e
}

// requestBody is the request body the entry stands for.
func (e *Entry) requestBody() []byte {
	if e.Request != nil {
		return e.Request
	}
	return []byte(e.RequestText)
}

// responseBody is the answer body to replay.
func (e *Entry) responseBody() []byte {
	if e.Response != nil {
		return e.Response
	}
	return []byte(e.ResponseText)
}

// modelOf reads the model a request body names, "" when it names none.
func modelOf(body []byte) string {
	var req struct {
		Model string `json:"model"`
	}
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	return req.Model
}

// encode renders the entry as its file's content.
func (e *Entry) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// readDir reads every entry of a recording, by key. A file that is not an entry, or whose
// key is not its request's (a request edited by hand), is an error naming the file: a
// recording that can not be trusted is not replayed in part.
func readDir(dir string) (map[string]*Entry, error) {
	names, err := fs.Glob(os.DirFS(dir), "*.json")
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	sort.Strings(names)
	entries := make(map[string]*Entry, len(names))
	var errs []error
	for _, name := range names {
		path := filepath.Join(dir, name)
		data, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var e Entry
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			errs = append(errs, fmt.Errorf("%s: not a recorded exchange: %w", path, err))
			continue
		}
		if e.Method == "" || e.Path == "" || e.Status == 0 {
			errs = append(errs, fmt.Errorf("%s: method, path and status are required", path))
			continue
		}
		key := Key(e.Method, e.Path, e.requestBody())
		switch {
		case e.Key != key:
			errs = append(errs, fmt.Errorf("%s: key %s is not the key of its request (%s): was the request edited? record it again", path, e.Key, key))
			continue
		case strings.TrimSuffix(name, ".json") != key:
			errs = append(errs, fmt.Errorf("%s: the file of request %s must be named %s.json", path, key, key))
			continue
		}
		entries[key] = &e
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return entries, nil
}
