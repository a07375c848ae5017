package reviewer

import (
	"fmt"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/markdown"
	"github.com/reviewerbot/reviewer/rules"
)

// CommentBody renders a finding as the Markdown body of an inline comment: severity and
// rule, the message, a committable suggestion in the forge's syntax when there is one,
// and the hidden fingerprint marker as the last line. The message goes through package
// markdown: a model's is shown as text and nothing more (no link, HTML, fence, mention or
// quick action), a pattern rule's (the team's own rules, from the base branch) keeps its
// links. A suggestion comes only from the finding's Suggestion field.
func CommentBody(f Finding, style SuggestionStyle) string {
	var b strings.Builder
	b.WriteString(severityLabel(f.Severity))
	if f.RuleID != "" {
		b.WriteString(" · " + markdown.Code(f.RuleID))
	}
	b.WriteString("\n\n")
	if f.Source == SourcePattern {
		b.WriteString(markdown.Rules(f.Message))
	} else {
		b.WriteString(markdown.Text(f.Message))
	}
	b.WriteString("\n")
	if f.Suggestion != "" && f.Side != SideOld {
		b.WriteString("\n")
		if safeSuggestion(f.Suggestion) {
			b.WriteString(suggestionBlock(f, style))
		} else {
			b.WriteString("_A suggested change is not shown: a line of it would read as a GitLab quick action or an HTML comment._\n")
		}
	}
	b.WriteString("\n")
	b.WriteString(Marker(f.Fingerprint, f.Severity))
	b.WriteString("\n")
	return b.String()
}

func severityLabel(s rules.Severity) string {
	switch s {
	case rules.SeverityError:
		return "**Error**"
	case rules.SeverityWarning:
		return "**Warning**"
	}
	return "**Info**"
}

// suggestionBlock writes the suggested code in a fence longer than any run of backticks
// inside it, so suggested Markdown or shell cannot end the block early. GitHub's block
// replaces the commented lines; GitLab's counts lines above and below the line the
// comment is on, which for a range is its last line.
func suggestionBlock(f Finding, style SuggestionStyle) string {
	code := strings.TrimSuffix(f.Suggestion, "\n")
	fence := strings.Repeat("`", max(3, longestRun(code, '`')+1))
	info := "suggestion"
	if style == SuggestionGitLab {
		info = fmt.Sprintf("suggestion:-%d+0", max(f.EndLine-f.Line, 0))
	}
	return fence + info + "\n" + code + "\n" + fence + "\n"
}

func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// safeSuggestion reports whether suggested code can be posted as it is: no line of it
// starts (after white space) with "/" and a word, which GitLab would run as a quick action
// whatever fence is around it, and nothing in it opens or closes an HTML comment. Code
// can not be escaped without changing it, so such a suggestion is left out. GitLab drops
// every "\r" before it looks for quick actions, and a reader may take one for a line end:
// both readings are checked.
func safeSuggestion(code string) bool {
	if strings.Contains(code, "<!--") || strings.Contains(code, "-->") || strings.Contains(code, "--!>") {
		return false
	}
	for _, text := range []string{strings.ReplaceAll(code, "\r", ""), strings.ReplaceAll(code, "\r", "\n")} {
		for _, ln := range strings.Split(text, "\n") {
			if markdown.QuickAction(ln) {
				return false
			}
		}
	}
	return true
}
