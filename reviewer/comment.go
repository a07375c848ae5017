package reviewer

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/reviewerbot/reviewer/rules"
)

// CommentBody renders a finding as the Markdown body of an inline comment: severity and
// rule, the message, a committable suggestion in the forge's syntax when there is one,
// and the hidden fingerprint marker. Text that came from a model or a rules file is
// neutralised so that a comment never mentions anyone or references an issue.
func CommentBody(f Finding, style SuggestionStyle) string {
	var b strings.Builder
	b.WriteString(severityLabel(f.Severity))
	if f.RuleID != "" {
		b.WriteString(" · `" + strings.ReplaceAll(f.RuleID, "`", "") + "`")
	}
	b.WriteString("\n\n")
	b.WriteString(Neutralize(strings.TrimSpace(f.Message)))
	b.WriteString("\n")
	if f.Suggestion != "" && f.Side != SideOld {
		b.WriteString("\n")
		b.WriteString(suggestionBlock(f, style))
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

// wordJoiner is an invisible character that breaks what forges auto-link without
// changing what a reader sees.
const wordJoiner = "\u2060"

var (
	// mention is an @-mention of a user or team: @name, @org/team.
	mention = regexp.MustCompile(`(^|[^\w` + "`" + `])@([A-Za-z0-9][A-Za-z0-9_.-]*)`)
	// issueRef is a reference to an issue or change that forges link and notify:
	// #12, !12, group/project#12, GH-12.
	issueRef = regexp.MustCompile(`(^|[^&])([#!])(\d)`)
	ghRef    = regexp.MustCompile(`\b(GH)-(\d)`)
)

// Neutralize keeps text from a model or a rules file from pinging people or touching
// issues when posted: @-mentions and issue references get an invisible word joiner that
// stops the forge from linking them (and so from notifying anyone or closing anything by
// keyword). Code spans and blocks are left alone: forges do not link inside them.
func Neutralize(s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, "`") {
		if i > 0 {
			b.WriteString("`")
		}
		if i%2 == 1 {
			// Inside a code span.
			b.WriteString(part)
			continue
		}
		part = mention.ReplaceAllString(part, "${1}@"+wordJoiner+"${2}")
		part = issueRef.ReplaceAllString(part, "${1}${2}"+wordJoiner+"${3}")
		part = ghRef.ReplaceAllString(part, "${1}-"+wordJoiner+"${2}")
		b.WriteString(part)
	}
	return b.String()
}
