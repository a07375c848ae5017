package main

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
)

// TestProgressLine: the line is drawn in place only on a terminal, and other stderr
// output (the log) clears it first and draws it again after, never sharing its line.
func TestProgressLine(t *testing.T) {
	t.Parallel()
	p := reviewer.Progress{Chunks: 9, Sent: 5, Answered: 3, Cached: 2, PromptTokens: 1200, CompletionTokens: 34, CostUSD: 0.0123}
	t.Run("terminal", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		l := newProgress(&buf, true)
		l.Update(p)
		l.Update(p) // the same line is not drawn twice
		_, _ = l.Write([]byte("level=WARN msg=x\n"))
		l.Done()
		_, _ = l.Write([]byte("after\n"))
		line := "reviewer: 5/9 chunks sent, 3 answered, 2 from the cache, 1234 tokens, $0.0123"
		want := "\r\x1b[K" + line + "\r\x1b[K" + "level=WARN msg=x\n" + line + "\r\x1b[K" + "after\n"
		if diff := cmp.Diff(want, buf.String()); diff != "" {
			t.Errorf("stderr (-want +got):\n%s", diff)
		}
	})
	t.Run("not a terminal", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		l := newProgress(&buf, false)
		l.Update(p)
		_, _ = l.Write([]byte("log line\n"))
		l.Done()
		if got := buf.String(); got != "log line\n" {
			t.Errorf("stderr %q, want only the log: a CI log keeps every rewrite", got)
		}
	})
}

// runTerminal runs the command with stderr said to be a terminal (or not).
func runTerminal(t *testing.T, dir string, environ []string, terminal bool, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(t.Context(), args, env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, stderrTerminal: terminal, environ: environ, dir: dir})
	code := exitCode(err, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

var progressDraw = regexp.MustCompile(`\r\x1b\[Kreviewer: (\d+)/(\d+) chunks sent, (\d+) answered`)

// TestReviewProgress: a review at a terminal shows its progress on stderr, driven by the
// pipeline's events, and erases it before the report; stdout never gets any of it, nor
// does a stderr that is not a terminal. A second run says how many answers came from
// the cache.
func TestReviewProgress(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	dir := t.TempDir()
	environ := []string{
		"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1", "REVIEWER_GATEWAY_API_KEY=sk-test", "REVIEWER_GATEWAY_MODEL=gpt-test",
		"REVIEWER_REVIEW_MAX_CHUNK_TOKENS=1200", "REVIEWER_CACHE_DIR=" + filepath.Join(dir, "cache"),
	}
	args := []string{"review", "--diff", demoDiff(t), "--fail-on", "none"}

	r := runTerminal(t, dir, environ, true, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s\n%s", r.code, r.stderr, r.stdout)
	}
	draws := progressDraw.FindAllStringSubmatch(r.stderr, -1)
	if len(draws) < 2 {
		t.Fatalf("stderr shows %d progress lines, want one per event:\n%q", len(draws), r.stderr)
	}
	last := draws[len(draws)-1]
	if n, _ := strconv.Atoi(last[2]); n < 2 {
		t.Fatalf("the review took %d chunks: the test needs several (review.max_chunk_tokens)", n)
	}
	if last[1] != last[2] || last[3] != last[2] {
		t.Errorf("last progress %q: want every chunk sent and answered", last[0])
	}
	if sent := int(g.requests.Load()) - g.verifiedCount(); last[2] != strconv.Itoa(sent) {
		t.Errorf("progress says %s chunks, the gateway saw %d review requests", last[2], sent)
	}
	if !strings.Contains(r.stderr, "\r\x1b[K") || strings.Contains(r.stdout, "\r") || strings.Contains(r.stdout, "\x1b") {
		t.Errorf("progress must go to stderr only; stdout:\n%q", r.stdout)
	}
	if strings.Contains(r.stdout, "from the cache") {
		t.Errorf("the first run says answers came from the cache:\n%s", r.stdout)
	}

	// Not a terminal (a CI log): no progress at all; the second run answers from the cache.
	again := runTerminal(t, dir, environ, false, args...)
	if again.code != 0 {
		t.Fatalf("exit %d: %s", again.code, again.stderr)
	}
	if strings.Contains(again.stderr, "\r") || strings.Contains(again.stderr, "chunks sent") {
		t.Errorf("stderr that is not a terminal got progress:\n%q", again.stderr)
	}
	want := "; " + last[2] + " of " + last[2] + " answers from the cache\n"
	if !strings.Contains(again.stdout, want) {
		t.Errorf("the cached re-run does not say %q:\n%s", want, again.stdout)
	}
}
