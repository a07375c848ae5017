package chunk

import (
	"slices"

	"github.com/reviewerbot/reviewer/prompts"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// packer fills chunks in order. The open chunk is cur; parts join it while they fit.
type packer struct {
	sz     *sizer
	budget int
	fixed  int

	// ctxCap bounds the context tokens of a chunk; floor is the richest context level
	// allowed (levelWhole, or poorer to fit the change's budget).
	ctxCap, floor int

	out     []Chunk
	cur     []Part
	rules   []*rules.Rule
	toks    int // the parts' tokens in cur
	ctxToks int // the context's tokens in cur
}

func (p *packer) pack(items []*item) []Chunk {
	p.out, p.cur, p.rules, p.toks, p.ctxToks = nil, nil, nil, 0, 0
	for _, group := range groups(items) {
		rs := group[0].rules
		if len(p.cur) > 0 {
			union := unionRules(p.rules, rs)
			if p.fitsWhole(group, p.budget-p.fixed-p.sz.rules(union)-p.toks) {
				p.rules = union
				for _, it := range group {
					p.addAt(it, p.best(it, p.budget-p.fixed-p.sz.rules(rs)))
				}
				continue
			}
			p.flush()
		}
		p.rules = rs
		room := p.budget - p.fixed - p.sz.rules(rs)
		for _, it := range group {
			// The richest context the file can have in a chunk of its own; it moves to a
			// new chunk rather than lose context to fit the open one.
			lv := p.best(it, room)
			switch {
			case lv < contextLevels && p.fits(it, lv, room-p.toks, p.ctxToks):
				p.addAt(it, lv)
			case lv < contextLevels:
				p.flush()
				p.rules = rs
				p.addAt(it, lv)
			default:
				p.flush()
				p.rules = rs // flush cleared them: the first part needs its rules too
				parts := p.split(it, room)
				for i, part := range parts {
					if i > 0 {
						p.flush()
						p.rules = rs
					}
					p.add(part.Part, part.tokens)
				}
			}
		}
	}
	p.flush()
	return p.out
}

// best returns the richest context level at which it fits room in a chunk of its own,
// or contextLevels when even none does.
func (p *packer) best(it *item, room int) int {
	for lv := p.floor; lv < contextLevels; lv++ {
		if it.levels[lv].ok && p.fits(it, lv, room, 0) {
			return lv
		}
	}
	return contextLevels
}

func (p *packer) fits(it *item, lv, room, ctxUsed int) bool {
	c := it.levels[lv].tokens
	return it.tokens+c <= room && ctxUsed+c <= p.ctxCap
}

// fitsWhole reports whether all of group fits room at the context each would have alone.
func (p *packer) fitsWhole(group []*item, room int) bool {
	n, c := 0, p.ctxToks
	for _, it := range group {
		lv := p.best(it, p.budget-p.fixed-p.sz.rules(it.rules))
		if lv == contextLevels {
			return false
		}
		n += it.tokens + it.levels[lv].tokens
		c += it.levels[lv].tokens
	}
	return n <= room && c <= p.ctxCap
}

func (p *packer) addAt(it *item, lv int) {
	part := wholePart(it)
	part.Context = it.levels[lv].ex
	p.add(part, it.tokens+it.levels[lv].tokens)
	p.ctxToks += it.levels[lv].tokens
}

func (p *packer) add(part Part, tokens int) {
	p.cur = append(p.cur, part)
	p.toks += tokens
}

func (p *packer) flush() {
	if len(p.cur) == 0 {
		return
	}
	p.out = append(p.out, Chunk{Parts: p.cur, Rules: p.rules, Tokens: p.fixed + p.sz.rules(p.rules) + p.toks, fixed: p.fixed})
	p.cur, p.rules, p.toks, p.ctxToks = nil, nil, 0, 0
}

func wholePart(it *item) Part {
	return Part{Path: it.path, File: it.file, Hunks: it.hunks, Rules: it.rules}
}

// groups orders items by rule set (in the order the sets first appear), then by
// directory within a set (same), then by diff order.
func groups(items []*item) [][]*item {
	var keys []string
	byKey := map[string][]*item{}
	for _, it := range items {
		if _, ok := byKey[it.key]; !ok {
			keys = append(keys, it.key)
		}
		byKey[it.key] = append(byKey[it.key], it)
	}
	out := make([][]*item, 0, len(keys))
	for _, k := range keys {
		g := byKey[k]
		rank := map[string]int{}
		for _, it := range g {
			if _, ok := rank[dir(it.path)]; !ok {
				rank[dir(it.path)] = len(rank)
			}
		}
		slices.SortStableFunc(g, func(a, b *item) int { return rank[dir(a.path)] - rank[dir(b.path)] })
		out = append(out, g)
	}
	return out
}

type sizedPart struct {
	Part
	tokens int
}

// split cuts a file too large for one chunk into parts of at most room tokens: at hunk
// boundaries, and a hunk larger than room into windows of lines.
func (p *packer) split(it *item, room int) []sizedPart {
	avail := room - it.header
	type piece struct {
		hunk   diff.Hunk
		tokens int
	}
	var pieces []piece
	for i, h := range it.hunks {
		if it.hunkToks[i] <= avail {
			pieces = append(pieces, piece{h, it.hunkToks[i]})
			continue
		}
		for _, w := range windows(p.sz, &h, avail) {
			pieces = append(pieces, piece{w, p.sz.hunk(&w)})
		}
	}
	var parts []sizedPart
	cur := sizedPart{Part: Part{Path: it.path, File: it.file, Rules: it.rules}, tokens: it.header}
	for _, pc := range pieces {
		if len(cur.Hunks) > 0 && cur.tokens+pc.tokens > room {
			parts = append(parts, cur)
			cur = sizedPart{Part: Part{Path: it.path, File: it.file, Rules: it.rules}, tokens: it.header}
		}
		cur.Hunks = append(cur.Hunks, pc.hunk)
		cur.tokens += pc.tokens
	}
	if len(cur.Hunks) > 0 {
		parts = append(parts, cur)
	}
	// Each part, in a chunk of its own, takes the header and the scopes around its own
	// hunks where they fit the room its diff left.
	if lv := it.levels[levelScopes]; lv.ok && p.floor <= levelScopes {
		for i := range parts {
			pt := &parts[i]
			inDiff := ranges(pt.Hunks)
			var ex []prompts.Excerpt
			for _, e := range lv.ex {
				if overlaps(e, inDiff) && !covered(e, inDiff) {
					ex = append(ex, e)
				}
			}
			if n := p.sz.context(it.path, ex, inDiff); len(ex) > 0 && pt.tokens+n <= room && n <= p.ctxCap {
				pt.Context = ex
				pt.tokens += n
			}
		}
	}
	return parts
}

// windows cuts h into windows of lines of at most room tokens, hunk header included. Each
// window after the first starts with the last Overlap lines of the one before, when they
// leave room for a new line. Windows that add no line are left out. Lines keep their
// numbers; each window's header is recomputed from them.
func windows(sz *sizer, h *diff.Hunk, room int) []diff.Hunk {
	cost := make([]int, len(h.Lines))
	for i := range h.Lines {
		cost[i] = sz.line(&h.Lines[i])
	}
	head := sz.hunkHeader(h)
	fill := func(start int) int { // the end of the window from start
		end, n := start, head
		for end < len(cost) && n+cost[end] <= room {
			n += cost[end]
			end++
		}
		return end
	}
	var out []diff.Hunk
	start, end := 0, 0
	for end < len(cost) {
		lo := max(end-Overlap, start+1, 0)
		if end == 0 {
			lo = 0
		}
		hi := fill(lo)
		if hi <= end { // the overlap leaves no room for a new line
			lo = end
			hi = fill(lo)
		}
		if hi == lo { // a line larger than room; prepare rules this out
			hi = lo + 1
		}
		if hasChange(h.Lines[lo:hi]) {
			out = append(out, window(h, lo, hi))
		}
		start, end = lo, hi
	}
	return out
}

// window returns lines [lo, hi) of h as a hunk of its own, with the header a unified diff
// would give it.
func window(h *diff.Hunk, lo, hi int) diff.Hunk {
	oldNext, newNext := h.OldStart, h.NewStart
	if h.OldLines == 0 {
		oldNext++
	}
	if h.NewLines == 0 {
		newNext++
	}
	for _, l := range h.Lines[:lo] {
		if l.Kind != diff.Added {
			oldNext++
		}
		if l.Kind != diff.Deleted {
			newNext++
		}
	}
	w := diff.Hunk{Section: h.Section, Lines: h.Lines[lo:hi:hi]}
	for _, l := range w.Lines {
		if l.Kind != diff.Added {
			w.OldLines++
		}
		if l.Kind != diff.Deleted {
			w.NewLines++
		}
	}
	w.OldStart, w.NewStart = oldNext, newNext
	if w.OldLines == 0 {
		w.OldStart--
	}
	if w.NewLines == 0 {
		w.NewStart--
	}
	return w
}
