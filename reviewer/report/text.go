package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

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
//	path:line-end: severity message
//	    suggested change:
//	        replacement code
//	path:line (old): severity [rule-id] message
//
// one block per file in ledger order, then the unplaced findings, the files that were not
// reviewed, the coverage summary, the counts and, when a model ran, its usage. Text that came
// from the model or the diff is stripped of control characters, so it cannot drive the
// terminal.
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
		p.finding(f)
	}

	if len(res.Unplaced) > 0 {
		section()
		bw.WriteString("unplaced findings (not on a line of the diff):\n")
		for _, u := range res.Unplaced {
			path := u.Path
			if path == "" {
				path = "(change)"
			}
			bw.WriteString("  " + clean(path) + ": ")
			p.block(u.Message, "    ")
		}
	}

	section()
	cov := res.Coverage
	if n := len(cov.Files) - cov.Count(reviewer.OutcomeReviewed) + cov.Unseen(); n > 0 {
		bw.WriteString("not reviewed:\n")
		for _, fc := range cov.Files {
			if fc.Outcome == reviewer.OutcomeReviewed && !fc.Unseen {
				continue
			}
			bw.WriteString("  " + clean(fc.Path) + ": " + clean(string(fc.Outcome)))
			if fc.Reason != "" {
				bw.WriteString(" (" + clean(oneLine(fc.Reason)) + ")")
			}
			bw.WriteByte('\n')
		}
	}
	bw.WriteString(coverageLine(cov) + "\n")
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
	bw.WriteString(countsLine(res) + "\n")
	if res.LLMEnabled {
		bw.WriteString(usageLine(res.Usage) + "\n")
	}
	return bw.Flush()
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

func (p textPrinter) finding(f *reviewer.Finding) {
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
	if f.Suggestion != "" {
		p.w.WriteString("    suggested change:\n")
		for _, line := range strings.Split(strings.TrimSuffix(f.Suggestion, "\n"), "\n") {
			p.indented("        ", line)
		}
	}
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

// usageLine reports what the model stage consumed.
func usageLine(u reviewer.Usage) string {
	s := fmt.Sprintf("usage: %s, %s prompt tokens", plural(u.Requests, "request", "requests"), thousands(u.PromptTokens))
	if u.CachedTokens > 0 {
		s += " (" + thousands(u.CachedTokens) + " cached)"
	}
	s += fmt.Sprintf(", %s completion tokens, $%.4f", thousands(u.CompletionTokens), u.CostUSD)
	if u.Model != "" {
		s += ", model " + clean(u.Model)
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
