package git

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
)

var (
	_ reviewer.Workspace = (*Repo)(nil)
	_ reviewer.Lister    = (*Repo)(nil)
	_ reviewer.Grepper   = (*Repo)(nil)
)

// toolTimeout bounds one git command run for the model's tools.
const toolTimeout = 20 * time.Second

// hardened are the options of every command run for the model's tools, whose arguments
// the model chose: no file system monitor hook runs, no external diff or textconv driver,
// no pager, and no configuration of the repository changes how patterns are read.
var hardened = []string{
	"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
	"-c", "grep.patternType=fixed", "-c", "grep.fallbackToNoIndex=false", "--no-pager",
}

// CheckToolPath refuses a path that could leave the repository or be read as an option
// or pathspec magic. The pipeline checks first; this is the adapter's own line.
func CheckToolPath(p string) error {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "-") || strings.HasPrefix(p, ":") ||
		strings.ContainsAny(p, "\x00\\") || path.Clean(p) != p || slices.Contains(strings.Split(p, "/"), "..") {
		return fmt.Errorf("path %q is not a clean relative path", p)
	}
	return nil
}

// checkRev refuses a revision that could be read as an option or a range: the pipeline
// passes commit ids and ref names.
func checkRev(rev string) error {
	if rev == "" || strings.HasPrefix(rev, "-") || strings.Contains(rev, "..") || strings.ContainsAny(rev, " \t\n\x00:") {
		return fmt.Errorf("revision %q is not a commit", rev)
	}
	return nil
}

// entry is one ls-tree line.
type entry struct{ mode, typ, id, name string }

// lsTree lists the entries of rev matching the literal pathspec p ("" for the root).
func (r *Repo) lsTree(ctx context.Context, rev, p string) ([]entry, error) {
	if err := checkRev(rev); err != nil {
		return nil, err
	}
	args := append(slices.Clone(hardened), "--literal-pathspecs", "ls-tree", "-z", "--full-tree", "--end-of-options", rev)
	if p != "" {
		// After --end-of-options, ls-tree takes a "--" for one more path (a top
		// directory "--" would be listed too): the path alone.
		args = append(args, p)
	}
	out, err := r.git(ctx, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s at %s: %w", p, rev, err)
	}
	var es []entry
	for rec := range strings.SplitSeq(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		meta, name, ok := strings.Cut(rec, "\t")
		f := strings.Fields(meta)
		if ok && len(f) == 3 {
			es = append(es, entry{f[0], f[1], f[2], name})
		}
	}
	return es, nil
}

// ReadFile implements reviewer.Workspace: the blob at path p of revision rev. It reads
// the object, never the work tree, and applies no filter or textconv driver.
func (r *Repo) ReadFile(ctx context.Context, rev, p string, limit int) ([]byte, error) {
	if err := CheckToolPath(p); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	es, err := r.lsTree(ctx, rev, p)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(es, func(e entry) bool { return e.name == p })
	switch {
	case i < 0:
		return nil, fmt.Errorf("%s at %s: %w", p, rev, fs.ErrNotExist)
	case es[i].typ != "blob":
		return nil, fmt.Errorf("%s at %s is a %s, not a file", p, rev, es[i].typ)
	}
	id := es[i].id
	out, err := r.git(ctx, append(slices.Clone(hardened), "cat-file", "-s", id)...)
	if err != nil {
		return nil, fmt.Errorf("size of %s at %s: %w", p, rev, err)
	}
	size, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return nil, fmt.Errorf("size of %s at %s: %q", p, rev, out)
	}
	if size > limit {
		return nil, fmt.Errorf("%s at %s: %w: %d bytes", p, rev, reviewer.ErrTooLarge, size)
	}
	data, err := r.git(ctx, append(slices.Clone(hardened), "cat-file", "blob", id)...)
	if err != nil {
		return nil, fmt.Errorf("read %s at %s: %w", p, rev, err)
	}
	return data, nil
}

