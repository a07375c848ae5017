package reviewer

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/reviewerbot/reviewer/reviewer/markdown"
)

// maxVerdictText bounds how much of a verifier's reason a summary shows: it is model
// output, and one answer may hold a page of it.
const maxVerdictText = 200

// verificationSection writes what the verification pass did: how many candidate
// findings it dropped and why, and which findings are posted without a verdict.
func verificationSection(b *strings.Builder, v *Verification) {
	if !v.Ran {
		return
	}
	if n := len(v.Dropped); n > 0 {
		fmt.Fprintf(b, "<details><summary>%s dropped by verification</summary>\n\n", plural(n, "candidate finding"))
		for _, d := range v.Dropped {
			fmt.Fprintf(b, "- %s: %s", markdown.Code(fmt.Sprintf("%s:%d%s", d.Path, d.Line, sideSuffix(d.Side))), markdown.Line(clipText(d.Message, maxVerdictText)))
			fmt.Fprintf(b, " (%s", markdown.Line(d.Reason))
			if d.Verdict != "" {
				fmt.Fprintf(b, ": %s", markdown.Line(clipText(d.Verdict, maxVerdictText)))
			}
			b.WriteString(")\n")
		}
		b.WriteString("\n</details>\n\n")
	}
	if v.Unverified > 0 {
		fmt.Fprintf(b, "%s not verified", plural(v.Unverified, "model finding"))
		if len(v.Failures) > 0 {
			fmt.Fprintf(b, " (%s)", markdown.Line(strings.Join(v.Failures, "; ")))
		}
		b.WriteString(": kept as the model reported them.\n\n")
	}
}

// clipText cuts s to n runes, marking the cut.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
