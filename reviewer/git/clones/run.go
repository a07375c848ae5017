package clones

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// hardening is the configuration every git command runs with, whatever the repository's
// own config says: only http(s) (no file://, ext:: or ssh a hostile URL could name), no
// hooks, no fsmonitor, no gc behind our back, no redirect that would carry the header
// elsewhere, no credential helper or prompt, no submodules, objects checked on arrival.
var hardening = []string{
	"-c", "protocol.allow=never",
	"-c", "protocol.https.allow=always",
	"-c", "protocol.http.allow=always",
	"-c", "protocol.file.allow=never",
	"-c", "protocol.version=2",
	"-c", "core.fsmonitor=",
	"-c", "core.hooksPath=/dev/null",
	"-c", "core.askPass=",
	"-c", "credential.helper=",
	"-c", "gc.auto=0",
	"-c", "maintenance.auto=false",
	"-c", "fetch.recurseSubmodules=false",
	"-c", "submodule.recurse=false",
	"-c", "transfer.fsckObjects=true",
	"-c", "http.followRedirects=false",
}

// keepEnv are the variables of the service's environment git may see: how to reach the
// network and whom to trust. Everything else, GIT_* (GIT_TRACE_CURL would log the
// header) and HOME among them, is left out.
var keepEnv = map[string]bool{
	"PATH": true, "TMPDIR": true, "TZ": true,
	"http_proxy": true, "https_proxy": true, "no_proxy": true, "all_proxy": true,
	"HTTP_PROXY": true, "HTTPS_PROXY": true, "NO_PROXY": true, "ALL_PROXY": true,
	"SSL_CERT_FILE": true, "SSL_CERT_DIR": true,
}

// runner runs git in one repository.
type runner struct {
	git  string   // the git binary
	home string   // an empty directory, git's HOME
	env  []string // the environment without secrets
}

func newRunner(git, home string) runner {
	env := []string{
		"HOME=" + home, "XDG_CONFIG_HOME=" + home,
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"GIT_TERMINAL_PROMPT=0", "GIT_ASKPASS=", "SSH_ASKPASS=",
		"GIT_PAGER=cat", "LC_ALL=C",
		// Paths come from the change: never pathspec magic (":(glob)", ":!").
		"GIT_LITERAL_PATHSPECS=1",
	}
	for _, kv := range os.Environ() {
		if k, _, ok := strings.Cut(kv, "="); ok && keepEnv[k] {
			env = append(env, kv)
		}
	}
	return runner{git: git, home: home, env: env}
}

// call is one git command.
type call struct {
	dir    string
	args   []string
	stdin  io.Reader
	stdout io.Writer // nil: collected, up to maxOut
	maxOut int64
	// header is an HTTP header sent with every request ("Authorization: ..."); it goes
	// through the environment (GIT_CONFIG_*), which only this user can read, never
	// through argv, which everyone can.
	header string
	// quiet1 takes exit status 1 with nothing on standard error for success: git grep's
	// "no match".
	quiet1 bool
}

// errTooMuchOutput reports a command whose output passed its bound.
var errTooMuchOutput = errors.New("git output over its bound")

func (r runner) run(ctx context.Context, c call) ([]byte, error) {
	args := append(append([]string{}, hardening...), c.args...)
	// r.git is the operator's git, found at New; the arguments are ours, with the
	// change's paths and ids after "--end-of-options" or "--".
	cmd := exec.CommandContext(ctx, r.git, args...) //nolint:gosec // see above
	cmd.Dir = c.dir
	cmd.Stdin = c.stdin
	cmd.Env = append([]string{}, r.env...)
	if c.header != "" {
		cmd.Env = append(cmd.Env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.extraHeader", "GIT_CONFIG_VALUE_0="+c.header)
	} else {
		// A read never reaches the network by itself (git 2.44 and later; older ones
		// try without the token, and fail).
		cmd.Env = append(cmd.Env, "GIT_NO_LAZY_FETCH=1")
	}
	var out *boundedBuffer
	if c.stdout != nil {
		cmd.Stdout = c.stdout
	} else {
		limit := c.maxOut
		if limit == 0 {
			limit = 16 << 20
		}
		out = &boundedBuffer{limit: limit}
		cmd.Stdout = out
	}
	stderr := &boundedBuffer{limit: 16 << 10, truncate: true}
	cmd.Stderr = stderr
	err := cmd.Run()
	var got []byte
	if out != nil {
		got = out.buf.Bytes()
		if out.over {
			return nil, fmt.Errorf("git %s: %w", verb(c.args), errTooMuchOutput)
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("git %s: %w", verb(c.args), context.Cause(ctx))
		}
		msg := scrub(strings.TrimSpace(stderr.buf.String()), c.header)
		var ee *exec.ExitError
		if c.quiet1 && msg == "" && errors.As(err, &ee) && ee.ExitCode() == 1 {
			return got, nil
		}
		if msg == "" {
			return got, fmt.Errorf("git %s: %w", verb(c.args), err)
		}
		return got, fmt.Errorf("git %s: %w: %s", verb(c.args), err, msg)
	}
	return got, nil
}

// verb names a command in errors by its subcommand alone: the rest may be long.
func verb(args []string) string {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c":
			i++ // and its value
		case !strings.HasPrefix(a, "-"):
			return a
		}
	}
	return strconv.Quote(strings.Join(args, " "))
}

// scrub removes the header's value and each of its words from text, should git ever
// echo them.
func scrub(text, header string) string {
	if header == "" {
		return text
	}
	text = strings.ReplaceAll(text, header, "[redacted]")
	for _, w := range strings.Fields(header) {
		if len(w) >= 8 {
			text = strings.ReplaceAll(text, w, "[redacted]")
		}
	}
	return text
}

// boundedBuffer collects up to limit bytes; past that it fails the write (stopping
// git) or, when truncate is set, drops the rest.
type boundedBuffer struct {
	buf      bytes.Buffer
	limit    int64
	truncate bool
	over     bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	room := b.limit - int64(b.buf.Len())
	if int64(len(p)) <= room {
		return b.buf.Write(p)
	}
	b.over = true
	if room > 0 {
		b.buf.Write(p[:room])
	}
	if b.truncate {
		return len(p), nil
	}
	return 0, errTooMuchOutput
}
