package reviewer

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// snapWindow is how far, in lines, a finding may be moved to where its quoted code is.
// A model reads the line numbers printed beside each line, so its mistakes are small:
// an off-by-a-few count, or a removed line's number given as a new one. Anything further
// is a different place, and a guess.
const snapWindow = 5

// sentFile indexes the lines of one file that a model was shown, so that its findings can
// be checked against what it actually saw.
type sentFile struct {
	path  string
	lines []sentLine // in diff order
	// byNew and byOld map a line number to its index in lines.
	byNew, byOld map[int]int
}

type sentLine struct {
	hunk     int
	kind     diff.LineKind
	old, new int
	folded   string // what the model saw, white space folded
	// original is the line as it is in the change, before secrets were masked.
	original string
	// altered is set when what the model saw differs from the original (a masked secret,
	// an escaped control character): a suggestion built on it would not be the code.
	altered bool
	// nth counts the earlier lines of the whole file's diff, on the same side, whose
	// folded original content is the same; it keeps fingerprints of identical lines apart
	// and does not depend on which lines a chunk showed or which findings came back.
	nthNew, nthOld int
}

// fileIndex is what anchoring needs of a file as the change has it: each line's original
// content, and its place among identical lines of its side.
type fileIndex struct {
	byNew, byOld map[int]origLine
}

type origLine struct {
	content        string
	nthNew, nthOld int
}

func newFileIndex(orig *diff.File) *fileIndex {
	ix := &fileIndex{byNew: map[int]origLine{}, byOld: map[int]origLine{}}
	seenNew, seenOld := map[string]int{}, map[string]int{}
	for hi := range orig.Hunks {
		for _, l := range orig.Hunks[hi].Lines {
			f := foldSpace(l.Content)
			ol := origLine{content: l.Content}
			if l.Kind != diff.Deleted {
				ol.nthNew = seenNew[f]
				seenNew[f]++
			}
			if l.Kind != diff.Added {
				ol.nthOld = seenOld[f]
				seenOld[f]++
			}
			if l.Kind != diff.Deleted {
				ix.byNew[l.NewLine] = ol
			} else {
				ix.byOld[l.OldLine] = ol
			}
		}
	}
	return ix
}

// newSentFile indexes hunks, the part of a file a model was shown (with secrets masked);
// orig indexes the file as the change has it. A nil orig means the hunks are the original.
func newSentFile(path string, hunks []diff.Hunk, orig *fileIndex) *sentFile {
	n := 0
	for i := range hunks {
		n += len(hunks[i].Lines)
	}
	sf := &sentFile{path: path, lines: make([]sentLine, 0, n), byNew: make(map[int]int, n), byOld: make(map[int]int, n)}
	seenNew, seenOld := map[string]int{}, map[string]int{}
	for hi := range hunks {
		for _, l := range hunks[hi].Lines {
			sl := sentLine{hunk: hi, kind: l.Kind, old: l.OldLine, new: l.NewLine, folded: foldSpace(l.Content), original: l.Content}
			var ol origLine
			found := false
			if orig != nil {
				if l.Kind == diff.Deleted {
					ol, found = orig.byOld[l.OldLine]
				} else {
					ol, found = orig.byNew[l.NewLine]
				}
			}
			if found {
				sl.original, sl.nthNew, sl.nthOld = ol.content, ol.nthNew, ol.nthOld
			} else {
				f := foldSpace(l.Content)
				if l.Kind != diff.Deleted {
					sl.nthNew = seenNew[f]
					seenNew[f]++
				}
				if l.Kind != diff.Added {
					sl.nthOld = seenOld[f]
					seenOld[f]++
				}
			}
			sl.altered = sl.original != l.Content || prompts.Altered(l.Content)
			idx := len(sf.lines)
			sf.lines = append(sf.lines, sl)
			if l.Kind != diff.Deleted {
				sf.byNew[l.NewLine] = idx
			}
			if l.Kind != diff.Added {
				sf.byOld[l.OldLine] = idx
			}
		}
	}
	return sf
}

// citable reports whether a finding on the file at path may cite rule: whether the chunk
// carried that rule for that file.
type citable func(rule, path string) bool

