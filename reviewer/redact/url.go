package redact

import "strings"

// urlPasswords masks the password of scheme://user:password@host, keeping the user and the
// host: "postgres://app:«redacted:url-password#1»@db:5432/app".
func urlPasswords(s string, spans []span) []span {
	for from := 0; ; {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			return spans
		}
		a := from + i + 3
		z := a
		at := -1
		for z < len(s) {
			c := s[z]
			if c == '/' || c == '?' || c == '#' || c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '`' || c == '<' || c == '>' {
				break
			}
			if c == '@' {
				at = z
			}
			z++
		}
		from = z
		if at < 0 {
			continue
		}
		colon := strings.IndexByte(s[a:at], ':')
		if colon < 0 {
			continue
		}
		p := a + colon + 1
		if pw := s[p:at]; pw != "" && !isReference(pw) && strings.Trim(pw, "*") != "" {
			spans = append(spans, span{p, at, "url-password", prioURL})
		}
	}
}

// isReference reports whether a value names a secret kept elsewhere rather than holding
// one: an environment or template variable, or a placeholder this package wrote.
func isReference(v string) bool {
	if v == "" {
		return false
	}
	switch v[0] {
	case '$':
		return true
	case '{':
		return strings.HasPrefix(v, "{{")
	case '%':
		return strings.HasPrefix(v, "%(") || strings.HasPrefix(v, "%{") || v == "%s"
	case '#':
		return strings.HasPrefix(v, "#{")
	case '<':
		return strings.HasPrefix(v, "<%")
	}
	return strings.HasPrefix(v, placeholderOpen)
}
