// Command reviewer reviews code changes against a team's codified standards: locally on
// any diff (reviewer review), as a CI step, or as a webhook service.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	wd, _ := os.Getwd()
	err := run(ctx, os.Args[1:], env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stderrTerminal: term.IsTerminal(int(os.Stderr.Fd())),
		environ:        os.Environ(), dir: wd,
	})
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// env is the process's surroundings, passed in so tests can run commands in parallel.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// stderrTerminal is set when stderr is a terminal: a long review then shows its
	// progress there (progressLine).
	stderrTerminal bool
	environ        []string
	// dir is the working directory; relative paths are resolved against it.
	dir string
}

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1 // findings at or above --fail-on, failed lint or rule examples
	exitUsage    = 2 // bad flags, arguments or configuration
	exitRuntime  = 3 // the review could not be done
)

// exitError carries an exit code. A nil err exits silently with code (the reason was
// already printed).
type exitError struct {
	code int
	err  error
}

// abs makes a path the user gave relative to the working directory absolute.
func (e env) abs(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(e.dir, path)
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

func usageError(err error) error { return &exitError{code: exitUsage, err: err} }

// exitCode prints err (if it has anything to say) and returns the process's exit code.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitRuntime
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
		if ee.err == nil {
			return code
		}
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "reviewer: interrupted")
		return exitRuntime
	}
	fmt.Fprintf(stderr, "reviewer: %v\n", err)
	return code
}
