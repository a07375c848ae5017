package prompts

import "strings"

// ruleHeading is the level every heading of a rule's body is flattened to: one below the
// "## id" line the rule starts with, so that an imported instructions file (Copilot's,
// GitLab Duo's), whose own "# Security" or "## Style" would otherwise open a section of
// the instructions or a rule of its own, stays inside its rule.
const ruleHeading = "### "

// flattenHeadings rewrites every Markdown heading of body, ATX ("## Title") or setext
// (a line underlined with = or -), into a ruleHeading line with the same text. Lines in
// fenced code blocks are code (a shell comment is not a heading) and are left alone.
func flattenHeadings(body string) string {
	lines := strings.Split(body, "\n")
	out := make([]string, 0, len(lines))
	var fence string // the open fence's marker, "" outside a fenced block
	for _, line := range lines {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		if m := fenceMarker(trimmed); indent < 4 && m != "" && (fence == "" || strings.HasPrefix(m, fence) && strings.TrimSpace(trimmed[len(m):]) == "") {
			if fence == "" {
				fence = m
			} else {
				fence = ""
			}
			out = append(out, line)
			continue
		}
		switch {
		case fence != "" || indent >= 4:
		case atxLevel(trimmed) > 0:
			text := strings.TrimSpace(strings.TrimLeft(trimmed, "#"))
			text = strings.TrimSpace(strings.TrimRight(text, "#")) // closing sequence: "## Title ##"
			line = strings.TrimSpace(ruleHeading + text)
		case isUnderline(trimmed) && len(out) > 0 && paragraphLine(out[len(out)-1]):
			out[len(out)-1] = ruleHeading + strings.TrimSpace(out[len(out)-1])
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// atxLevel is the level of an ATX heading line (without its indentation), or 0.
func atxLevel(s string) int {
	n := 0
	for n < len(s) && s[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n < len(s) && s[n] != ' ' && s[n] != '\t' {
		return 0
	}
	return n
}

// isUnderline reports whether s is a setext underline: only = or only - (spaces after).
func isUnderline(s string) bool {
	s = strings.TrimRight(s, " \t")
	if s == "" {
		return false
	}
	return strings.Trim(s, "=") == "" || strings.Trim(s, "-") == ""
}

// paragraphLine reports whether a line can be the text of a setext heading: not blank,
// not itself a heading we wrote, not a list item or quote.
func paragraphLine(s string) bool {
	t := strings.TrimSpace(s)
	if t == "" || strings.HasPrefix(t, ruleHeading) || len(s)-len(strings.TrimLeft(s, " ")) >= 4 {
		return false
	}
	switch t[0] {
	case '-', '*', '+', '>', '|':
		return false
	}
	return true
}

// fenceMarker is the run of ``` or ~~~ (three or more) a fenced code line starts with.
func fenceMarker(s string) string {
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(s) && s[n] == c {
			n++
		}
		if n >= 3 {
			return s[:n]
		}
	}
	return ""
}
