package redact

import (
	"math"
	"strings"
)

// assignments masks literal values assigned to secret-looking keys, in the forms code and
// config use: password = "…", "apiKey": "…", api_key: …, DB_PASSWORD=…, 'secret' => '…',
// password: str = "…", settings["TOKEN"] = "…", Password=…; (connection strings).
// A value that is code — a call, an index, a dotted path, a bare identifier — is left
// alone: token := r.Header.Get("Authorization"), apiKey: process.env.API_KEY.
func assignments(s string, config bool, spans []span, work *int) []span {
	for i := 0; i < len(s) && *work >= 0; i++ {
		i = nextOp(s, i)
		if i < 0 {
			break
		}
		c := s[i]
		opStart, opEnd := i, i+1
		next := byte(0)
		if i+1 < len(s) {
			next = s[i+1]
		}
		if c == ':' {
			switch next {
			case '=':
				opEnd++
			case ':', '/':
				i++ // "::" paths and "://" URLs
				continue
			}
		} else {
			switch next {
			case '=', '~':
				for i+1 < len(s) && (s[i+1] == '=' || s[i+1] == '~') {
					i++
				}
				continue // comparison
			case '>':
				opEnd++
			}
			if i > 0 {
				switch s[i-1] {
				case '!', '<', '>', '=':
					continue // comparison
				case '?', '|', '&':
					opStart-- // ?= ||= &&=
				}
			}
		}
		i = opEnd - 1
		keyStart, ok := secretKeyBefore(s, opStart)
		if !ok {
			continue
		}
		m := modeCode
		switch {
		case keyStart > 0 && s[keyStart-1] == ';':
			// In a connection string (…;Password=…;) a bare value is a literal even in code.
			m = modeConnString
		case config:
			m = modeConfig
		}
		if a, z, ok := secretValue(s, opEnd, m, work); ok {
			rule := "secret-assignment"
			if isAWSSecretKey(s[keyStart:opStart], s[a:z]) {
				rule = "aws-secret-access-key"
			}
			spans = append(spans, span{a, z, rule, prioGeneric})
			i = z - 1
		}
	}
	return spans
}

// nextOp returns the index of the first '=' or ':' in s[from:], or -1.
func nextOp(s string, from int) int {
	t := s[from:]
	e := strings.IndexByte(t, '=')
	if e == 0 {
		return from
	}
	if e > 0 {
		t = t[:e]
	}
	if c := strings.IndexByte(t, ':'); c >= 0 {
		return from + c
	}
	if e < 0 {
		return -1
	}
	return from + e
}

// secretKeyBefore reports whether the key just before s[end] names a secret, and where it
// starts. It reads "key", 'key', key, ["key"] and the typed form key: Type.
func secretKeyBefore(s string, end int) (int, bool) {
	j := end
	for j > 0 && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	if j > 0 && s[j-1] == ']' {
		j--
	}
	quote := byte(0)
	if j > 0 && (s[j-1] == '"' || s[j-1] == '\'' || s[j-1] == '`') {
		quote = s[j-1]
		j--
	}
	k := j
	for k > 0 && isKeyChar(s[k-1]) {
		k--
	}
	if k == j {
		return 0, false
	}
	key := s[k:j]
	start := k
	if quote != 0 {
		if k == 0 || s[k-1] != quote {
			return 0, false
		}
		start = k - 1
	}
	if isSecretKey(key) {
		return start, true
	}
	// key: Type = value (Python, TypeScript, Kotlin annotations).
	if quote == 0 {
		t := k
		for t > 0 && (s[t-1] == ' ' || s[t-1] == '\t') {
			t--
		}
		if t > 0 && s[t-1] == ':' && (t < 2 || s[t-2] != ':') {
			t--
			for t > 0 && (s[t-1] == ' ' || s[t-1] == '\t') {
				t--
			}
			u := t
			for u > 0 && isKeyChar(s[u-1]) {
				u--
			}
			if u < t && isSecretKey(s[u:t]) {
				return u, true
			}
		}
	}
	return 0, false
}

func isKeyChar(c byte) bool { return alnumUnder[c] || c == '-' || c == '.' || c == '$' || c == '@' }

// secretRoots end a normalized key (lower case, letters and digits only) that names a
// secret. "key" alone is too common to count; the token rules catch keys by their shape.
var secretRoots = []string{
	"password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "accesskey",
	"secretkey", "privatekey", "signingkey", "encryptionkey", "masterkey", "authkey",
	"credential", "credentials", "creds", "auth", "authorization", "bearer",
}

// secretSuffixes may follow a root: secret_key_base, password_hash, api_token_value.
var secretSuffixes = []string{"base", "value", "val", "str", "string", "hash", "plain", "raw", "enc", "encrypted"}

