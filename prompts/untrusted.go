package prompts

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanLine prepares single-line untrusted text: it escapes every control or invisible
// character, line breaks included. It returns s itself, without allocating, when there is
// nothing to change: the common case for diff lines.
func cleanLine(s string) string { return clean(s, false) }

// cleanText is cleanLine for multi-line text: it keeps line breaks, turning CRLF into LF.
func cleanText(s string) string { return clean(s, true) }

func clean(s string, multiline bool) string {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 && b != '\t' && (b != '\n' || !multiline) || b == 0x7f {
				return cleanSlow(s, multiline)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || escaped(r) {
			return cleanSlow(s, multiline)
		}
		i += size
	}
	return s
}

func cleanSlow(s string, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r' && multiline && strings.HasPrefix(s[i+1:], "\n"):
			// CRLF: keep the LF only.
		case r == '\n' && multiline, r == '\t':
			b.WriteRune(r)
		case r == utf8.RuneError && size == 1:
			b.WriteString("[U+FFFD]")
		case r < 0x20 || escaped(r):
			b.WriteString("[U+")
			hex := strconv.FormatInt(int64(r), 16)
			for range 4 - len(hex) {
				b.WriteByte('0')
			}
			b.WriteString(strings.ToUpper(hex))
			b.WriteByte(']')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// escaped reports whether r is shown as [U+XXXX]: C1 controls, invisible format
// characters (zero-width, bidirectional controls, BOM, soft hyphen) and the Unicode line
// and paragraph separators, which could hide text or start a line of their own.
func escaped(r rune) bool {
	return r >= 0x7f && r < 0xa0 || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}

// Altered reports whether Render shows the line content differently from the source:
// a control or invisible character, or invalid UTF-8, escaped as [U+XXXX]. A suggestion
// the model writes for such a line copies what it saw, not the code, so it must not be
// posted as a change to apply. (The other change Render makes, removing its delimiter
// nonce from the text, needs the nonce to be in the text, which it cannot know.)
func Altered(content string) bool { return cleanLine(content) != content }

// withoutNonce returns s without any occurrence of nonce, ignoring ASCII case. The nonce
// is a hash over the text it delimits, so text holds it only by a chance of one in 2^64
// or by a partial fixed point of SHA-256; removing it makes even that harmless. Removing
// one occurrence can join the text around it into another, so it repeats until none is
// left; every pass shrinks s.
func withoutNonce(s, nonce string) string {
	for {
		i := indexFold(s, nonce)
		if i < 0 {
			return s
		}
		s = s[:i] + s[i+len(nonce):]
	}
}

// indexFold is strings.Index ignoring ASCII case, for an ASCII sub.
func indexFold(s, sub string) int {
	if sub == "" {
		return -1
	}
	first := sub[0] | 0x20
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == first && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
