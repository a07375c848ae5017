package chunk

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// DefaultMaxChunkTokens is the chunk budget when Options.MaxChunkTokens is 0.
const DefaultMaxChunkTokens = 12000

// Overlap is how many lines a window of a split hunk repeats from the window before it,
// so that the model sees the code just above the first line it reviews.
const Overlap = 3

// messageOverhead covers the chat format's tokens around two messages and the reply's
// priming (about four per message and three for the reply), rounded up.
const messageOverhead = 16

// Reasons a file is skipped.
const (
	ReasonBudget = "budget"
	// ReasonTooLarge prefixes the reason of a file with a line too large for any chunk.
	ReasonTooLarge = "too large"
)

// Options shape the chunks. The zero value uses the defaults.
type Options struct {
	// MaxChunkTokens bounds a chunk's estimated prompt tokens, system message and rules
	// included (review.max_chunk_tokens). 0 means DefaultMaxChunkTokens.
	MaxChunkTokens int
	// MaxTokensPerChange bounds the estimated prompt tokens of all chunks of a change
	// (review.max_tokens_per_change). 0 means no cap.
	MaxTokensPerChange int
	// Context bounds the code shown around the hunks of files that have a Context.
	Context ContextOptions
}

// File is a file to review with the rules that apply to it (rules.Set.ForPath).
type File struct {
	File  *diff.File
	Rules []*rules.Rule
	// Context, when set, is the file's head version, from which the code around its
	// hunks is shown (whole, or its header and enclosing scopes), budget permitting.
	Context *Context
}

// Part is the piece of one file a chunk sends: some of its hunks, or a window of lines of
// one hunk.
type Part struct {
	Path string
	// File is the whole file as parsed, for anchoring the findings on the part.
	File *diff.File
	// Hunks are what the model sees. A window of a split hunk is a Hunk of its own, with
	// its header recomputed and the line numbers of the original.
	Hunks []diff.Hunk
	// Rules are the rules that apply to the file and that the model is shown (not the
	// secret rules), sorted by id.
	Rules []*rules.Rule
	// Context is the code of the file's head version shown around the hunks, if any.
	Context []prompts.Excerpt
}

// Chunk is one request to the model.
type Chunk struct {
	Parts []Part
	// Rules are the union of the parts' rules, sorted by id.
	Rules []*rules.Rule
	// Tokens is the estimated size of the rendered prompt (Count of both messages plus
	// the chat format's overhead). It never undercounts Count of what Render produces.
	Tokens int

	// fixed is the messageOverhead plus the tokens of the user message without files.
	fixed int
}

// Skipped is a file left out of every chunk. Every file that yields no part for another
// reason than having nothing to review (only deletions) is reported as Skipped.
type Skipped struct {
	Path string
	// Reason is ReasonBudget, or ReasonTooLarge followed by why.
	Reason string
}

// Input returns what prompts.Render takes for the chunk.
func (c *Chunk) Input(change prompts.Change) prompts.Input {
	in := prompts.Input{Rules: promptRules(c.Rules), Change: change, Files: make([]prompts.File, len(c.Parts))}
	for i, p := range c.Parts {
		in.Files[i] = promptFile(p)
	}
	return in
}

func promptRules(rs []*rules.Rule) []prompts.Rule {
	out := make([]prompts.Rule, len(rs))
	for i, r := range rs {
		out[i] = promptRule(r)
	}
	return out
}

func promptFile(p Part) prompts.File {
	f := prompts.File{Path: p.Path, Status: p.File.Status.String(), Rules: ruleIDs(p.Rules), Hunks: make([]prompts.Hunk, len(p.Hunks)), Context: p.Context}
	if p.File.Status == diff.StatusRenamed || p.File.Status == diff.StatusCopied {
		f.OldPath = p.File.OldPath
	}
	for i := range p.Hunks {
		f.Hunks[i] = promptHunk(&p.Hunks[i])
	}
	return f
}

func promptHunk(h *diff.Hunk) prompts.Hunk {
	ph := prompts.Hunk{OldStart: h.OldStart, OldLines: h.OldLines, NewStart: h.NewStart, NewLines: h.NewLines,
		Section: h.Section, Lines: make([]prompts.Line, len(h.Lines))}
	for i := range h.Lines {
		ph.Lines[i] = promptLine(&h.Lines[i])
	}
	return ph
}

