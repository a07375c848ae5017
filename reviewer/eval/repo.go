package eval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/git"
)

// loadRepo reads the case's repo/ when it has one: both repo/base and repo/head must be
// there (an added file is only in head, a deleted one only in base).
func loadRepo(fsys fs.FS, name string, c *Case) error {
	st, err := fs.Stat(fsys, RepoDir)
	if errors.Is(err, fs.ErrNotExist) {
		if len(c.Expected.Context) > 0 {
			return fmt.Errorf("%s: context_lines: the case has no %s/ to take them from: add %s/base and %s/head",
				path.Join(name, ExpectedFile), RepoDir, RepoDir, RepoDir)
		}
		return nil
	}
	if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s: not a directory: want %s/base and %s/head", path.Join(name, RepoDir), RepoDir, RepoDir)
	}
	var errs []error
	sub := func(rev string) fs.FS {
		dir := path.Join(RepoDir, rev)
		if st, err := fs.Stat(fsys, dir); err != nil || !st.IsDir() {
			errs = append(errs, fmt.Errorf("%s: missing: a case's %s/ holds the files at the change's base and at its head, in %s/base and %s/head",
				path.Join(name, dir), RepoDir, RepoDir, RepoDir))
			return nil
		}
		tree, err := readTree(fsys, dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path.Join(name, dir), err))
			return nil
		}
		return tree
	}
	c.Base, c.Head = sub("base"), sub("head")
	return errors.Join(errs...)
}

// GoSuffix is the suffix a Go file of a case's repo/ is stored under: X.go.txt is read
// as X.go. The repository checks every .go file it tracks with gofmt and go vet, and a
// real project's file of some years ago need not pass today's gofmt.
const GoSuffix = ".go.txt"

// readTree reads the regular files under dir into memory, each X.go.txt as X.go.
func readTree(fsys fs.FS, dir string) (fstest.MapFS, error) {
	tree := fstest.MapFS{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, dir+"/")
		if strings.HasSuffix(rel, GoSuffix) {
			rel = strings.TrimSuffix(rel, ".txt")
			if _, err := fs.Stat(fsys, path.Join(dir, rel)); err == nil {
				return fmt.Errorf("both %s and %s: keep one", rel, rel+".txt")
			}
		}
		tree[rel] = &fstest.MapFile{Data: data, Mode: 0o444}
		return nil
	})
	return tree, err
}

// checkContext checks the context_lines of a case against its head files and its diff:
// each range on lines of a head file, outside every hunk of the change (what the diff
// shows needs no marking), with at least one line a prompt could be seen to hold (see
// [MarkedLines]).
func checkContext(name string, c *Case, files []*diff.File) []error {
	byPath := map[string]*diff.File{}
	for _, f := range files {
		if f.NewPath != "" {
			byPath[f.NewPath] = f
		}
	}
	var errs []error
	for i, cl := range c.Expected.Context {
		field := fmt.Sprintf("context_lines[%d]", i)
		data, err := fs.ReadFile(c.Head, cl.Path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %s.path: %q is not a file of %s/head", name, field, cl.Path, RepoDir))
			continue
		}
		if n := len(splitLines(data)); cl.ToLine > n {
			errs = append(errs, fmt.Errorf("%s: %s: lines %d-%d: %s/head/%s has %d lines", name, field, cl.FromLine, cl.ToLine, RepoDir, cl.Path, n))
			continue
		}
		if f := byPath[cl.Path]; f != nil {
			for _, h := range f.Hunks {
				if cl.FromLine < h.NewStart+h.NewLines && h.NewStart <= cl.ToLine {
					errs = append(errs, fmt.Errorf("%s: %s: lines %d-%d of %s overlap the hunk at +%d,%d: name lines outside the hunks",
						name, field, cl.FromLine, cl.ToLine, cl.Path, h.NewStart, h.NewLines))
					break
				}
			}
		}
		if len(markedLines(c, cl)) == 0 {
			errs = append(errs, fmt.Errorf("%s: %s: every line of %d-%d of %s is blank or reads as part of the diff, so no prompt could be seen to hold it",
				name, field, cl.FromLine, cl.ToLine, cl.Path))
		}
	}
	return errs
}

// MarkedLine is one line of a case's context_lines that counts for [CoverContext].
type MarkedLine struct {
	Path string
	Line int
	// Text is the line with its indentation trimmed.
	Text string
}

// MarkedLines returns the lines of the case's context_lines that count: those whose text
// (trimmed) is not blank and occurs nowhere in change.diff, so that a prompt holding it
// got it from outside the hunks, not from the diff.
func MarkedLines(c *Case) []MarkedLine {
	var out []MarkedLine
	for _, cl := range c.Expected.Context {
		out = append(out, markedLines(c, cl)...)
	}
	return out
}

