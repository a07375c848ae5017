package diff

import (
	"fmt"
	"strings"
)

// QuotePath writes a path the way git writes it in a diff header: as it is, unless it
// holds a double quote, a backslash or a control character, when it is C-quoted with
// octal escapes. Other bytes, UTF-8 included, stay as they are (core.quotePath=false),
// which Parse reads back unchanged. Adapters that build a diff from a forge's per-file
// patches use it for their headers.
func QuotePath(p string) string {
	if p == "/dev/null" || !strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '"' || r == '\\' }) {
		return p
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(p); i++ {
		switch ch := p[i]; ch {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case '\t':
			b.WriteString(`\t`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if ch < 0x20 || ch == 0x7f {
				fmt.Fprintf(&b, `\%03o`, ch)
				continue
			}
			b.WriteByte(ch)
		}
	}
	b.WriteByte('"')
	return b.String()
}