// ListDir implements reviewer.Lister: the entries of directory dir at rev.
func (r *Repo) ListDir(ctx context.Context, rev, dir string) ([]string, error) {
	spec := ""
	if dir != "." {
		if err := CheckToolPath(dir); err != nil {
			return nil, err
		}
		spec = dir + "/"
	}
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	es, err := r.lsTree(ctx, rev, spec)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 && spec != "" {
		return nil, fmt.Errorf("%s at %s: %w", dir, rev, fs.ErrNotExist)
	}
	out := make([]string, 0, len(es))
	for _, e := range es {
		name := path.Base(e.name)
		if e.typ == "tree" {
			name += "/"
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}

// Grep implements reviewer.Grepper with git grep at rev: a fixed string unless the
// pipeline built an extended pattern, binary files skipped, at most q.MaxHits hits and
// MaxGrepOutput bytes read, after which git is stopped.
func (r *Repo) Grep(ctx context.Context, rev string, q reviewer.GrepQuery) ([]reviewer.GrepHit, error) {
	grepArgs, err := GrepArgs(rev, q)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	args := append(slices.Clone(hardened), grepArgs...)
	// GrepArgs checked every argument the query and rev put in: none can become an option.
	cmd := exec.CommandContext(ctx, "git", args...) //nolint:gosec // see above
	cmd.Dir = r.root
	cmd.Env = append(cmd.Environ(), "GIT_PAGER=cat", "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "GIT_CONFIG_NOSYSTEM=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("grep: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("grep: %w", err)
	}
	hits, more, readErr := ReadGrep(stdout, rev, q.MaxHits)
	if more || readErr != nil {
		cancel() // enough read: stop git rather than wait for the rest
	}
	_, _ = io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	var ee *exec.ExitError
	switch {
	case readErr != nil:
		return nil, fmt.Errorf("grep: %w", readErr)
	case more:
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() == 1 && stderr.Len() == 0:
		// No match.
	default:
		return nil, fmt.Errorf("grep: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return hits, nil
}

// MaxGrepOutput bounds what one search reads of git grep's output.
const MaxGrepOutput = 1 << 20

// GrepArgs returns the git arguments of the search q at revision rev (after the
// caller's own hardening options), or why the query or the revision is refused: a
// pattern that is not one non-empty line, a glob that is not relative, a revision that
// could be read as an option or a range. git grep takes no --end-of-options; these
// checks keep rev and the glob from being options, and the pattern follows -e. Binary
// files are skipped, no textconv driver runs, paths are full and NUL-terminated for
// ReadGrep, and git stops each file at the query's bound of hits.
func GrepArgs(rev string, q reviewer.GrepQuery) ([]string, error) {
	if q.Pattern == "" || strings.ContainsAny(q.Pattern, "\x00\n") {
		return nil, errors.New("grep: the pattern must be one non-empty line")
	}
	if q.Glob != "" && (strings.HasPrefix(q.Glob, "/") || strings.HasPrefix(q.Glob, ":") ||
		strings.HasPrefix(q.Glob, "-") || strings.ContainsRune(q.Glob, 0) || slices.Contains(strings.Split(q.Glob, "/"), "..")) {
		return nil, fmt.Errorf("grep: glob %q is not relative", q.Glob)
	}
	if err := checkRev(rev); err != nil {
		return nil, err
	}
	// The environment may ask for literal pathspecs (GIT_LITERAL_PATHSPECS), which git
	// refuses together with glob ones: the glob is meant as one.
	args := []string{"-c", "grep.patternType=fixed", "-c", "grep.fallbackToNoIndex=false",
		"--no-literal-pathspecs", "--glob-pathspecs", "grep", "-I", "-n", "--null", "--no-color",
		"--full-name", "--no-textconv", "--max-count=" + strconv.Itoa(max(q.MaxHits, 1))}
	if q.Extended {
		args = append(args, "-E")
	} else {
		args = append(args, "-F")
	}
	args = append(args, "-e", q.Pattern, rev, "--")
	if q.Glob != "" {
		args = append(args, q.Glob)
	}
	return args, nil
}

// ReadGrep reads the output of the search GrepArgs built at rev: at most maxHits hits
// (at least one) and MaxGrepOutput bytes. more reports that it stopped before the end
// of the output, and the caller stops git rather than wait for the rest; an error is
// output that is not git grep's.
func ReadGrep(r io.Reader, rev string, maxHits int) (hits []reviewer.GrepHit, more bool, err error) {
	lr := &io.LimitedReader{R: r, N: MaxGrepOutput}
	hits, full, err := readGrep(bufio.NewReader(lr), rev+":", max(maxHits, 1))
	switch {
	case lr.N == 0:
		// The output limit cut the last record: keep the whole ones.
		return hits, true, nil
	case errors.Is(err, io.EOF):
		return hits, false, nil
	case err != nil:
		return nil, true, err
	}
	return hits, full, nil
}

// readGrep reads "REV:path NUL line NUL text LF" records, a path possibly holding a line
// break, until max hits or the end. full says it stopped at max.
func readGrep(br *bufio.Reader, prefix string, maxHits int) (hits []reviewer.GrepHit, full bool, err error) {
	for len(hits) < maxHits {
		p, err := br.ReadString(0)
		if err != nil {
			return hits, false, err
		}
		n, err := br.ReadString(0)
		if err != nil {
			return hits, false, err
		}
		text, err := br.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return hits, false, err
		}
		line, convErr := strconv.Atoi(strings.TrimSuffix(n, "\x00"))
		if convErr != nil {
			return hits, false, fmt.Errorf("unexpected git grep output %q", n)
		}
		hits = append(hits, reviewer.GrepHit{
			Path: strings.TrimPrefix(strings.TrimSuffix(p, "\x00"), prefix),
			Line: line,
			Text: strings.TrimSuffix(text, "\n"),
		})
		if err != nil {
			return hits, false, err
		}
	}
	return hits, true, nil
}
