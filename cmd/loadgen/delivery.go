package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// delivery is one prepared webhook delivery: its exact body and its headers, signature
// included.
type delivery struct {
	body   []byte
	header http.Header
}

// Placeholders marshalled into the template where each delivery's own values go. Their
// characters need no JSON escaping, so they appear verbatim in the marshalled text.
const (
	repoMark = "LOADGEN-REPO-PLACEHOLDER"
	nameMark = "LOADGEN-NAME-PLACEHOLDER"
	headMark = "LOADGEN-HEAD-PLACEHOLDER"
)

// prepare builds n signed deliveries from payload, a recorded pull_request delivery:
// each with a repository acme/load-RUN-I and a random head SHA of its own (so the service
// stores every one as a new job), and a unique delivery id.
func prepare(payload, secret []byte, n int) ([]delivery, error) {
	tmpl, err := template(payload)
	if err != nil {
		return nil, err
	}
	run := randomHex(3)
	ds := make([]delivery, n)
	for i := range ds {
		name := fmt.Sprintf("load-%s-%d", run, i)
		head := randomHex(20)
		body := bytes.ReplaceAll(tmpl, []byte(repoMark), []byte("acme/"+name))
		body = bytes.ReplaceAll(body, []byte(nameMark), []byte(name))
		body = bytes.ReplaceAll(body, []byte(headMark), []byte(head))
		h := http.Header{}
		h.Set("Content-Type", "application/json")
		h.Set("User-Agent", "GitHub-Hookshot/loadgen")
		h.Set("X-GitHub-Event", "pull_request")
		h.Set("X-GitHub-Delivery", uuid())
		h.Set("X-Hub-Signature-256", sign(secret, body))
		ds[i] = delivery{body: body, header: h}
	}
	return ds, nil
}

// template is payload with placeholders for the repository, its name and the head SHA.
func template(payload []byte) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	repo, ok := ev["repository"].(map[string]any)
	if !ok {
		return nil, errors.New("no repository object: want a pull_request delivery")
	}
	pr, ok := ev["pull_request"].(map[string]any)
	if !ok {
		return nil, errors.New("no pull_request object: want a pull_request delivery")
	}
	head, ok := pr["head"].(map[string]any)
	if !ok {
		return nil, errors.New("no pull_request.head object: want a pull_request delivery")
	}
	repo["full_name"], repo["name"] = repoMark, nameMark
	head["sha"] = headMark
	if _, ok := ev["after"]; ok {
		ev["after"] = headMark
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as GitHub sends it: <, > and & unescaped
	if err := enc.Encode(ev); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// sign is the X-Hub-Signature-256 of body: "sha256=" and the hex HMAC-SHA256 of the exact
// bytes with the webhook secret
// (https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries).
func sign(secret, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// uuid is a random (version 4) UUID, the form GitHub's delivery ids take.
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
