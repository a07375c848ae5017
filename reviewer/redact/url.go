package redact

import "strings"

// urlPasswords masks the password of scheme://user:password@host, keeping the user and the
// host: "postgres://app:«redacted:url-password#1»@db:5432/app". A password may hold any
// character but whitespace and quotes, '/', '#', '?' and '@' included (drivers accept
// them unencoded), so the password runs from the colon after the user to the last '@'
// of the URL that a host follows; the URL itself ends at whitespace, a quote or an
// angle bracket.
func urlPasswords(s string, spans []span) []span {
	for from := 0; ; {
		i := strings.Index(s[from:], "://")
		if i < 0 {
			return spans
		}
		a := from + i + 3
		z := a
		for z < len(s) && !urlEnd(s[z]) {
			z++
		}
		from = z
		// The user: no '/', '?', '#' or '@' before the colon, else the colon is a port's
		// or a path's (git@host:org/repo, host:8080/a/@b).
		colon := strings.IndexAny(s[a:z], ":/?#@")
		if colon < 0 || s[a+colon] != ':' || strings.Contains(s[a:a+colon+1], placeholderOpen) {
			continue // also a placeholder of this package, whose rule follows a colon
		}
		p := a + colon + 1
		at := lastHostAt(s, p, z)
		if at < 0 {
			continue
		}
		pw := s[p:at]
		if pw == "" || isReference(pw) || strings.Trim(pw, "*") == "" || isPortPath(pw) {
			continue
		}
		spans = append(spans, span{p, at, "url-password", prioURL})
	}
}

// urlEnd reports whether c ends a URL in text.
func urlEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', '"', '\'', '`', '<', '>':
		return true
	}
	return false
}

// lastHostAt returns the index of the last '@' in s[from:to] that a host name or an IPv6
// literal follows, or -1.
func lastHostAt(s string, from, to int) int {
	for z := to; z > from; {
		at := strings.LastIndexByte(s[from:z], '@')
		if at < 0 {
			return -1
		}
		at += from
		if at+1 < to && (alnum[s[at+1]] || s[at+1] == '[' || isPlaceholderAt(s, at+1)) {
			return at
		}
		z = at
	}
	return -1
}

// isPortPath reports whether what sits between "host:" and an '@' is a port and a path
// (https://host:8080/users/@alice) rather than a password.
func isPortPath(v string) bool {
	n := 0
	for n < len(v) && v[n] >= '0' && v[n] <= '9' {
		n++
	}
	return n > 0 && n < len(v) && (v[n] == '/' || v[n] == '?' || v[n] == '#')
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