// isSecretKey reports whether key names a secret: db_password, API_KEY, clientSecret,
// aws_secret_access_key, x-auth-token, "Authorization". It does not allocate.
func isSecretKey(key string) bool {
	var buf [64]byte
	n := 0
	// Keep the last 64 normalized bytes: the root is at the end.
	for i := len(key) - 1; i >= 0 && n < len(buf); i-- {
		c := key[i]
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		default:
			continue
		}
		buf[len(buf)-1-n] = c
		n++
	}
	k := buf[len(buf)-n:]
	if endsInPass(key) {
		return true
	}
	for len(k) > 0 && k[len(k)-1] >= '0' && k[len(k)-1] <= '9' {
		k = k[:len(k)-1]
	}
	if hasRoot(k) {
		return true
	}
	if len(k) < 6 {
		return false
	}
	for _, suf := range secretSuffixes {
		if k[len(k)-1] == suf[len(suf)-1] && hasSuffix(k, suf) && hasRoot(k[:len(k)-len(suf)]) {
			return true
		}
	}
	return false
}

// endsInPass reports whether the last segment of key, past any trailing digits, is the
// word "pass": pass, SMTP_PASS, db-pass, dbPass, dbPASS2. As a root "pass" would also end
// bypass, compass and COMPASS, so it counts only after a '_', '-' or '.' or a camelCase
// step; PASSTHROUGH and passes do not end in it at all.
func endsInPass(key string) bool {
	z := len(key)
	for z > 0 && key[z-1] >= '0' && key[z-1] <= '9' {
		z--
	}
	if z < 4 || !strings.EqualFold(key[z-4:z], "pass") {
		return false
	}
	if z == 4 {
		return true
	}
	switch prev, p := key[z-5], key[z-4]; {
	case prev == '_' || prev == '-' || prev == '.':
		return true
	case p >= 'A' && p <= 'Z':
		// dbPass, dbPASS, db2Pass, and DBPass after an acronym; not COMPASS.
		return prev >= 'a' && prev <= 'z' || prev >= '0' && prev <= '9' ||
			prev >= 'A' && prev <= 'Z' && key[z-3] >= 'a' && key[z-3] <= 'z'
	}
	return false
}

// rootsByLast indexes secretRoots by their last byte.
var rootsByLast = func() (idx [256][]string) {
	for _, r := range secretRoots {
		idx[r[len(r)-1]] = append(idx[r[len(r)-1]], r)
	}
	return idx
}()

func hasRoot(k []byte) bool {
	if len(k) < 3 {
		return false
	}
	for _, r := range rootsByLast[k[len(k)-1]] {
		if hasSuffix(k, r) {
			return true
		}
	}
	return false
}

// hasSuffix is bytes.HasSuffix for a string suffix, without converting it.
func hasSuffix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[len(b)-len(s):]) == s
}

// valueMode says how to read a bare (unquoted) value.
type valueMode uint8

const (
	modeCode       valueMode = iota // a variable or expression unless it cannot be one
	modeConfig                      // a literal running to the end of the line or a " #" comment
	modeConnString                  // a literal running to the next ';' or quote
)

// secretValue finds the value after an assignment operator ending at from and reports its
// extent when it is a literal worth masking.
func secretValue(s string, from int, m valueMode, work *int) (int, int, bool) {
	v := from
	for v < len(s) && (s[v] == ' ' || s[v] == '\t') {
		v++
	}
	if v == len(s) {
		return 0, 0, false
	}
	// Python string prefixes: b"…", r'…', f"…" (an f-string holds expressions: skip).
	if v+1 < len(s) && isQuote(s[v+1]) {
		switch s[v] {
		case 'f', 'F':
			return 0, 0, false
		case 'b', 'B', 'r', 'R', 'u', 'U':
			v++
		}
	}
	if q := s[v]; isQuote(q) {
		a := v + 1
		z := a
		for z < len(s) && s[z] != q {
			if s[z] == '\\' {
				z++
			}
			z++
		}
		if z > len(s) {
			z = len(s)
		}
		*work -= z - a
		a = skipAuthScheme(s, a, z)
		val := s[a:z]
		if len(val) < 3 || isReference(val) || isKeyword(val) || isAuthScheme(val) || strings.Contains(val, placeholderOpen) ||
			strings.Contains(val, "${") || strings.Contains(val, "{{") {
			return 0, 0, false
		}
		return a, z, true
	}
	if m != modeCode {
		*work -= len(s) - v
		z := len(s)
		if m == modeConnString {
			if c := strings.IndexAny(s[v:], ";\"'`"); c >= 0 {
				z = v + c
			}
		} else if c := strings.Index(s[v:], " #"); c >= 0 {
			z = v + c
		}
		for z > v && (s[z-1] == ' ' || s[z-1] == '\t' || s[z-1] == '\r') {
			z--
		}
		a := skipAuthScheme(s, v, z)
		val := s[a:z]
		if len(val) < 3 || isReference(val) || isKeyword(val) || strings.ContainsAny(val[:1], "|>!&*[{") || strings.Contains(val, placeholderOpen) ||
			(strings.ContainsAny(val, " \t") && isCommentLine(s)) {
			return 0, 0, false
		}
		return a, z, true
	}
	// Code: a bare value is usually a variable or an expression. Mask it only when it
	// cannot be one: it holds characters no expression does, or it is long and random.
	v = skipAuthScheme(s, v, len(s))
	z := v
	for z < len(s) && !strings.ContainsRune(" \t,;)]}", rune(s[z])) {
		z++
	}
	*work -= z - v
	val := s[v:z]
	if len(val) < 8 || isReference(val) || val[len(val)-1] == ':' || strings.Contains(val, placeholderOpen) || strings.ContainsAny(val[:1], "!&*-+<>~^(\"'`") ||
		strings.ContainsAny(val, "([{\"'`") || isKeyword(val) {
		return 0, 0, false
	}
	if isIdentPath(val) {
		if len(val) < 16 || !hasDigitAndLetter(val) || entropy(val) < 3.5 {
			return 0, 0, false
		}
	}
	return v, z, true
}

