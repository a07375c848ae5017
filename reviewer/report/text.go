package report

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// ANSI escape sequences of the text format's colors.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

// writeText renders res for a terminal:
//
//	path:line: severity [rule-id] message
//	   line | code as the review saw it
//	        | ^^^^
//	    suggested change:
//	        replacement code
//	path:line (old): severity [rule-id] message
//
// one block per file in ledger order, then the unplaced findings (identical ones merged),
// the files that were not reviewed (the filtered ones counted by reason), and the summary:
// what was reviewed, the counts, the model's usage, whether the review is incomplete, and
// last the coverage line ("5 files: 3 reviewed, 2 filtered"). Text that came from the
// model or the diff is stripped of control characters, so it cannot drive the terminal.
func writeText(w io.Writer, res *reviewer.Result, opts Options) error {
	bw := bufio.NewWriter(w)
	p := textPrinter{w: bw, color: opts.Color}
	sections := 0
	section := func() {
		if sections > 0 {
			bw.WriteByte('\n')
		}
		sections++
	}

	prev := ""
	for i, f := range ordered(res) {
		if i == 0 || f.Path != prev {
			section()
			prev = f.Path
		}
		p.finding(f, res.Excerpts)
	}

	if len(res.Unplaced) > 0 {
		section()
		bw.WriteString("unplaced findings (not on a line of the diff):\n")
		for _, u := range mergeUnplaced(res.Unplaced) {
			bw.WriteString("  " + u.where() + ": ")
			p.block(u.message, "    ")
		}
	}

	section()
	cov := res.Coverage
	if n := len(cov.Files) - cov.Count(reviewer.OutcomeReviewed) + cov.Unseen(); n > 0 {
		bw.WriteString("not reviewed:\n")
		if line := filteredLine(cov); line != "" {
			bw.WriteString("  " + line + "\n")
		}
		for _, fc := range cov.Files {
			if fc.Outcome == reviewer.OutcomeReviewed && !fc.Unseen || collapsed(fc) {
				continue
			}
			bw.WriteString("  " + clean(fc.Path) + ": " + clean(string(fc.Outcome)))
			if fc.Reason != "" {
				bw.WriteString(" (" + clean(oneLine(fc.Reason)) + ")")
			}
			bw.WriteByte('\n')
		}
	}
	if opts.Reviewed != "" {
		bw.WriteString("reviewed " + clean(oneLine(opts.Reviewed)) + "\n")
	}
	bw.WriteString(countsLine(res) + "\n")
	// Without a model only the pattern rules run, whatever the tier.
	if res.LLMEnabled && res.Tier.Level != reviewer.TierAuto {
		bw.WriteString(tierLine(res.Tier) + "\n")
	}
	if res.LLMEnabled {
		bw.WriteString(usageLine(res.Usage) + "\n")
	}
	if !cov.Complete() {
		p.colored(ansiRed, fmt.Sprintf("review incomplete: %s not reviewed (skipped or failed); this is not a clean pass",
			plural(cov.Count(reviewer.OutcomeSkipped)+cov.Count(reviewer.OutcomeFailed), "file", "files")))
		bw.WriteByte('\n')
	}
	if n := cov.Unseen(); n > 0 {
		p.colored(ansiRed, fmt.Sprintf("not all reviewed: code of the change in %s was not reviewed (filtered, withheld, or lines too long to show); this is not a clean pass",
			plural(n, "file", "files")))
		bw.WriteByte('\n')
	}
	bw.WriteString(coverageLine(cov) + "\n")
	return bw.Flush()
}

// collapsed reports whether a file is counted in the filtered line rather than listed:
// a filtered file whose code the review did not miss (a lock file, or one the team's
// ignore globs left out). A filtered file with unseen code is named, since it is why the
// review is not a clean pass.
func collapsed(fc reviewer.FileCoverage) bool {
	return fc.Outcome == reviewer.OutcomeFiltered && !fc.Unseen
}

// filteredLine counts the collapsed filtered files by reason: "12 filtered: lock file (3),
// vendored (9)"; "" when there are none.
func filteredLine(cov reviewer.Coverage) string {
	counts := map[string]int{}
	n := 0
	for _, fc := range cov.Files {
		if collapsed(fc) {
			reason := oneLine(fc.Reason)
			if reason == "" {
				reason = "no reason given"
			}
			counts[reason]++
			n++
		}
	}
	if n == 0 {
		return ""
	}
	reasons := slices.Sorted(maps.Keys(counts))
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = clean(r) + " (" + strconv.Itoa(counts[r]) + ")"
	}
	return strconv.Itoa(n) + " filtered: " + strings.Join(parts, ", ")
}

// unplacedGroup is one entry of the unplaced findings: a message, how often it came, and
// the files it came for ("" for the change as a whole), in order of first appearance.
type unplacedGroup struct {
	message string
	count   int
	paths   []string
}

