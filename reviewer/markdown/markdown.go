package markdown

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// wordJoiner is an invisible character that breaks what forges link (mentions,
// references, bare URLs) without changing what a reader sees.
const wordJoiner = "\u2060"

// mode says where rendered text goes.
type mode struct {
	// oneLine folds line breaks into spaces, for a list item or a heading.
	oneLine bool
	// table escapes "|" in code spans too: GFM splits a table row into cells before it
	// reads code spans.
	table bool
	// links keeps Markdown links and bare URLs to http(s) pages: for rules text from the
	// base branch, which is the team's own.
	links bool
}

// Text renders untrusted text, such as a model's message, as defanged Markdown: its lines
// and paragraphs stay, each line stripped of its indentation.
func Text(s string) string { return render(s, mode{}) }

// Line renders untrusted text on one line: line breaks become spaces. For list items and
// running text.
func Line(s string) string { return render(s, mode{oneLine: true}) }

// Cell renders untrusted text for a cell of a GFM table.
func Cell(s string) string { return render(s, mode{oneLine: true, table: true}) }

// Rules renders text from a rules file of the change's base branch (the team's own): as
// Text, but its links to http(s) pages stay live. It passes the same guards against HTML,
// quick actions, mentions and references.
func Rules(s string) string { return render(s, mode{links: true}) }

// Code renders untrusted text, such as a file path, as one code span on one line.
func Code(s string) string { return code(s, mode{oneLine: true}) }

// CodeCell renders untrusted text as one code span in a cell of a GFM table.
func CodeCell(s string) string { return code(s, mode{oneLine: true, table: true}) }

func code(s string, m mode) string {
	s = strings.Join(strings.Fields(clean(s)), " ")
	if s == "" {
		return "` `"
	}
	if m.table && strings.Contains(s, "|") {
		// GFM splits the row at an escaped "|" inside a span where the span's text has
		// a backslash before it; escaped plain text can not be split.
		return render(s, m)
	}
	return span(s, m)
}

// span writes s, one line with something in it, as a code span.
func span(s string, m mode) string {
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	var b strings.Builder
	b.WriteString(fence)
	// A span that starts or ends with a backtick needs a space, which the reader drops.
	pad := s[0] == '`' || s[len(s)-1] == '`'
	if pad {
		b.WriteByte(' ')
	}
	writeCode(&b, s, m)
	if pad {
		b.WriteByte(' ')
	}
	b.WriteString(fence)
	return b.String()
}

func render(s string, m mode) string {
	s = clean(s)
	if m.oneLine {
		return renderLine(trim(strings.Join(strings.Fields(s), " ")), m)
	}
	var b strings.Builder
	blank := true // no blank line at the start, none doubled
	paragraph := func() {
		if !blank {
			b.WriteString("\n")
		}
		blank = true
	}
	// A fenced code block in the text becomes its lines as code spans, one a line: a
	// fence would be a block GitLab may not skip, and in a comment a suggestion.
	var fence string
	var code []string
	endCode := func() {
		paragraph()
		for i, ln := range code {
			b.WriteString(span(ln, m))
			if i < len(code)-1 {
				b.WriteString("\\") // a hard line break
			}
			b.WriteString("\n")
			blank = false
		}
		paragraph()
		fence, code = "", nil
	}
	for _, raw := range strings.Split(s, "\n") {
		ln := trim(raw)
		if fence != "" {
			if closesFence(ln, fence) {
				endCode()
			} else if ln != "" {
				code = append(code, strings.TrimRight(raw, " "))
			}
			continue
		}
		if fence = opensFence(ln); fence != "" {
			continue
		}
		if ln == "" {
			paragraph()
			continue
		}
		b.WriteString(renderLine(ln, m))
		b.WriteString("\n")
		blank = false
	}
	if fence != "" {
		endCode()
	}
	return strings.TrimRight(b.String(), "\n")
}

// opensFence returns the fence (three or more backticks or tildes) that opens a fenced
// code block on line ln, or "".
func opensFence(ln string) string {
	if !strings.HasPrefix(ln, "```") && !strings.HasPrefix(ln, "~~~") {
		return ""
	}
	n := runLen(ln, ln[0])
	if ln[0] == '`' && strings.Contains(ln[n:], "`") {
		return "" // CommonMark: a backtick fence's info string has no backtick
	}
	return ln[:n]
}

// closesFence reports whether ln closes a code block opened by fence.
func closesFence(ln, fence string) bool {
	return len(ln) >= len(fence) && runLen(ln, fence[0]) == len(ln)
}

// clean drops what has no place in a comment: control characters (tabs become spaces,
// line ends become "\n") and the bidirectional overrides that make text read other than
// it is.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\r', r == '\u2028', r == '\u2029', r == '\u0085':
			return '\n'
		case r == '\t', r == '\v', r == '\f':
			return ' '
		case unicode.IsControl(r), r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, s)
}

// trim strips white space and invisible format characters (a zero-width space, a word
// joiner) from both ends of a line, so that what starts it is what a reader sees first.
func trim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
}

// link is a Markdown link to an http(s) page, as rules text may hold.
var link = regexp.MustCompile(`^\[([^\[\]]+)\]\((https?://[^\s()<>"'` + "`" + `\\]+)\)`)