// anchor checks a model finding against the lines the model was shown and returns the
// finding to post, or the reason it can not be placed. It never guesses:
//
//   - a finding whose lines are in one hunk, and whose quote (if any) is on its first
//     line, stays where it is;
//   - a finding whose quote is not where it says is moved to the nearest place within
//     snapWindow lines where the quoted code is, on its side or, for a removed line the
//     model numbered as a new one, on the other side; two places equally near are a guess;
//   - everything else goes to the unplaced list.
func anchor(mf ModelFinding, files map[string]*sentFile, cites citable) (Finding, string) {
	sf, ok := files[mf.Path]
	if !ok {
		return Finding{}, fmt.Sprintf("%s was not in the reviewed chunk", mf.Path)
	}
	side := mf.Side
	if side != SideOld {
		side = SideNew
	}
	line, end := mf.Line, max(mf.EndLine, mf.Line)
	span := end - line + 1
	start, last, ok := sf.rangeOf(line, end, side)
	quote := strings.TrimSpace(mf.Quote) != ""
	why := ""
	switch {
	case ok && (!quote || sf.quotedAt(start, quoteLines(mf.Quote, false), side) || sf.quotedAt(start, quoteLines(mf.Quote, true), side)):
		// In the diff, and the quote agrees.
	case quote:
		var moved bool
		for _, s := range []Side{side, other(side)} {
			if first, lastQ, found := sf.locate(mf.Quote, s, line); found {
				start, last, side, moved = first, lastQ, s, true
				line, end = sf.number(start, side), sf.number(last, side)
				break
			}
		}
		if !moved {
			why = fmt.Sprintf("the quoted code is not at %s or near it", where(mf.Line, side))
		}
	default:
		_, in := sf.index(side)[mf.Line]
		if in && end != mf.Line {
			why = fmt.Sprintf("%s-%d are not in one hunk of the diff", where(mf.Line, side), end)
		} else {
			why = fmt.Sprintf("%s is not in the diff", where(mf.Line, side))
		}
	}
	if why != "" {
		return Finding{}, why
	}

	sev, err := rules.ParseSeverity(mf.Severity)
	if err != nil {
		sev = rules.SeverityWarning
	}
	rule := mf.RuleID
	if rule != "" && (cites == nil || !cites(rule, sf.path)) {
		// A rule the chunk did not carry for this file is an invention (a steered model
		// citing an info rule to cap its own finding's severity, say): keep the finding,
		// not the claim.
		rule = ""
	}
	suggestion := mf.Suggestion
	var code []string
	for i := start; i <= last; i++ {
		l := &sf.lines[i]
		if !l.onSide(side) {
			continue
		}
		code = append(code, l.original)
		if l.altered {
			// The model saw a masked secret or an escaped character here: its suggestion
			// would commit the placeholder, not the code.
			suggestion = ""
		}
	}
	if side == SideOld || end-line+1 != span {
		// A suggestion replaces exactly the lines the model named; once the range moved or
		// changed size, or on removed lines, it would replace the wrong code.
		suggestion = ""
	}
	nth := sf.lines[start].nthNew
	if side == SideOld {
		nth = sf.lines[start].nthOld
	}
	class := rule
	if class == "" {
		class = "llm"
	}
	return Finding{
		Path:        sf.path,
		Line:        line,
		EndLine:     end,
		Side:        side,
		Severity:    sev,
		RuleID:      rule,
		Message:     strings.TrimSpace(mf.Message),
		Suggestion:  suggestion,
		Source:      SourceLLM,
		Fingerprint: Fingerprint(class, sf.path+sideSuffix(side), strings.Join(code, "\n"), nth),
	}, ""
}

func other(s Side) Side {
	if s == SideOld {
		return SideNew
	}
	return SideOld
}

func where(line int, side Side) string {
	if side == SideOld {
		return fmt.Sprintf("removed line %d", line)
	}
	return fmt.Sprintf("line %d", line)
}

func (sf *sentFile) index(side Side) map[int]int {
	if side == SideOld {
		return sf.byOld
	}
	return sf.byNew
}

