package reviewer

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

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
	folded   string // content with white space folded
	content  string
}

func newSentFile(path string, hunks []diff.Hunk) *sentFile {
	n := 0
	for i := range hunks {
		n += len(hunks[i].Lines)
	}
	sf := &sentFile{path: path, lines: make([]sentLine, 0, n), byNew: make(map[int]int, n), byOld: make(map[int]int, n)}
	for hi := range hunks {
		for _, l := range hunks[hi].Lines {
			idx := len(sf.lines)
			sf.lines = append(sf.lines, sentLine{hunk: hi, kind: l.Kind, old: l.OldLine, new: l.NewLine, folded: foldSpace(l.Content), content: l.Content})
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

// anchor checks a model finding against the lines the model was shown and returns the
// finding to post, or the reason it can not be placed. It never guesses: a finding whose
// line is not in the diff is moved only to where the code it quotes is, and otherwise goes
// to the unplaced list.
func anchor(mf ModelFinding, files map[string]*sentFile, ruleIDs map[string]bool) (Finding, string) {
	sf, ok := files[mf.Path]
	if !ok {
		return Finding{}, fmt.Sprintf("%s was not in the reviewed chunk", mf.Path)
	}
	side := mf.Side
	if side != SideOld {
		side = SideNew
	}
	index := sf.byNew
	if side == SideOld {
		index = sf.byOld
	}
	line, end := mf.Line, max(mf.EndLine, mf.Line)
	span := end - line + 1

	start, okStart := index[line]
	last, okEnd := index[end]
	valid := okStart && okEnd && sf.lines[start].hunk == sf.lines[last].hunk
	if okStart && !valid {
		// The first line is real but the range leaves its hunk: keep the line the model named.
		end, last, valid = line, start, true
	}

	if q := mf.Quote; strings.TrimSpace(q) != "" && (!valid || !sf.quotedAt(start, quoteLines(q, false), side)) {
		if first, lastQ, found := sf.locate(q, side, line); found {
			start, last = first, lastQ
			line, end = sf.number(start, side), sf.number(last, side)
			valid = true
		}
	}
	if !valid {
		where := fmt.Sprintf("line %d", mf.Line)
		if side == SideOld {
			where = fmt.Sprintf("removed line %d", mf.Line)
		}
		return Finding{}, fmt.Sprintf("%s is not in the diff", where)
	}

	sev, err := rules.ParseSeverity(mf.Severity)
	if err != nil {
		sev = rules.SeverityWarning
	}
	rule := mf.RuleID
	if rule != "" && !ruleIDs[rule] {
		// A rule the chunk did not carry is an invention; keep the finding, not the claim.
		rule = ""
	}
	suggestion := mf.Suggestion
	if side == SideOld || end-line+1 != span {
		// A suggestion replaces exactly the lines the model named; once the range moved or
		// changed size, or on removed lines, it would replace the wrong code.
		suggestion = ""
	}
	var code []string
	for i := start; i <= last; i++ {
		code = append(code, sf.lines[i].content)
	}
	return Finding{
		Path:       sf.path,
		Line:       line,
		EndLine:    end,
		Side:       side,
		Severity:   sev,
		RuleID:     rule,
		Message:    strings.TrimSpace(mf.Message),
		Suggestion: suggestion,
		Source:     SourceLLM,
		// Fingerprint is set once all findings of the change are known (see fingerprintLLM).
		Fingerprint: strings.Join(code, "\n"),
	}, ""
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
	if len(quote) == 0 || start < 0 || start >= len(sf.lines) {
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

// locate finds where the quoted code is on side and returns its first and last line,
// choosing changed lines over context and then the place nearest to the line the model
// named. A quote copied with the prompt's line numbers and diff markers is tried again
// without them.
func (sf *sentFile) locate(quote string, side Side, near int) (first, last int, ok bool) {
	for _, strip := range []bool{false, true} {
		q := quoteLines(quote, strip)
		if len(strings.ReplaceAll(strings.Join(q, ""), " ", "")) < minQuote {
			continue
		}
		best, bestLast, bestDist, bestChanged := -1, 0, 0, false
		for i := range sf.lines {
			l := &sf.lines[i]
			if !l.onSide(side) || !strings.Contains(l.folded, q[0]) {
				continue
			}
			end, ok := sf.match(i, q, side)
			if !ok {
				continue
			}
			changed := l.kind != diff.Context
			dist := abs(sf.number(i, side) - near)
			if best < 0 || (changed && !bestChanged) || (changed == bestChanged && dist < bestDist) {
				best, bestLast, bestDist, bestChanged = i, end, dist, changed
			}
		}
		if best >= 0 {
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
