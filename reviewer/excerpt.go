package reviewer

import (
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// maxExcerptLines bounds the lines of an excerpt; a finding on a longer range shows its
// first lines.
const maxExcerptLines = 4

// Span names lines of one side of a file: a finding's place.
type Span struct {
	Path string
	// Side is SideNew or SideOld, never empty.
	Side          Side
	Line, EndLine int
}

// SpanOf returns the span of f's lines, reading an unset side as new.
func SpanOf(f *Finding) Span {
	side := f.Side
	if side != SideOld {
		side = SideNew
	}
	return Span{Path: f.Path, Side: side, Line: f.Line, EndLine: max(f.Line, f.EndLine)}
}

// Excerpt is the code a finding points at, as the review saw it: the diff's lines from
// the span's first line on, with secrets masked by the redactor and lines too long to
// show replaced, the way the model is shown them. The real lines never leave the
// pipeline this way, so a report can print an excerpt into a CI log without printing a
// secret a rule found on it.
type Excerpt struct {
	// Lines are the span's first lines (at most maxExcerptLines), up to the first line
	// the diff does not hold.
	Lines []string
	// Masked is set when masking (a secret, a line too long to show) changed one of the
	// lines: a finding's byte columns, which count on the real line, no longer fit it.
	Masked bool
}

// excerpts returns the excerpt of every finding's span. Files withheld from the model
// (keys, credentials, environment files) get none: they are sensitive as a whole, not
// only where a detector matched.
func excerpts(files []*diff.File, findings []Finding, m *masks) map[Span]Excerpt {
	want := map[string][]Span{}
	for i := range findings {
		s := SpanOf(&findings[i])
		want[s.Path] = append(want[s.Path], s)
	}
	out := make(map[Span]Excerpt, len(findings))
	for _, f := range files {
		spans := want[f.Path()]
		if len(spans) == 0 {
			continue
		}
		if _, ok := redact.WithheldFile(f); ok {
			continue
		}
		masked, _ := m.file(f) // masked already for the rules and the model: no second pass
		masked = maskLongLines(masked)
		for _, s := range spans {
			if _, done := out[s]; done {
				continue
			}
			if ex, ok := excerptOf(f, masked, s); ok {
				out[s] = ex
			}
		}
		delete(want, f.Path())
	}
	return out
}

// excerptOf reads span s from a file as the diff has it (orig) and as the model is
// shown it (masked); the two have the same lines in the same places.
func excerptOf(orig, masked *diff.File, s Span) (Excerpt, bool) {
	var ex Excerpt
	next := s.Line
	last := min(s.EndLine, s.Line+maxExcerptLines-1)
	for hi := range masked.Hunks {
		for li, l := range masked.Hunks[hi].Lines {
			n := l.NewLine
			if s.Side == SideOld {
				n = l.OldLine
			}
			if s.Side == SideOld && l.Kind == diff.Added || s.Side == SideNew && l.Kind == diff.Deleted {
				continue
			}
			if n != next || n > last {
				continue
			}
			ex.Lines = append(ex.Lines, l.Content)
			if l.Content != orig.Hunks[hi].Lines[li].Content {
				ex.Masked = true
			}
			next++
		}
	}
	return ex, len(ex.Lines) > 0
}
