package redact

import (
	"encoding/base64"
	"strings"
)

const (
	// minBase64 is the shortest run worth decoding: 15 bytes, shorter than any format
	// this package knows.
	minBase64 = 20
	// maxDepth bounds decoding within decoding (base64 of base64 of a key).
	maxDepth = 2
)

// credentialKeys are JSON keys that make a decoded document credentials: a cloud service
// account's key file, an OAuth client, a Docker config.
var credentialKeys = []string{`"private_key"`, `"client_secret"`, `"refresh_token"`, `"password"`,
	`"secret"`, `"token"`, `"api_key"`, `"apiKey"`, `"access_token"`, `"auths"`, `"auth"`}

// base64Secrets masks each run of base64 that decodes to text holding a secret: a private
// key block (a Kubernetes Secret's tls.key is a PEM key in base64), credential JSON (a
// service account key file, a .dockerconfigjson) or any format this package finds in the
// decoded text, the base64 form of a token included. Standard and URL-safe alphabets are
// both read; a run must start on a 4-character boundary of the encoding, as it does
// wherever a whole value was encoded.
func (st *scanner) base64Secrets(s string, spans []span, work *int) []span {
	if st.depth >= maxDepth {
		return spans
	}
	for i := 0; i < len(s); {
		if !b64run[s[i]] {
			if s[i] == placeholderOpen[0] {
				i = skipPlaceholder(s, i)
				continue
			}
			i++
			continue
		}
		j := i
		for j < len(s) && b64run[s[j]] {
			j++
		}
		end := j
		for pad := 0; pad < 2 && end < len(s) && s[end] == '='; pad++ {
			end++
		}
		if j-i >= minBase64 {
			*work -= j - i
			if st.decodesToSecret(s[i:j]) {
				spans = append(spans, span{i, end, "base64-secret", prioToken})
			}
		}
		i = end
		if i == j {
			i++
		}
	}
	return spans
}

// b64run is the base64 alphabets without padding, which ends a run.
var b64run = newCharset("a-z", "A-Z", "0-9", "+/_-")

// decodesToSecret decodes run (base64 without padding) and looks for a secret in it.
func (st *scanner) decodesToSecret(run string) bool {
	// Text encodes to groups of four whose first character holds the top six bits of a
	// byte below 0x80: 'C' to 'f' for tabs, newlines and printable ASCII. Identifiers and
	// random base64 fail this for most groups, and are passed over without decoding.
	off := 0
	for k := 0; k < len(run); k += 4 {
		if c := run[k]; c < 'C' || c > 'f' || ('Z' < c && c < 'a') {
			off++
		}
	}
	if off*10 > (len(run)+3)/4 {
		return false
	}
	n := len(run) &^ 3
	if len(run)%4 >= 2 {
		n = len(run)
	}
	st.b64in = append(st.b64in[:0], run[:n]...)
	for k, c := range st.b64in {
		switch c {
		case '-':
			st.b64in[k] = '+'
		case '_':
			st.b64in[k] = '/'
		}
	}
	if cap(st.b64out) < n {
		st.b64out = make([]byte, n)
	}
	m, err := base64.RawStdEncoding.Decode(st.b64out[:n], st.b64in)
	if err != nil || m == 0 {
		return false
	}
	d := st.b64out[:m]
	bad := 0
	for _, c := range d {
		if (c < 0x20 || c > 0x7e) && c != '\n' && c != '\r' && c != '\t' {
			bad++
			if bad*10 > m {
				return false
			}
		}
	}
	text := string(d)
	if strings.Contains(text, "PRIVATE KEY") {
		return true
	}
	if strings.Contains(text, "{") {
		for _, k := range credentialKeys {
			if strings.Contains(text, k) {
				return true
			}
		}
	}
	sub := scanner{r: st.r, config: true, depth: st.depth + 1}
	var side blockState
	for rest := text; ; {
		line, tail, more := strings.Cut(rest, "\n")
		if _, found := sub.line(line, [2]*blockState{&side}, span{}); len(found) > 0 {
			return true
		}
		if !more {
			return false
		}
		rest = tail
	}
}