func promptLine(l *diff.Line) prompts.Line {
	kind := prompts.KindContext
	switch l.Kind {
	case diff.Added:
		kind = prompts.KindAdded
	case diff.Deleted:
		kind = prompts.KindDeleted
	}
	return prompts.Line{Kind: kind, OldLine: l.OldLine, NewLine: l.NewLine, Content: l.Content}
}

// sizer estimates the tokens of the pieces of a prompt. Every estimate is Count of the
// exact text Render writes for the piece, or more, so that by Count's subadditivity a
// chunk's sum never undercounts its rendered prompt.
type sizer struct {
	buf    []byte
	system map[string]int // by ruleKey
}

func newSizer() *sizer { return &sizer{system: map[string]int{}} }

// headerOverhead bounds the template text around a FILE line or a hunk header ("FILE ",
// " (", " from ", ")", "@@ -", ",", " +", " @@ ", line breaks): each piece is at most two
// tokens by Count.
const headerOverhead = 12

func (s *sizer) line(l *diff.Line) int {
	s.buf, _ = prompts.AppendLine(s.buf[:0], promptLine(l))
	return Count(string(s.buf))
}

func (s *sizer) hunkHeader(h *diff.Hunk) int {
	return headerOverhead + 4*costOfInt + Count(prompts.Sanitize(h.Section))
}

// rulesLineOverhead bounds Count of a file's "rules: " prefix and its line break.
const rulesLineOverhead = 4

// costOfInt bounds Count of a line count or start in a hunk header (up to 9 digits).
const costOfInt = 4

func (s *sizer) fileHeader(f *diff.File, rs []*rules.Rule) int {
	n := headerOverhead + Count(prompts.Sanitize(f.Path())) + Count(f.Status.String())
	if len(rs) > 0 {
		// "rules: " and the line break, then each id and its ", ".
		n += rulesLineOverhead
		for _, r := range rs {
			n += Count(prompts.Sanitize(r.ID)) + 2
		}
	}
	if f.Status == diff.StatusRenamed || f.Status == diff.StatusCopied {
		n += Count(prompts.Sanitize(f.OldPath))
	}
	return n
}

func (s *sizer) hunk(h *diff.Hunk) int {
	n := s.hunkHeader(h)
	for i := range h.Lines {
		n += s.line(&h.Lines[i])
	}
	return n
}

// rules returns the tokens of the system message for rs, sorted by id.
func (s *sizer) rules(rs []*rules.Rule) int {
	key := ruleKey(rs)
	if n, ok := s.system[key]; ok {
		return n
	}
	sys, err := prompts.RenderSystem(promptRules(rs))
	if err != nil {
		panic(fmt.Sprintf("chunk: render system prompt: %v", err)) // the templates are embedded and tested
	}
	n := Count(sys)
	s.system[key] = n
	return n
}

func ruleKey(rs []*rules.Rule) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.ID)
		b.WriteByte(0)
	}
	return b.String()
}

// fixedTokens is the overhead plus the user message of change without files.
func fixedTokens(change prompts.Change) int {
	msgs, err := prompts.Render(prompts.Input{Change: change})
	if err != nil {
		panic(fmt.Sprintf("chunk: render prompt: %v", err))
	}
	return messageOverhead + Count(msgs[1].Content)
}

// unionRules merges two id-sorted rule lists into one, without duplicates.
func unionRules(a, b []*rules.Rule) []*rules.Rule {
	out := make([]*rules.Rule, 0, len(a)+len(b))
	for len(a) > 0 || len(b) > 0 {
		switch {
		case len(b) == 0 || len(a) > 0 && a[0].ID < b[0].ID:
			out, a = append(out, a[0]), a[1:]
		case len(a) == 0 || b[0].ID < a[0].ID:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, a[0]), a[1:], b[1:]
		}
	}
	return out
}

func sortedRules(rs []*rules.Rule) []*rules.Rule {
	if slices.IsSortedFunc(rs, byID) {
		return rs
	}
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, byID)
	return rs
}

func byID(a, b *rules.Rule) int { return strings.Compare(a.ID, b.ID) }

func dir(p string) string { return path.Dir(p) }