// renderLine renders one line with no line break in it.
func renderLine(ln string, m mode) string {
	var b strings.Builder
	b.Grow(len(ln) + len(ln)/8)
	// The line's start: GitLab runs "/command" lines as quick actions; "#" would make a
	// heading and ":" starts GitLab's include directive.
	if ln != "" && (ln[0] == '/' || ln[0] == '#' || ln[0] == ':') {
		b.WriteByte('\\')
	}
	for i := 0; i < len(ln); {
		c := ln[i]
		switch {
		case c == '`':
			n := runLen(ln[i:], '`')
			// A span in a table cell that holds "|" would be split by the table first.
			if end := closingRun(ln, i+n, n); end >= 0 && (!m.table || !strings.Contains(ln[i+n:end], "|")) {
				b.WriteString(ln[i : i+n])
				writeCode(&b, ln[i+n:end], m)
				b.WriteString(ln[end : end+n])
				i = end + n
				continue
			}
			// Unclosed on its line: plain backticks, so no span runs on past the line
			// (GitLab reads a quick action inside a span that spans lines).
			b.WriteString(strings.Repeat("\\`", n))
			i += n
			continue
		case c == '[' && m.links && (i == 0 || ln[i-1] != '!'): // a link, never an image
			if sm := link.FindStringSubmatch(ln[i:]); sm != nil {
				b.WriteString("[" + renderLine(sm[1], mode{oneLine: true, table: m.table}) + "](" + sm[2] + ")")
				i += len(sm[0])
				continue
			}
			b.WriteString("\\[")
		case c == ' ' && i > 0 && ln[i-1] == ' ':
			// Runs of spaces fold into one: after a list marker they would start an
			// indented code block.
		case c == '\\', c == '[', c == ']', c == '|':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '~':
			// "~~" strikes through; "~12" is a GitLab label.
			b.WriteString("\\~")
			if i+1 < len(ln) && isDigit(ln[i+1]) {
				b.WriteString(wordJoiner)
			}
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		case c == '&':
			b.WriteString("&amp;")
			if i+1 < len(ln) && isDigit(ln[i+1]) {
				b.WriteString(wordJoiner) // a GitLab epic, &12
			}
		case c == '$':
			// "$" opens math on both forges, whose renderers can draw links.
			b.WriteString("\\$")
			if i+1 < len(ln) && isDigit(ln[i+1]) {
				b.WriteString(wordJoiner) // a GitLab snippet, $12
			}
		case c == ':' && strings.HasPrefix(ln[i:], "://") && (!m.links || !webScheme(ln, i)):
			b.WriteString(wordJoiner + ":")
		case (c == 'w' || c == 'W') && strings.EqualFold(ln[i:min(i+4, len(ln))], "www.") && !m.links:
			b.WriteString(ln[i:i+3] + wordJoiner + ".")
			i += 4
			continue
		default:
			i += writeNeutral(&b, ln, i)
			continue
		}
		i++
	}
	return b.String()
}

// writeCode writes the inside of a code span. Code spans show their text as it is, so
// nothing is escaped; but an HTML comment's opener or closer is broken (not every renderer
// leaves them alone inside a span), and mentions and references are neutral here too.
func writeCode(b *strings.Builder, s string, _ mode) {
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "<!"):
			b.WriteString("<" + wordJoiner)
			i++
		case strings.HasPrefix(s[i:], "--"):
			b.WriteString("-" + wordJoiner)
			i++
		case s[i] == '&' || s[i] == '$':
			b.WriteByte(s[i])
			if i+1 < len(s) && isDigit(s[i+1]) {
				b.WriteString(wordJoiner)
			}
			i++
		default:
			i += writeNeutral(b, s, i)
		}
	}
}

// writeNeutral writes the character at s[i], breaking a mention (@name, also an e-mail
// address) or a reference (#12, !12, group/project#12, GH-12, and GitLab's %12, ~12, ^12)
// with a word joiner; it returns the bytes consumed.
func writeNeutral(b *strings.Builder, s string, i int) int {
	c := s[i]
	switch {
	case c == '@' && i+1 < len(s) && (isWord(s[i+1]) || s[i+1] >= utf8.RuneSelf):
		b.WriteString("@" + wordJoiner)
		return 1
	case (c == '#' || c == '!' || c == '%' || c == '~' || c == '^') && i+1 < len(s) && isDigit(s[i+1]):
		b.WriteByte(c)
		b.WriteString(wordJoiner)
		return 1
	case (c == 'G' || c == 'g') && i+3 < len(s) && (s[i+1] == 'H' || s[i+1] == 'h') && s[i+2] == '-' && isDigit(s[i+3]):
		b.WriteString(s[i:i+3] + wordJoiner)
		return 3
	}
	b.WriteByte(c)
	return 1
}

// webScheme reports whether the "://" at s[i] follows http or https.
func webScheme(s string, i int) bool {
	j := i
	for j > 0 && isWord(s[j-1]) {
		j--
	}
	scheme := strings.ToLower(s[j:i])
	return scheme == "http" || scheme == "https"
}

// closingRun returns where the first run of exactly n backticks at or after from starts,
// or -1.
func closingRun(s string, from, n int) int {
	for i := from; i < len(s); {
		if s[i] != '`' {
			i++
			continue
		}
		k := runLen(s[i:], '`')
		if k == n {
			return i
		}
		i += k
	}
	return -1
}

func runLen(s string, c byte) int {
	n := 0
	for n < len(s) && s[n] == c {
		n++
	}
	return n
}

func longestRun(s string, c byte) int {
	best := 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n := runLen(s[i:], c)
			best = max(best, n)
			i += n - 1
		}
	}
	return best
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWord(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// QuickAction reports whether GitLab could run line as a quick action: its first character
// that is neither white space nor invisible is "/", followed by a letter, digit or "_".
// GitLab only reads "/command" at the very start of a line; this is stricter, so that no
// renderer's idea of leading white space matters.
func QuickAction(line string) bool {
	line = strings.TrimLeftFunc(line, func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
	return len(line) > 1 && line[0] == '/' && isWord(line[1])
}
