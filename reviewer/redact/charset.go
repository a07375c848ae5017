package redact

// charset is a set of bytes, for the detectors that walk a line byte by byte.
type charset [256]bool

func newCharset(ranges ...string) *charset {
	var c charset
	for _, r := range ranges {
		if len(r) == 3 && r[1] == '-' {
			for b := int(r[0]); b <= int(r[2]); b++ {
				c[b] = true
			}
			continue
		}
		for i := 0; i < len(r); i++ {
			c[r[i]] = true
		}
	}
	return &c
}

var (
	alnum      = newCharset("a-z", "A-Z", "0-9")
	alnumUnder = newCharset("a-z", "A-Z", "0-9", "_")
	b64std     = newCharset("a-z", "A-Z", "0-9", "+/=")
)

func hasDigitAndLetter(s string) bool {
	var d, l bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			d = true
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			l = true
		}
		if d && l {
			return true
		}
	}
	return false
}
