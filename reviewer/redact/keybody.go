package redact

import "strings"

// keyClass is what a line may be in the body of a PEM block seen without its BEGIN line.
type keyClass uint8

const (
	keyNone  keyClass = iota
	keyFull           // 60 to 76 base64 characters: a full PEM, OpenSSH or MIME body line
	keyShort          // 4 to 59 base64 characters, padded or mixed: the last line of a body
	keyEnd            // a -----END line
)

// keyLine is a line's class and the extent of its base64.
type keyLine struct {
	class      keyClass
	start, end int
}

// Bounds of a full body line: PEM and OpenSSH write 64 characters, ssh-keygen's RFC 4716
// export 70, MIME base64 76.
const (
	keyLineMin = 60
	keyLineMax = 76
)

// classifyKeyLine reads s as a possible line of a key body: base64 alone on the line,
// indented (YAML block scalars, heredocs) or as a string literal of its own ("…\n" +,
// '…',). A full line must mix upper and lower case with a digit, '+' or '/', which random
// base64 does and identifiers, hex digests, base32 and comment banners do not.
//
// It does not look for END lines (isKeyEnd), which matter only next to body lines: most
// hunks have none, and skipping the search keeps the common case cheap.
func classifyKeyLine(s string) keyLine {
	a, z := 0, len(s)
	for a < z && (s[a] == ' ' || s[a] == '\t') {
		a++
	}
	if z-a < 4 || z-a > keyLineMax+8 {
		return keyLine{}
	}
	for z > a && (s[z-1] == ' ' || s[z-1] == '\t' || s[z-1] == '\r') {
		z--
	}
	if a < z && (s[a] == '"' || s[a] == '\'') {
		q := s[a]
		c := strings.LastIndexByte(s[a+1:z], q)
		if c < 0 || strings.Trim(s[a+1+c+1:z], " \t,;+)") != "" {
			return keyLine{}
		}
		a, z = a+1, a+1+c
		if strings.HasSuffix(s[a:z], `\n`) {
			z -= 2
		}
	}
	// Up to two '=' of padding, at the end only.
	body := z
	for pad := 0; pad < 2 && body > a && s[body-1] == '='; pad++ {
		body--
	}
	var seen uint8
	for i := a; i < body; i++ {
		c := b64class[s[i]]
		if c == 0 {
			return keyLine{}
		}
		seen |= c
	}
	const mixed = b64Upper | b64Lower | b64Other
	n := z - a
	switch {
	case n >= keyLineMin && n <= keyLineMax && seen == mixed:
		return keyLine{keyFull, a, z}
	case n >= 4 && n < keyLineMin && (body < z || seen == mixed):
		return keyLine{keyShort, a, z}
	}
	return keyLine{}
}

// Bits of b64class.
const (
	b64Upper = 1 << iota
	b64Lower
	b64Other // a digit, '+' or '/'
)

// b64class sorts the characters of standard base64, padding aside; 0 is any other byte.
var b64class = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = b64Upper
		t[c+'a'-'A'] = b64Lower
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = b64Other
	}
	t['+'], t['/'] = b64Other, b64Other
	return t
}()

// isKeyEnd reports whether s holds the END line of a PEM block.
func isKeyEnd(s string) bool { return strings.Contains(s, "-----END") }

// markKeyBodies sets mark[i] for the lines of one side of a hunk, seq listing their
// indexes in order, that look like the body of a key block whose BEGIN line is out of
// sight: a hunk that edits lines inside an embedded PEM block shows only some of its
// body. It marks a run of two or more full body lines, or a single one that an END line
// follows, together with a short last line between the run and the END (or right after a
// run of two or more); and a short line that an END line follows.
func markKeyBodies(cls []keyLine, seq []int, mark []bool) {
	c := func(k int) keyClass {
		if k < 0 || k >= len(seq) {
			return keyNone
		}
		return cls[seq[k]].class
	}
	for k := 0; k < len(seq); {
		switch c(k) {
		case keyFull:
			j := k
			for c(j) == keyFull {
				j++
			}
			endAfter := c(j) == keyEnd || c(j) == keyShort && c(j+1) == keyEnd
			if j-k >= 2 || endAfter {
				for m := k; m < j; m++ {
					mark[seq[m]] = true
				}
				if c(j) == keyShort {
					mark[seq[j]] = true
				}
			}
			k = j
		case keyShort:
			if c(k+1) == keyEnd {
				mark[seq[k]] = true
			}
			k++
		default:
			k++
		}
	}
}
