package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/reviewerbot/reviewer/reviewer"
)

// progressLine shows how far a review's model stage has come on one line of stderr,
// rewritten in place as the pipeline reports events (reviewer.Options.Progress). It is on
// only when stderr is a terminal: a CI log would keep every rewrite. It never writes to
// stdout, where the reports go.
//
// Everything else written to stderr while the line is shown (the log) goes through
// Writer, which clears the line first and draws it again after, so the two never share
// a line.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	on    bool
	shown string // the line on the terminal now, "" when none
}

// newProgress returns the progress line of a command whose stderr is w; terminal says
// whether w is a terminal, and nothing is drawn unless it is.
func newProgress(w io.Writer, terminal bool) *progressLine {
	return &progressLine{w: w, on: terminal}
}

// clearLine returns the cursor to the start of the line and erases it.
const clearLine = "\r\x1b[K"

// Update draws p; it is the review's Options.Progress.
func (l *progressLine) Update(p reviewer.Progress) {
	if !l.on || p.Chunks == 0 {
		return
	}
	s := progressText(p)
	l.mu.Lock()
	defer l.mu.Unlock()
	if s == l.shown {
		return
	}
	_, _ = io.WriteString(l.w, clearLine+s)
	l.shown = s
}

// Done erases the line, before the command says anything else.
func (l *progressLine) Done() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown != "" {
		_, _ = io.WriteString(l.w, clearLine)
		l.shown = ""
	}
}

// Write writes to stderr around the progress line.
func (l *progressLine) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.shown == "" {
		return l.w.Write(b)
	}
	if _, err := io.WriteString(l.w, clearLine); err != nil {
		return 0, err
	}
	n, err := l.w.Write(b)
	if err == nil {
		_, err = io.WriteString(l.w, l.shown)
	}
	return n, err
}

// progressText is the progress line: "reviewer: 5/9 chunks sent, 3 answered, 1 from the
// cache, 12345 tokens, $0.0123". It stays short, so that it fits a narrow terminal's line
// and the carriage return can take it back.
func progressText(p reviewer.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "reviewer: %d/%d chunks sent, %d answered", p.Sent, p.Chunks, p.Answered)
	if p.Cached > 0 {
		fmt.Fprintf(&b, ", %d from the cache", p.Cached)
	}
	if p.Failed > 0 {
		fmt.Fprintf(&b, ", %d failed", p.Failed)
	}
	fmt.Fprintf(&b, ", %d tokens, $%.4f", p.PromptTokens+p.CompletionTokens, p.CostUSD)
	return b.String()
}