func markedLines(c *Case, cl ContextLines) []MarkedLine {
	if c.Head == nil {
		return nil
	}
	data, err := fs.ReadFile(c.Head, cl.Path)
	if err != nil {
		return nil
	}
	lines := splitLines(data)
	var out []MarkedLine
	for n := cl.FromLine; n <= cl.ToLine && n <= len(lines); n++ {
		t := strings.TrimSpace(lines[n-1])
		if t == "" || bytes.Contains(c.Diff, []byte(t)) {
			continue
		}
		out = append(out, MarkedLine{Path: cl.Path, Line: n, Text: t})
	}
	return out
}

func splitLines(data []byte) []string {
	s := strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// ContextCoverage is how much of a case's context_lines reached the model.
type ContextCoverage struct {
	Case string
	// Marked counts the lines that count (MarkedLines); Reached those a prompt held.
	Marked, Reached int
	// Missed names the lines no prompt held, as path:line.
	Missed []string
}

// Ratio is Reached/Marked; undefined for a case with nothing marked.
func (cc ContextCoverage) Ratio() Ratio { return ratio(cc.Reached, cc.Marked) }

// CoverContext says which of the case's marked lines (MarkedLines) the prompts sent for
// it hold. prompts are the texts of every message sent while the case was reviewed (see
// [Case.Prompted]).
func CoverContext(c *Case, prompts []string) ContextCoverage {
	cc := ContextCoverage{Case: c.Name}
	for _, m := range MarkedLines(c) {
		cc.Marked++
		reached := false
		for _, p := range prompts {
			if strings.Contains(p, m.Text) {
				reached = true
				break
			}
		}
		if reached {
			cc.Reached++
		} else {
			cc.Missed = append(cc.Missed, fmt.Sprintf("%s:%d", m.Path, m.Line))
		}
	}
	return cc
}

// Prompted tells whether a review request's user message was about this case: it shows
// one of the case's files ("FILE path (") with one of that file's hunks, as the pipeline
// writes them ("@@ -1,3 +1,4 @@"). A recording holds no case names, so this is how its
// requests are told apart.
func (c *Case) Prompted(user string) bool {
	files, err := diff.Parse(c.Diff)
	if err != nil {
		return false
	}
	for _, f := range files {
		if !strings.Contains(user, "FILE "+f.Path()+" (") {
			continue
		}
		for _, h := range f.Hunks {
			if strings.Contains(user, fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)) {
				return true
			}
		}
	}
	return false
}

// Revisions of a case repository built by BuildRepo.
type Revisions struct {
	Base, Head string
}

// BuildRepo builds a git repository in dir (an empty directory) from the case's
// repo/base and repo/head: a commit of each, head on top of base, with a fixed author
// and date so that a case always gives the same commit ids. It checks that change.diff
// applied to the base gives the head, and says which files do not when it does not:
// the review is shown the diff and reads the repository, so the two must agree.
func BuildRepo(ctx context.Context, c *Case, dir string) (*git.Repo, Revisions, error) {
	if c.Base == nil || c.Head == nil {
		return nil, Revisions{}, fmt.Errorf("case %s has no %s/", c.Name, RepoDir)
	}
	repo, err := git.Init(ctx, dir)
	if err != nil {
		return nil, Revisions{}, fmt.Errorf("case %s: %w", c.Name, err)
	}
	base, err := repo.CommitFiles(ctx, c.Base, "", "base of eval case "+c.Name)
	if err != nil {
		return nil, Revisions{}, fmt.Errorf("case %s: %s/base: %w", c.Name, RepoDir, err)
	}
	head, err := repo.CommitFiles(ctx, c.Head, base, "head of eval case "+c.Name)
	if err != nil {
		return nil, Revisions{}, fmt.Errorf("case %s: %s/head: %w", c.Name, RepoDir, err)
	}
	differ, err := repo.PatchDiffers(ctx, c.Diff, base, head)
	if errors.Is(err, git.ErrPatch) {
		return nil, Revisions{}, fmt.Errorf("case %s: %s does not apply to %s/base: %w", c.Name, DiffFile, RepoDir, err)
	}
	if err != nil {
		return nil, Revisions{}, fmt.Errorf("case %s: %w", c.Name, err)
	}
	if len(differ) > 0 {
		var where []string
		for _, p := range differ {
			where = append(where, path.Join(c.Name, RepoDir, "head", p))
		}
		return nil, Revisions{}, fmt.Errorf("case %s: %s applied to %s/base does not give %s/head: %s differ (a file the diff changes must be in both trees, whole; a file it adds only in head)",
			c.Name, DiffFile, RepoDir, RepoDir, strings.Join(where, ", "))
	}
	return repo, Revisions{Base: base, Head: head}, nil
}

// CoverContextTotal is the coverage of reached lines out of marked, over several cases.
func CoverContextTotal(marked, reached int) Ratio { return ratio(reached, marked) }