// maxUnplacedPaths bounds the files named on one merged unplaced entry.
const maxUnplacedPaths = 5

func (g unplacedGroup) where() string {
	names := make([]string, 0, min(len(g.paths), maxUnplacedPaths))
	for _, p := range g.paths[:min(len(g.paths), maxUnplacedPaths)] {
		if p == "" {
			p = "(change)"
		}
		names = append(names, clean(p))
	}
	s := strings.Join(names, ", ")
	if more := len(g.paths) - len(names); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	if g.count > 1 {
		s += fmt.Sprintf(" (%d times)", g.count)
	}
	return s
}

// mergeUnplaced merges unplaced findings that say the same thing: a model that repeats
// one remark for every chunk, or every file, gives one entry with a count and the files.
func mergeUnplaced(us []reviewer.Unplaced) []unplacedGroup {
	var out []unplacedGroup
	index := map[string]int{}
	for _, u := range us {
		key := strings.TrimSpace(u.Message)
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, unplacedGroup{message: u.Message})
		}
		g := &out[i]
		g.count++
		if !slices.Contains(g.paths, u.Path) {
			g.paths = append(g.paths, u.Path)
		}
	}
	return out
}

// textPrinter writes findings with optional colors.
type textPrinter struct {
	w     *bufio.Writer
	color bool
}

func (p textPrinter) colored(code, s string) {
	if p.color {
		p.w.WriteString(code + s + ansiReset)
		return
	}
	p.w.WriteString(s)
}

func (p textPrinter) finding(f *reviewer.Finding, excerpts map[reviewer.Span]reviewer.Excerpt) {
	loc := clean(f.Path) + ":" + strconv.Itoa(f.Line)
	if end := endLine(f); end > f.Line {
		loc += "-" + strconv.Itoa(end)
	}
	if isOld(f) {
		loc += " (old)"
	}
	if p.color {
		loc = ansiBold + loc + ansiReset
	}
	p.w.WriteString(loc + ": ")
	p.colored(severityColor(f.Severity), f.Severity.String())
	p.w.WriteByte(' ')
	if f.RuleID != "" {
		p.w.WriteString("[" + clean(f.RuleID) + "] ")
	}
	p.block(f.Message, "    ")
	if ex, ok := excerpts[reviewer.SpanOf(f)]; ok {
		p.excerpt(f, ex)
	}
	if f.Suggestion != "" {
		p.w.WriteString("    suggested change:\n")
		for _, line := range strings.Split(strings.TrimSuffix(f.Suggestion, "\n"), "\n") {
			p.indented("        ", line)
		}
	}
}

// maxExcerptWidth bounds an excerpt line, in characters; a longer one is cut with "…".
const maxExcerptWidth = 160

// excerpt writes the code under a finding the way compilers do, each line after its
// number, and a caret line under the finding's columns when it has them and they still
// fit the line shown (not when masking a secret moved them):
//
//	42 |	key := "«redacted:generic-api-key#1»"
//	17 | if err != nil {
//	   | ^^^^^^^^^^^^^
func (p textPrinter) excerpt(f *reviewer.Finding, ex reviewer.Excerpt) {
	last := f.Line + len(ex.Lines) - 1
	width := len(strconv.Itoa(last))
	gutter := "    " + strings.Repeat(" ", width) + " |"
	for i, line := range ex.Lines {
		shown, cut := cutLine(clean(strings.TrimRight(line, " \t\r")))
		num := strconv.Itoa(f.Line + i)
		p.w.WriteString("    " + strings.Repeat(" ", width-len(num)) + num + " |")
		if shown != "" {
			p.w.WriteString(" " + shown)
		}
		p.w.WriteByte('\n')
		if i == 0 && endLine(f) == f.Line && !ex.Masked {
			if marks := caret(line, f.Column, f.EndColumn); marks != "" && (!cut || len([]rune(marks)) <= len([]rune(shown))) {
				p.w.WriteString(gutter + " ")
				p.colored(severityColor(f.Severity), marks)
				p.w.WriteByte('\n')
			}
		}
	}
	if more := endLine(f) - last; more > 0 {
		p.w.WriteString(gutter + " ... " + plural(more, "more line", "more lines") + "\n")
	}
}

// cutLine cuts a line longer than maxExcerptWidth characters.
func cutLine(s string) (string, bool) {
	if utf8.RuneCountInString(s) <= maxExcerptWidth {
		return s, false
	}
	r := []rune(s)
	return string(r[:maxExcerptWidth]) + "…", true
}