// isAWSSecretKey reports whether key and value look like an AWS secret access key: 40
// base64 characters under a key such as aws_secret_access_key or SecretAccessKey.
//
// AWS's documentation keys end in EXAMPLEKEY: such a value is still masked, as any
// literal after a secret's name, but not named an AWS key.
func isAWSSecretKey(key, value string) bool {
	if len(value) != 40 || !isAll(value, b64std) || strings.HasSuffix(value, "EXAMPLEKEY") {
		return false
	}
	k := strings.ToLower(key)
	return strings.Contains(k, "aws") || strings.Contains(strings.NewReplacer("_", "", "-", "").Replace(k), "secretaccesskey")
}

func isAll(s string, set *charset) bool {
	for i := 0; i < len(s); i++ {
		if !set[s[i]] {
			return false
		}
	}
	return true
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

// skipAuthScheme steps over "Bearer ", "Basic " or "token " at the start of a value.
func skipAuthScheme(s string, a, z int) int {
	for _, p := range []string{"Bearer ", "bearer ", "Basic ", "basic ", "Token ", "token "} {
		if z-a > len(p) && strings.HasPrefix(s[a:], p) {
			return a + len(p)
		}
	}
	return a
}

func isAuthScheme(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "bearer", "basic", "token":
		return true
	}
	return false
}

func isKeyword(v string) bool {
	switch strings.ToLower(v) {
	case "null", "nil", "none", "true", "false", "undefined", "~", "yes", "no", "on", "off":
		return true
	}
	return false
}

// isIdentPath reports whether v is an identifier or a dotted path of them (os.environ, a.b.c).
func isIdentPath(v string) bool {
	seg := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case alnumUnder[c] || c == '$':
			seg++
		case c == '.' && seg > 0:
			seg = 0
		default:
			return false
		}
	}
	return seg > 0
}

func isCommentLine(s string) bool {
	t := strings.TrimLeft(s, " \t")
	return strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") || strings.HasPrefix(t, ";") ||
		strings.HasPrefix(t, "--") || strings.HasPrefix(t, "/*") || strings.HasPrefix(t, "*")
}

// entropy is the Shannon entropy of v in bits per byte.
func entropy(v string) float64 {
	var freq [256]int
	for i := 0; i < len(v); i++ {
		freq[v[i]]++
	}
	h := 0.0
	n := float64(len(v))
	for _, f := range freq {
		if f > 0 {
			p := float64(f) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// envEntropy masks high-entropy values of KEY=value lines in config files whatever the
// key, so that an .env.example or Dockerfile holding a real, oddly named secret
// (SESSION_SIGNING=Zq8…) does not leak.
func envEntropy(s string, spans []span) []span {
	t := strings.TrimLeft(s, " \t")
	t = strings.TrimPrefix(t, "export ")
	t = strings.TrimPrefix(t, "ENV ")
	eq := strings.IndexByte(t, '=')
	if eq <= 0 || !isEnvName(t[:eq]) {
		return spans
	}
	a := len(s) - len(t) + eq + 1
	z := len(s)
	if a < z && isQuote(s[a]) {
		if c := strings.IndexByte(s[a+1:], s[a]); c >= 0 {
			a, z = a+1, a+1+c
		}
	}
	v := s[a:z]
	if len(v) < 16 || len(v) > 512 || strings.ContainsAny(v, " \t") || isReference(v) ||
		strings.Contains(v, "://") || !hasDigitAndLetter(v) || entropy(v) < 3.5 {
		return spans
	}
	return append(spans, span{a, z, "high-entropy-value", prioGeneric})
}

func isEnvName(k string) bool {
	for i := 0; i < len(k); i++ {
		c := k[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' && (c < 'a' || c > 'z') {
			return false
		}
	}
	return true
}
