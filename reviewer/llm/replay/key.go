package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// KeyLen is the length of a Key: 32 hex digits, 128 bits of SHA-256.
const KeyLen = 32

// Key identifies a request: the first KeyLen hex digits of SHA-256 over its method, its
// path relative to the gateway's base URL, and its body. A JSON body is canonicalised
// first (object keys sorted, insignificant space removed, numbers as written), so that two
// encodings of one request share a key; any other body is hashed as it is.
func Key(method, path string, body []byte) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", strings.ToUpper(method), path)
	if c, err := canonical(body); err == nil {
		h.Write(c)
	} else {
		h.Write(body)
	}
	return hex.EncodeToString(h.Sum(nil))[:KeyLen]
}

// canonical re-encodes a JSON document with its object keys sorted, no insignificant
// space and no HTML escaping (prompts are full of < and &, and are stored for reading).
// encoding/json sorts map keys, and json.Number keeps each number as it was written.
func canonical(body []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("not one JSON value")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// relPath is the request's path below basePath, with its query: what the request asked
// of the gateway, wherever the gateway is mounted.
func relPath(u *url.URL, basePath string) string {
	p := u.EscapedPath()
	base := strings.TrimRight(basePath, "/")
	if base != "" && strings.HasPrefix(p, base+"/") {
		p = p[len(base):]
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}