// caret returns the marker line for the 1-based byte columns [col, end) of line: the text
// before col blanked (tabs kept, so the marks line up under a terminal's tab stops), then
// a ^ for each character of the range. It returns "" when the columns are unknown or do
// not fall on the line.
func caret(line string, col, end int) string {
	if col < 1 || col > len(line) || !utf8.RuneStart(line[col-1]) {
		return ""
	}
	if end <= col || end-1 > len(line) {
		end = col + 1
		for end-1 < len(line) && !utf8.RuneStart(line[end-1]) {
			end++
		}
	}
	// A pattern that matched the indentation too marks the code, not the blanks.
	for end-1 > col && (line[col-1] == ' ' || line[col-1] == '\t') {
		col++
	}
	var b strings.Builder
	for _, r := range line[:col-1] {
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString(strings.Repeat("^", max(1, utf8.RuneCountInString(line[col-1:end-1]))))
	return b.String()
}

// block writes s, whose first line continues the current line and whose other lines are
// indented by indent.
func (p textPrinter) block(s, indent string) {
	s = strings.TrimRight(s, "\n")
	first, rest, _ := strings.Cut(s, "\n")
	p.w.WriteString(clean(strings.TrimRight(first, " \t\r")) + "\n")
	if rest == "" {
		return
	}
	for _, line := range strings.Split(rest, "\n") {
		p.indented(indent, line)
	}
}

// indented writes one line with indent, leaving empty lines empty (no trailing spaces).
func (p textPrinter) indented(indent, line string) {
	line = strings.TrimRight(line, " \t\r")
	if line == "" {
		p.w.WriteByte('\n')
		return
	}
	p.w.WriteString(indent + clean(line) + "\n")
}

func severityColor(s rules.Severity) string {
	switch {
	case s >= rules.SeverityError:
		return ansiRed
	case s == rules.SeverityWarning:
		return ansiYellow
	}
	return ansiCyan
}

// coverageLine summarizes the ledger: "12 files: 9 reviewed, 2 filtered, 1 withheld". The
// reviewed count is always there; the other outcomes only when they happened.
func coverageLine(cov reviewer.Coverage) string {
	var b strings.Builder
	b.WriteString(plural(len(cov.Files), "file", "files") + ": " + strconv.Itoa(cov.Count(reviewer.OutcomeReviewed)) + " reviewed")
	for _, o := range []reviewer.Outcome{reviewer.OutcomeFiltered, reviewer.OutcomeWithheld, reviewer.OutcomeSkipped, reviewer.OutcomeFailed} {
		if n := cov.Count(o); n > 0 {
			b.WriteString(", " + strconv.Itoa(n) + " " + string(o))
		}
	}
	return b.String()
}

// countsLine counts the findings by severity. Only a review with no findings and a complete
// ledger says "no findings"; an incomplete one says where it looked.
func countsLine(res *reviewer.Result) string {
	n := len(res.Findings)
	if n == 0 && len(res.Unplaced) == 0 {
		if res.Coverage.Complete() && res.Coverage.Unseen() == 0 {
			return "no findings"
		}
		return "no findings in the reviewed files"
	}
	errs, warns, infos := severityCounts(res.Findings)
	s := fmt.Sprintf("%s: %s, %s, %d info", plural(n, "finding", "findings"),
		plural(errs, "error", "errors"), plural(warns, "warning", "warnings"), infos)
	if len(res.Unplaced) > 0 {
		s += fmt.Sprintf("; %d unplaced", len(res.Unplaced))
	}
	if res.Omitted > 0 {
		s += fmt.Sprintf("; %d more not shown (review.max_comments)", res.Omitted)
	}
	return s
}

// usageLine reports what the model stage consumed, and how many answers came from the
// response cache when any did.
// tierLine says the change's tier and why: "tier lite: code changes in 2 files, 14
// changed lines".
func tierLine(t reviewer.Tier) string {
	s := "tier " + t.Level.String() + ": " + clean(oneLine(strings.Join(t.Reasons, "; ")))
	if !t.Plan.AskModel {
		s += " (pattern rules only, nothing sent to the model)"
	}
	return s
}

func usageLine(u reviewer.Usage) string {
	s := fmt.Sprintf("usage: %s, %s prompt tokens", plural(u.Requests, "request", "requests"), thousands(u.PromptTokens))
	if u.CachedTokens > 0 {
		s += " (" + thousands(u.CachedTokens) + " cached)"
	}
	s += fmt.Sprintf(", %s completion tokens, $%.4f", thousands(u.CompletionTokens), u.CostUSD)
	if u.Model != "" {
		s += ", model " + clean(u.Model)
	}
	if u.CachedAnswers > 0 {
		s += fmt.Sprintf("; %d of %s from the cache", u.CachedAnswers, plural(u.Answers, "answer", "answers"))
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// thousands formats n with comma separators: 48210 -> "48,210".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// clean replaces control characters (escape sequences, carriage returns, C1 controls) with
// U+FFFD, keeping tabs. Text from a model or a diff must not be able to move the cursor or
// recolor the terminal.
func clean(s string) string {
	if strings.IndexFunc(s, isControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

func isControl(r rune) bool {
	return r != '\t' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f))
}
