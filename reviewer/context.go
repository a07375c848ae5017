package reviewer

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing/fstest"
	"unicode/utf8"

	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/scope"
)

// DefaultContextMaxFileBytes is the largest head version read for context when
// ContextOptions.MaxFileBytes is 0.
const DefaultContextMaxFileBytes = 1 << 20

// DefaultContextMaxChangeBytes bounds the head versions one change keeps for context
// when ContextOptions.MaxChangeBytes is 0: far more than a change's requests can show
// (review.max_tokens_per_change, 200,000 tokens, is under 1 MB of code), and a bound on
// what a change of thousands of files makes the service hold.
const DefaultContextMaxChangeBytes = 64 << 20

// DefaultContextRelated is how many spans of related code (scope.Options.Related) a
// file's context may add when ContextOptions.Scope leaves it 0; a negative Related adds
// none.
const DefaultContextRelated = 3

// ContextOptions shape the code shown to the model around the hunks: the enclosing scope
// of each hunk and the file's header, or the whole file when it is small, from the head
// version. The token budgets are chunk.Options.Context.
type ContextOptions struct {
	// Enabled turns context on (review.context.enabled). Off, the model sees the diff
	// alone.
	Enabled bool
	// MaxFileBytes bounds the head versions used (review.context.max_file_bytes); a
	// larger one gives no context. 0 means DefaultContextMaxFileBytes.
	MaxFileBytes int
	// MaxChangeBytes bounds the head versions one change keeps
	// (review.context.max_change_bytes); the files past it go without context. 0 means
	// DefaultContextMaxChangeBytes.
	MaxChangeBytes int
	// Scope finds the scopes: the parsers beside the built-in Go parser, and the longest
	// scope shown whole.
	Scope scope.Options
}

// addContext reads the head versions of the files to review, in one read through the
// diff source when it is also a TreeReader, and gives each its context: its lines,
// masked as the diff is, and the spans to show (scope.Spans). A file whose head version
// is missing, too large or not text goes without, and its ledger entry says so. Files
// the change adds have none: their diff is the whole file. Withheld and filtered files
// are not among inputs, so they are never read.
func (s *modelStage) addContext(ctx context.Context, c Change, inputs []chunk.File, originals map[string]*diff.File, outcome map[string]*FileCoverage) {
	o := s.opts.Context
	if !o.Enabled || len(inputs) == 0 {
		return
	}
	// An empty HeadSHA is a local review's work tree, which its reader reads.
	if s.tree == nil {
		s.log.DebugContext(ctx, "no context: the diff source reads no files")
		return
	}
	var (
		paths []string
		want  []int
	)
	for i, in := range inputs {
		f := originals[in.File.Path()]
		if f.Status == diff.StatusAdded || f.Status == diff.StatusDeleted || f.Binary || f.Submodule || f.NewPath == "" {
			continue
		}
		if len(changedLines(in.File)) == 0 {
			continue
		}
		paths = append(paths, f.NewPath)
		want = append(want, i)
	}
	if len(paths) == 0 {
		return
	}
	limit := o.MaxFileBytes
	if limit <= 0 {
		limit = DefaultContextMaxFileBytes
	}
	budget := o.MaxChangeBytes
	if budget <= 0 {
		budget = DefaultContextMaxChangeBytes
	}
	so := o.Scope
	if so.Related == 0 {
		so.Related = DefaultContextRelated
	}
	// The head versions are read in batches, and kept while the review runs: once they
	// hold the change's budget, the files left go without, and no more is read.
	kept := 0
	for start := 0; start < len(paths); start += contextBatch {
		end := min(start+contextBatch, len(paths))
		if kept >= budget {
			for _, p := range paths[start:] {
				s.noteContext(outcome, p, fmt.Sprintf("the change's head versions passed %d bytes", budget))
			}
			break
		}
		fsys, failed := s.readHeads(ctx, c, paths[start:end], outcome)
		for _, i := range want[start:end] {
			f := originals[inputs[i].File.Path()]
			if failed[f.NewPath] {
				continue
			}
			data, err := fs.ReadFile(fsys, f.NewPath)
			why := ""
			switch {
			case err != nil:
				why = "the head version was not found"
			case len(data) > limit:
				why = fmt.Sprintf("the head version is over %d bytes", limit)
			case len(data) == 0:
				continue
			case bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data):
				why = "the head version is not text"
			case kept >= budget:
				why = fmt.Sprintf("the change's head versions passed %d bytes", budget)
			}
			if why != "" {
				s.noteContext(outcome, f.Path(), why)
				continue
			}
			kept += len(data)
			so.Removed = removedLines(inputs[i].File)
			lines := s.maskHead(f, data)
			inputs[i].Context = &chunk.Context{
				Lines: lines,
				Spans: maskedNames(scope.Spans(f.NewPath, data, changedLines(inputs[i].File), so), lines),
			}
		}
	}
}

// contextBatch is how many head versions one read asks for: a change of thousands of
// files is read, and held, a batch at a time.
const contextBatch = 64

