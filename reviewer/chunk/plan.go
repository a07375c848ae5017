package chunk

import (
	"fmt"
	"slices"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// item is one file ready for packing: the hunks it sends and their sizes.
type item struct {
	index    int // in Plan's files
	path     string
	file     *diff.File
	rules    []*rules.Rule
	key      string // ruleKey(rules)
	header   int    // tokens of the FILE line
	hunks    []diff.Hunk
	hunkToks []int
	tokens   int // header plus hunks
	// levels are the ways its context can be shown, richest first.
	levels [contextLevels]level
}

// Plan packs files into chunks for the model and lists the files it leaves out.
//
// Only hunks that add lines are sent: a hunk that only deletes has no new line to comment
// on, so a file with nothing else yields no part and no Skipped entry (it stays in the
// caller's coverage ledger as reviewed or filtered). A file with a single line larger
// than a chunk is Skipped as too large.
//
// Every chunk's Tokens stays within opts.MaxChunkTokens, its system message and rules
// included. Files with the same rule set are packed together, grouped by directory, so a
// chunk carries only its files' rules; rule sets come in the order they first appear in
// the diff, and small groups share a chunk when they fit whole. A file too large for one
// chunk is split at hunk boundaries, and a hunk too large for one chunk into windows of
// lines that repeat Overlap lines of the window before.
//
// When opts.MaxTokensPerChange is set and the chunks would exceed it, files are taken by
// priority (security-sensitive paths, then source, config, tests and docs; the diff's
// order within a class) while they fit, and every file left out is Skipped with
// ReasonBudget. Plan is deterministic: the same input gives the same chunks.
func Plan(files []File, change prompts.Change, opts Options) ([]Chunk, []Skipped) {
	budget := opts.MaxChunkTokens
	if budget <= 0 {
		budget = DefaultMaxChunkTokens
	}
	sz := newSizer()
	fixed := fixedTokens(change)
	copts := opts.Context.withDefaults()
	var items []*item
	var skipped []Skipped
	for i, f := range files {
		it, reason := prepare(sz, i, f, budget, budget-fixed)
		switch {
		case reason != "":
			skipped = append(skipped, Skipped{Path: f.File.Path(), Reason: reason})
		case it != nil:
			it.levels = levelsOf(sz, it.path, f.Context, it.hunks, copts)
			items = append(items, it)
		}
	}
	p := packer{sz: sz, budget: budget, fixed: fixed, ctxCap: copts.MaxChunkTokens}
	chunks := p.pack(items)
	limit := opts.MaxTokensPerChange
	// Over the change's budget, context goes first: whole files become scopes, then
	// scopes go, before any file is left out.
	for floor := levelScopes; limit > 0 && total(chunks) > limit && floor <= levelNone; floor++ {
		p.floor = floor
		chunks = p.pack(items)
	}
	if limit > 0 && total(chunks) > limit {
		var left []*item
		items, left = p.withinBudget(items, limit)
		chunks = p.pack(items)
		for _, it := range left {
			skipped = append(skipped, Skipped{Path: it.path, Reason: ReasonBudget})
		}
	}
	return chunks, skipped
}

func total(chunks []Chunk) int {
	n := 0
	for i := range chunks {
		n += chunks[i].Tokens
	}
	return n
}

// prepare sizes a file's reviewable hunks. It returns nil and no reason for a file with
// nothing to send.
func prepare(sz *sizer, index int, f File, budget, room int) (*item, string) {
	rs := sortedRules(modelRules(f.Rules))
	it := &item{index: index, path: f.File.Path(), file: f.File, rules: rs, key: ruleKey(rs), header: sz.fileHeader(f.File, rs)}
	it.tokens = it.header
	// The largest line must fit in a chunk with this file's rules, its header and a hunk
	// header around it.
	prefix := sz.rules(rs) + it.header
	if prefix >= room {
		return nil, fmt.Sprintf("%s: the instructions, the change's description and the %d rules for this file alone take about %d tokens, review.max_chunk_tokens is %d", ReasonTooLarge, len(rs), prefix+budget-room, budget)
	}
	room -= prefix
	for j := range f.File.Hunks {
		h := &f.File.Hunks[j]
		if !hasChange(h.Lines) {
			continue
		}
		n := sz.hunkHeader(h)
		for k := range h.Lines {
			ln := sz.line(&h.Lines[k])
			if ln+sz.hunkHeader(h) > room {
				return nil, fmt.Sprintf("%s: line %d alone is about %d tokens, more than the %d a chunk has left after the instructions and rules", ReasonTooLarge, lineNumber(&h.Lines[k]), ln, room)
			}
			n += ln
		}
		it.hunks = append(it.hunks, *h)
		it.hunkToks = append(it.hunkToks, n)
		it.tokens += n
	}
	if len(it.hunks) == 0 {
		return nil, ""
	}
	return it, ""
}

func lineNumber(l *diff.Line) int {
	if l.Kind == diff.Deleted {
		return l.OldLine
	}
	return l.NewLine
}

// hasChange reports whether lines add or remove a line: a hunk that only removes code (a
// dropped check) is reviewed like one that adds.
func hasChange(lines []diff.Line) bool {
	for i := range lines {
		if lines[i].Kind == diff.Added || lines[i].Kind == diff.Deleted {
			return true
		}
	}
	return false
}

// withinBudget keeps the items that fit in limit tokens, in priority order, and returns the
// others in diff order. It first takes items by their own size while it fits; if the
// packed chunks still exceed limit (every chunk repeats the system message), it drops the
// kept items of lowest priority until they fit.
func (p *packer) withinBudget(items []*item, limit int) (keep, left []*item) {
	order := slices.Clone(items)
	slices.SortStableFunc(order, func(a, b *item) int { return int(priority(a.path)) - int(priority(b.path)) })
	spent := 0
	for _, it := range order {
		if spent+it.tokens <= limit {
			keep = append(keep, it)
			spent += it.tokens
		} else {
			left = append(left, it)
		}
	}
	// Packed chunks repeat the instructions and rules, which the sum above leaves out: drop
	// the lowest-priority file and pack again until the chunks fit. Dropping a file can
	// save more than its own tokens (a chunk and its prefix), so re-measure every time.
	for len(keep) > 0 && total(p.pack(inDiffOrder(keep))) > limit {
		left = append(left, keep[len(keep)-1])
		keep = keep[:len(keep)-1]
	}
	return inDiffOrder(keep), inDiffOrder(left)
}

func inDiffOrder(items []*item) []*item {
	items = slices.Clone(items)
	slices.SortFunc(items, func(a, b *item) int { return a.index - b.index })
	return items
}
