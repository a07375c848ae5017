package prompts

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// marker is the word every block delimiter of the templates contains (<<<UNTRUSTED_DIFF,
// UNTRUSTED_DIFF>>>, ...), in lower case. Text rendered into a prompt never contains it.
const marker = "untrusted"

// markerMinASCII is how many letters of a match must be the marker's own letters (ASCII
// or fullwidth); the others may be look-alikes from other scripts (Cyrillic Т, Greek Ε).
const markerMinASCII = 5

// cleanLine prepares single-line untrusted text: it removes the marker and escapes every
// control or invisible character, line breaks included. It returns s itself, without
// allocating, when there is nothing to change: the common case for diff lines.
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
			if b|0x20 == marker[0] {
				if _, ok := markerAt(s, i); ok {
					return cleanSlow(s, multiline)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || escaped(r) {
			return cleanSlow(s, multiline)
		}
		if unicode.IsLetter(r) {
			if _, ok := markerAt(s, i); ok {
				return cleanSlow(s, multiline)
			}
		}
		i += size
	}
	return s
}

func cleanSlow(s string, multiline bool) string {
	// Removing one occurrence can join the text around it into another
	// ("UNTRUSUNTRUSTEDTED"), so repeat until none is left. Every pass shrinks s.
	for {
		t, removed := removeMarkers(s)
		if !removed {
			break
		}
		s = t
	}
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

func removeMarkers(s string) (string, bool) {
	var b strings.Builder
	removed := false
	last := 0
	for i := 0; i < len(s); {
		if end, ok := markerAt(s, i); ok {
			b.WriteString(s[last:i])
			i, last, removed = end, end, true
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	if !removed {
		return s, false
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// markerAt reports whether the marker starts at byte i of s, and where it ends. Letters
// match ignoring ASCII case and fullwidth forms; invisible format characters and combining marks between
// the letters are skipped (and removed with the match); up to len(marker)-markerMinASCII
// letters may be any letter outside ASCII, to catch look-alikes.
func markerAt(s string, i int) (end int, ok bool) {
	exact := 0
	for k := 0; k < len(marker); {
		if i >= len(s) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if k > 0 && (unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Mn, r)) {
			continue
		}
		if r >= 0xFF01 && r <= 0xFF5E { // fullwidth ASCII
			r -= 0xFF01 - '!'
		}
		switch {
		case r < utf8.RuneSelf:
			if byte(r)|0x20 != marker[k] || r < 'A' { //nolint:gosec // r < utf8.RuneSelf: it fits a byte
				return 0, false
			}
			exact++
		case !unicode.IsLetter(r) || k+1-exact > len(marker)-markerMinASCII:
			return 0, false
		}
		k++
	}
	return i, exact >= markerMinASCII
}

// escaped reports whether r is shown as [U+XXXX]: C1 controls, invisible format
// characters (zero-width, bidirectional controls, BOM, soft hyphen) and the Unicode line
// and paragraph separators, which could hide text or start a line of their own.
func escaped(r rune) bool {
	return r >= 0x7f && r < 0xa0 || r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r)
}