// rangeOf returns the indexes of the first and last line of line..end on side when all
// of it lies in one hunk the model was shown.
func (sf *sentFile) rangeOf(line, end int, side Side) (int, int, bool) {
	idx := sf.index(side)
	start, ok1 := idx[line]
	last, ok2 := idx[end]
	if !ok1 || !ok2 || sf.lines[start].hunk != sf.lines[last].hunk {
		return 0, 0, false
	}
	return start, last, true
}

func (sf *sentFile) number(i int, side Side) int {
	if side == SideOld {
		return sf.lines[i].old
	}
	return sf.lines[i].new
}

// onSide reports whether line i can carry a comment on side.
func (l *sentLine) onSide(side Side) bool {
	if side == SideOld {
		return l.kind != diff.Added
	}
	return l.kind != diff.Deleted
}

// quotedAt reports whether the quote's lines are found from line start on, on side,
// within one hunk.
func (sf *sentFile) quotedAt(start int, quote []string, side Side) bool {
	_, ok := sf.match(start, quote, side)
	return ok
}

// match returns the index of the last line of the quote when its lines are found at
// lines start, start+1, ... of one hunk on side (lines of the other side, which interleave
// in a hunk, are skipped).
func (sf *sentFile) match(start int, quote []string, side Side) (int, bool) {
	if len(quote) == 0 || start < 0 || start >= len(sf.lines) || !sf.lines[start].onSide(side) {
		return 0, false
	}
	i, last := start, start
	for _, q := range quote {
		for i < len(sf.lines) && !sf.lines[i].onSide(side) {
			i++
		}
		if i >= len(sf.lines) || sf.lines[i].hunk != sf.lines[start].hunk || !strings.Contains(sf.lines[i].folded, q) {
			return 0, false
		}
		last = i
		i++
	}
	return last, true
}

// minQuote is the least a quote must hold, white space aside, to move a finding: a
// quote of "}" or "return" names no particular line.
const minQuote = 8

// locate finds the quoted code on side within snapWindow lines of near and returns its
// first and last line. Of several places, the nearest wins; two equally near are
// ambiguous and none is chosen. A quote copied with the prompt's line numbers and diff
// markers is tried again without them.
func (sf *sentFile) locate(quote string, side Side, near int) (first, last int, ok bool) {
	for _, strip := range []bool{false, true} {
		q := quoteLines(quote, strip)
		if len(strings.ReplaceAll(strings.Join(q, ""), " ", "")) < minQuote {
			continue
		}
		best, bestLast, bestDist, tie := -1, 0, 0, false
		for i := range sf.lines {
			l := &sf.lines[i]
			if !l.onSide(side) || !strings.Contains(l.folded, q[0]) {
				continue
			}
			dist := abs(sf.number(i, side) - near)
			if dist > snapWindow {
				continue
			}
			end, ok := sf.match(i, q, side)
			if !ok {
				continue
			}
			switch {
			case best < 0 || dist < bestDist:
				best, bestLast, bestDist, tie = i, end, dist, false
			case dist == bestDist:
				tie = true
			}
		}
		if best >= 0 && !tie {
			return best, bestLast, true
		}
	}
	return 0, 0, false
}

// promptPrefix is what a model may copy from the prompt in front of a quoted line: a line
// number (old-side numbers are written with an "o") and a diff marker.
var promptPrefix = regexp.MustCompile(`^\s*(?:o?\d+\s*)?[+\- ]\s`)

// quoteLines splits a quote into its non-empty lines with white space folded; with strip,
// a leading line number and diff marker are dropped from each line.
func quoteLines(q string, strip bool) []string {
	var out []string
	for l := range strings.SplitSeq(q, "\n") {
		if strip {
			l = promptPrefix.ReplaceAllString(l, "")
		}
		l = foldSpace(l)
		if l == "" {
			continue
		}
		out = append(out, l)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// sideSuffix keeps the fingerprints of a finding on a removed line and one on the added
// line that replaced it apart.
func sideSuffix(s Side) string {
	if s == SideOld {
		return "\x00old"
	}
	return ""
}
