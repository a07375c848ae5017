package chunk

import (
	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// Split halves c for a retry after the model's answer was cut off at its length limit:
// by parts when it has several, else by hunks, else its one hunk by lines, the second
// half repeating Overlap lines of the first. Each half carries only its parts' rules and
// its own Tokens. It returns false when c holds a single line, which no split can help.
func Split(c Chunk) (Chunk, Chunk, bool) {
	var a, b []Part
	switch {
	case len(c.Parts) >= 2:
		n := len(c.Parts) / 2
		a, b = c.Parts[:n:n], c.Parts[n:]
	case len(c.Parts) == 1 && len(c.Parts[0].Hunks) >= 2:
		p := c.Parts[0]
		n := len(p.Hunks) / 2
		pa, pb := p, p
		pa.Hunks, pb.Hunks = p.Hunks[:n:n], p.Hunks[n:]
		a, b = []Part{pa}, []Part{pb}
	case len(c.Parts) == 1 && len(c.Parts[0].Hunks) == 1 && countAdded(c.Parts[0].Hunks[0].Lines) >= 2:
		// Cut before the middle added line, so each window has added lines to review: a
		// window of context alone would be paid for and say nothing.
		p := c.Parts[0]
		h := &p.Hunks[0]
		n := middleAdded(h.Lines)
		pa, pb := p, p
		pa.Hunks = []diff.Hunk{window(h, 0, n)}
		// The second window repeats up to Overlap lines before the cut, but never the
		// first added line, so both halves are smaller than the hunk.
		pb.Hunks = []diff.Hunk{window(h, max(n-Overlap, firstAdded(h.Lines)+1), len(h.Lines))}
		a, b = []Part{pa}, []Part{pb}
	default:
		return Chunk{}, Chunk{}, false
	}
	sz := newSizer()
	return c.half(sz, a), c.half(sz, b), true
}

func (c *Chunk) half(sz *sizer, parts []Part) Chunk {
	var rs []*rules.Rule
	n := c.fixed
	for i, p := range parts {
		rs = unionRules(rs, p.Rules)
		n += sz.fileHeader(p.File, p.Rules)
		for i := range p.Hunks {
			n += sz.hunk(&p.Hunks[i])
		}
		// A half keeps the context around its own hunks.
		if len(p.Context) > 0 {
			inDiff := ranges(p.Hunks)
			var ex []prompts.Excerpt
			for _, e := range p.Context {
				if overlaps(e, inDiff) {
					ex = append(ex, e)
				}
			}
			parts[i].Context = ex
			n += sz.context(p.Path, ex, inDiff)
		}
	}
	return Chunk{Parts: parts, Rules: rs, Tokens: n + sz.rules(rs), fixed: c.fixed}
}

func countAdded(lines []diff.Line) int {
	n := 0
	for i := range lines {
		if lines[i].Kind == diff.Added {
			n++
		}
	}
	return n
}

// middleAdded returns the index of the middle added line of lines, which has at least two.
func middleAdded(lines []diff.Line) int {
	want := countAdded(lines) / 2
	for i := range lines {
		if lines[i].Kind == diff.Added {
			if want == 0 {
				return i
			}
			want--
		}
	}
	return len(lines) - 1
}

func firstAdded(lines []diff.Line) int {
	for i := range lines {
		if lines[i].Kind == diff.Added {
			return i
		}
	}
	return 0
}
