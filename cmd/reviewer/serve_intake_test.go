package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// What a connection can make serve hold before anything is verified: headers are capped
// (net/http's default would let each hold 1 MiB), and a body that does not arrive within
// server.body_timeout is cut off with 408.
func TestServeBoundsUnverifiedRequests(t *testing.T) {
	t.Parallel()
	p := startServe(t, []string{"REVIEWER_GITHUB_WEBHOOK_SECRET=" + serveSecret,
		"REVIEWER_QUEUE_URL=sqlite://" + filepath.Join(t.TempDir(), "reviewer.db"),
		"REVIEWER_SERVER_BODY_TIMEOUT=100ms"})
	send := func(req string) int {
		t.Helper()
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = c.Close() }()
		if _, err := c.Write([]byte(req)); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	head := "POST /webhooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: pull_request\r\n" +
		"X-Hub-Signature-256: sha256=" + strings.Repeat("0", 64) + "\r\n"
	if code := send(head + "X-Padding: " + strings.Repeat("a", 32<<10) + "\r\nContent-Length: 0\r\n\r\n"); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("32 KiB of headers: %d, want 431", code)
	}
	if code := send(head + fmt.Sprintf("Content-Length: %d\r\n\r\n{", 1<<20)); code != http.StatusRequestTimeout {
		t.Errorf("a body that does not come: %d, want 408", code)
	}
}
