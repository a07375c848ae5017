package chunk

import (
	"cmp"
	"slices"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/scope"
)

// Context is a file's head version, for the code shown around its hunks.
type Context struct {
	// Lines are the head version's lines, masked as the diff is; Lines[0] is line 1.
	Lines []string
	// Spans are the header and the enclosing scopes of the changed lines (scope.Spans).
	Spans []scope.Span
}

// The context budgets when ContextOptions leaves them 0.
const (
	DefaultWholeFileTokens   = 2500
	DefaultMaxFileContext    = 4000
	DefaultMaxChunkContext   = 6000
	labelWholeFile           = "whole file"
	levelWhole, levelScopes  = 0, 1
	levelNone, contextLevels = 2, 3
)

// ContextOptions bound the context sent beside the hunks.
type ContextOptions struct {
	// WholeFileTokens: a file whose whole head version takes at most this many tokens is
	// shown whole (review.context.whole_file_tokens).
	WholeFileTokens int
	// MaxFileTokens bounds one file's context (review.context.max_file_tokens).
	MaxFileTokens int
	// MaxChunkTokens bounds the context of all files of a chunk
	// (review.context.max_chunk_tokens).
	MaxChunkTokens int
}

func (o ContextOptions) withDefaults() ContextOptions {
	if o.WholeFileTokens <= 0 {
		o.WholeFileTokens = DefaultWholeFileTokens
	}
	if o.MaxFileTokens <= 0 {
		o.MaxFileTokens = DefaultMaxFileContext
	}
	if o.MaxChunkTokens <= 0 {
		o.MaxChunkTokens = DefaultMaxChunkContext
	}
	return o
}

// level is one way to show a file's context: whole, its scopes, or none.
type level struct {
	ok     bool
	ex     []prompts.Excerpt
	tokens int
}

// contextBlockTokens bounds Count of the CONTEXT block's delimiters: no byte costs Count
// more than costDigits/unit of a token.
const contextBlockTokens = (prompts.ContextBlockBytes*costDigits+unit-1)/unit + 1

// context returns the tokens of excerpts as Render writes them for a file whose hunks
// show inDiff, the CONTEXT block's delimiters included, or 0 for none.
func (s *sizer) context(path string, ex []prompts.Excerpt, inDiff []prompts.LineRange) int {
	if len(ex) == 0 {
		return 0
	}
	s.buf = prompts.AppendContext(s.buf[:0], path, ex, inDiff)
	return Count(string(s.buf)) + contextBlockTokens
}

// levelsOf works out how f's context can be shown beside hunks: whole, when it fits
// WholeFileTokens; its header and scopes, as many as fit MaxFileTokens; or not at all.
// Excerpts whose every line the hunks show are left out.
func levelsOf(sz *sizer, path string, c *Context, hunks []diff.Hunk, o ContextOptions) [contextLevels]level {
	var lv [contextLevels]level
	lv[levelNone].ok = true
	if c == nil || len(c.Lines) == 0 {
		return lv
	}
	inDiff := ranges(hunks)
	limit := min(o.WholeFileTokens, o.MaxFileTokens)
	// Every rendered line costs at least one token: a longer file can not fit.
	if len(c.Lines) <= limit {
		ex := []prompts.Excerpt{{Start: 1, Label: labelWholeFile, Lines: c.Lines}}
		if !covered(ex[0], inDiff) {
			if n := sz.context(path, ex, inDiff); n <= limit {
				lv[levelWhole] = level{ok: true, ex: ex, tokens: n}
			}
		}
	}
	// The header and enclosing scopes first, then related code best first (scope.Span's
	// Rank), as the budget allows, and only when all of the first fit; shown in the
	// file's order.
	spans := slices.Clone(c.Spans)
	slices.SortStableFunc(spans, func(a, b scope.Span) int { return cmp.Compare(a.Rank, b.Rank) })
	var ex []prompts.Excerpt
	n := 0
	primaryLeftOut := false
	for _, sp := range spans {
		if sp.Rank > 0 && primaryLeftOut {
			break // related code is no use without the scope it relates to
		}
		end := min(sp.End, len(c.Lines))
		if sp.Start < 1 || sp.Start > end {
			continue
		}
		e := prompts.Excerpt{Start: sp.Start, Label: sp.Label(), Lines: c.Lines[sp.Start-1 : end]}
		if covered(e, inDiff) {
			continue
		}
		// Each excerpt is sized with the FILE line and the delimiters, which overcounts a
		// little, so that by Count's subadditivity the sum bounds the whole.
		cost := sz.context(path, []prompts.Excerpt{e}, inDiff)
		if n+cost > o.MaxFileTokens {
			primaryLeftOut = primaryLeftOut || sp.Rank == 0
			continue
		}
		ex = append(ex, e)
		n += cost
	}
	if len(ex) > 0 {
		slices.SortFunc(ex, func(a, b prompts.Excerpt) int { return cmp.Compare(a.Start, b.Start) })
		lv[levelScopes] = level{ok: true, ex: ex, tokens: n}
	}
	// Whole beats scopes only when it is not the larger of the two by much: a large file
	// with one small hunk is better shown by its scopes.
	if lv[levelWhole].ok && lv[levelScopes].ok && lv[levelWhole].tokens > 2*lv[levelScopes].tokens+o.WholeFileTokens/2 {
		lv[levelWhole] = level{}
	}
	return lv
}

func ranges(hunks []diff.Hunk) []prompts.LineRange {
	out := make([]prompts.LineRange, 0, len(hunks))
	for i := range hunks {
		if h := &hunks[i]; h.NewLines > 0 {
			out = append(out, prompts.LineRange{Start: h.NewStart, End: h.NewStart + h.NewLines - 1})
		}
	}
	return out
}

// covered reports whether every line of e is in the diff already.
func covered(e prompts.Excerpt, inDiff []prompts.LineRange) bool {
	for n := e.Start; n < e.Start+len(e.Lines); {
		next := n
		for _, r := range inDiff {
			if r.Start <= n && n <= r.End {
				next = max(next, r.End+1)
			}
		}
		if next == n {
			return false
		}
		n = next
	}
	return true
}

// overlaps reports whether e shows a line of one of rs, or is the file's top (its header
// or the whole file), which every part of a file keeps.
func overlaps(e prompts.Excerpt, rs []prompts.LineRange) bool {
	if e.Start == 1 {
		return true
	}
	for _, r := range rs {
		if r.Start <= e.Start+len(e.Lines)-1 && e.Start <= r.End {
			return true
		}
	}
	return false
}

// WithoutContext returns c without the context of its parts and its Tokens lowered to
// match, and false when c has no context: what the model stage sends when a prompt with
// context was too long for the model, before it splits the diff.
func (c Chunk) WithoutContext() (Chunk, bool) {
	has := false
	parts := make([]Part, len(c.Parts))
	for i, p := range c.Parts {
		has = has || len(p.Context) > 0
		p.Context = nil
		parts[i] = p
	}
	if !has {
		return c, false
	}
	return c.half(newSizer(), parts), true
}