// readHeads reads the head versions of paths in one read, or, when the forge will not
// serve them together (GitHub's contents API refuses files over 1 MB, which fails the
// whole batch), one by one, so that only the unreadable ones go without context.
func (s *modelStage) readHeads(ctx context.Context, c Change, paths []string, outcome map[string]*FileCoverage) (fs.FS, map[string]bool) {
	fsys, err := s.tree.Tree(ctx, c, c.HeadSHA, paths)
	if err == nil {
		return fsys, nil
	}
	s.log.WarnContext(ctx, "head versions not read together, read one by one", slog.String("error", err.Error()))
	return s.readEach(ctx, c, paths, outcome)
}

// readEach reads the head version of each of paths on its own. It returns what it read,
// and notes each path that could not be read; a path that is absent is left to the
// caller, as from one read of all.
func (s *modelStage) readEach(ctx context.Context, c Change, paths []string, outcome map[string]*FileCoverage) (fs.FS, map[string]bool) {
	out := fstest.MapFS{}
	failed := map[string]bool{}
	for _, p := range paths {
		fsys, err := s.tree.Tree(ctx, c, c.HeadSHA, []string{p})
		if err != nil {
			s.log.DebugContext(ctx, "head version not read", slog.String("path", p), slog.String("error", err.Error()))
			s.noteContext(outcome, p, "the head version could not be read")
			failed[p] = true
			continue
		}
		if data, err := fs.ReadFile(fsys, p); err == nil {
			out[p] = &fstest.MapFile{Data: data}
		}
	}
	return out, failed
}

func (s *modelStage) noteContext(outcome map[string]*FileCoverage, path, why string) {
	if fc, ok := outcome[path]; ok {
		fc.Reason = addNote(fc.Reason, "no context: "+why)
	}
}

// maskHead returns the lines of a head version as the model may see them: secrets masked
// by the redactor, read as the diff's lines are (in config mode for a config file's
// path), and lines longer than maxLineBytes replaced by a placeholder.
func (s *modelStage) maskHead(f *diff.File, data []byte) []string {
	raw := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	h := diff.Hunk{OldStart: 1, OldLines: len(raw), NewStart: 1, NewLines: len(raw), Lines: make([]diff.Line, len(raw))}
	for i, l := range raw {
		h.Lines[i] = diff.Line{Kind: diff.Context, OldLine: i + 1, NewLine: i + 1, Content: strings.TrimSuffix(l, "\r")}
	}
	head := &diff.File{OldPath: f.NewPath, NewPath: f.NewPath, Status: diff.StatusModified, Hunks: []diff.Hunk{h}}
	masked, _ := s.redactor.File(head)
	out := make([]string, len(raw))
	for i, l := range masked.Hunks[0].Lines {
		out[i] = l.Content
		if len(l.Content) > maxLineBytes {
			out[i] = fmt.Sprintf("«line of %d bytes, not shown»", len(l.Content))
		}
	}
	return out
}

// changedLines returns the new line numbers the change touches in f: its added lines,
// and for each run of removed lines the line of the new file where they were (the next
// line the hunk keeps, else the one before), so that a removal has its enclosing scope.
func changedLines(f *diff.File) []int {
	var out []int
	for i := range f.Hunks {
		lines := f.Hunks[i].Lines
		for j, l := range lines {
			switch {
			case l.Kind == diff.Added:
				out = append(out, l.NewLine)
			case l.Kind == diff.Deleted && (j == 0 || lines[j-1].Kind != diff.Deleted):
				if n := whereRemoved(lines, j); n > 0 {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// whereRemoved is the new-file line next to the run of removed lines that starts at
// lines[j]: the first line after it that the new file has, else the last one before it.
func whereRemoved(lines []diff.Line, j int) int {
	for k := j; k < len(lines); k++ {
		if lines[k].Kind != diff.Deleted {
			return lines[k].NewLine
		}
	}
	for k := j - 1; k >= 0; k-- {
		if lines[k].Kind != diff.Deleted {
			return lines[k].NewLine
		}
	}
	return 0
}

// removedLines returns the text of f's removed lines.
func removedLines(f *diff.File) []string {
	var out []string
	for i := range f.Hunks {
		for _, l := range f.Hunks[i].Lines {
			if l.Kind == diff.Deleted {
				out = append(out, l.Content)
			}
		}
	}
	return out
}

// contextSpans describes what context a part sent, for the egress record:
// "1-12 file header".
func contextSpans(p *chunk.Part) []string {
	var out []string
	for _, e := range p.Context {
		out = append(out, fmt.Sprintf("%d-%d %s", e.Start, e.Start+len(e.Lines)-1, e.Label))
	}
	return out
}

// maskedNames keeps, of each related span's Names, those its masked lines show. The
// spans are found in the file as read, so a secret shaped like an identifier (an AWS key
// id, a GitHub token) on a changed line and elsewhere makes related code named after it,
// and its label would carry the secret past the masker to the model and into the egress
// record.
func maskedNames(spans []scope.Span, lines []string) []scope.Span {
	for i := range spans {
		sp := &spans[i]
		if sp.Names == "" {
			continue
		}
		var keep []string
		for _, name := range strings.Split(sp.Names, ", ") {
			for l := max(sp.Start, 1); l <= min(sp.End, len(lines)); l++ {
				if scope.HasWord(lines[l-1], name) {
					keep = append(keep, name)
					break
				}
			}
		}
		sp.Names = strings.Join(keep, ", ")
	}
	return spans
}
