package redact

import (
	"sort"
	"strings"
)

// charset is a set of bytes allowed in a token's body.
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
	b64url     = newCharset("a-z", "A-Z", "0-9", "_-")
	b64std     = newCharset("a-z", "A-Z", "0-9", "+/=")
	upperDigit = newCharset("A-Z", "0-9")
	hexLower   = newCharset("a-f", "0-9")
	hexAny     = newCharset("a-f", "A-F", "0-9")
	gitlabBody = newCharset("a-z", "A-Z", "0-9", "_.-")
	slackBody  = newCharset("a-z", "A-Z", "0-9", "-")
	sendgrid   = newCharset("a-z", "A-Z", "0-9", "_.=-")
	hookPath   = newCharset("a-z", "A-Z", "0-9", "/+_-")
)

// tokenRule is a secret with a fixed literal prefix and a body drawn from one charset. The
// prefixes double as the literal prefilter: a line is only looked at where one starts.
type tokenRule struct {
	prefix string
	rule   string
	body   *charset
	// min and max bound the body's length; max 0 means no upper bound. With a max the token
	// must not be followed by another letter or digit.
	min, max int
	// mixed requires a digit and a letter in the body, for prefixes that also begin words.
	mixed bool
	// keepPrefix leaves the prefix visible (it names a field, not part of the secret).
	keepPrefix bool
}

// tokenRules are informed by the public gitleaks rule set (config/gitleaks.toml) and the
// vendors' documented token formats, rewritten as prefix + charset + length so no regexp
// runs per line.
var tokenRules = []tokenRule{
	{prefix: "AKIA", rule: "aws-access-key", body: upperDigit, min: 16, max: 16},
	{prefix: "ASIA", rule: "aws-access-key", body: upperDigit, min: 16, max: 16},
	{prefix: "ABIA", rule: "aws-access-key", body: upperDigit, min: 16, max: 16},
	{prefix: "ACCA", rule: "aws-access-key", body: upperDigit, min: 16, max: 16},
	{prefix: "A3T", rule: "aws-access-key", body: upperDigit, min: 17, max: 17},
	{prefix: "AIza", rule: "gcp-api-key", body: b64url, min: 35},
	{prefix: "GOCSPX-", rule: "google-oauth-secret", body: b64url, min: 24},
	{prefix: "AccountKey=", rule: "azure-storage-key", body: b64std, min: 20, keepPrefix: true},
	{prefix: "SharedAccessKey=", rule: "azure-shared-access-key", body: b64std, min: 20, keepPrefix: true},
	{prefix: "ghp_", rule: "github-token", body: alnum, min: 36},
	{prefix: "gho_", rule: "github-token", body: alnum, min: 36},
	{prefix: "ghu_", rule: "github-token", body: alnum, min: 36},
	{prefix: "ghs_", rule: "github-token", body: alnum, min: 36},
	{prefix: "ghr_", rule: "github-token", body: alnum, min: 36},
	{prefix: "github_pat_", rule: "github-token", body: alnumUnder, min: 40},
	{prefix: "glpat-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "gldt-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "glrt-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "glptt-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "glft-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "glsoat-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "glcbt-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "gloas-", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "GR1348941", rule: "gitlab-token", body: gitlabBody, min: 20},
	{prefix: "xoxb-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "xoxp-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "xoxa-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "xoxr-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "xoxs-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "xoxe-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "xoxe.xoxp-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "xapp-", rule: "slack-token", body: slackBody, min: 10},
	{prefix: "hooks.slack.com/services/", rule: "slack-webhook", body: hookPath, min: 20, keepPrefix: true},
	{prefix: "hooks.slack.com/workflows/", rule: "slack-webhook", body: hookPath, min: 20, keepPrefix: true},
	{prefix: "hooks.slack.com/triggers/", rule: "slack-webhook", body: hookPath, min: 20, keepPrefix: true},
	{prefix: "sk_live_", rule: "stripe-key", body: alnum, min: 10},
	{prefix: "rk_live_", rule: "stripe-key", body: alnum, min: 10},
	{prefix: "sk_test_", rule: "stripe-key", body: alnum, min: 10},
	{prefix: "rk_test_", rule: "stripe-key", body: alnum, min: 10},
	{prefix: "whsec_", rule: "stripe-key", body: alnum, min: 24},
	{prefix: "SK", rule: "twilio-api-key", body: hexLower, min: 32, max: 32},
	{prefix: "SG.", rule: "sendgrid-api-key", body: sendgrid, min: 60},
	{prefix: "npm_", rule: "npm-token", body: alnum, min: 36},
	{prefix: "pypi-AgE", rule: "pypi-token", body: b64url, min: 50},
	{prefix: "sk-ant-", rule: "anthropic-api-key", body: b64url, min: 40},
	{prefix: "sk-proj-", rule: "openai-api-key", body: b64url, min: 40},
	{prefix: "sk-svcacct-", rule: "openai-api-key", body: b64url, min: 40},
	{prefix: "sk-admin-", rule: "openai-api-key", body: b64url, min: 40},
	{prefix: "sk-", rule: "openai-api-key", body: b64url, min: 32, mixed: true},
	{prefix: "hf_", rule: "huggingface-token", body: alnum, min: 34, mixed: true},
	{prefix: "shpat_", rule: "shopify-token", body: hexAny, min: 32},
	{prefix: "shpss_", rule: "shopify-token", body: hexAny, min: 32},
	{prefix: "shpca_", rule: "shopify-token", body: hexAny, min: 32},
	{prefix: "shppa_", rule: "shopify-token", body: hexAny, min: 32},
	{prefix: "dop_v1_", rule: "digitalocean-token", body: hexLower, min: 64},
	{prefix: "AGE-SECRET-KEY-1", rule: "age-secret-key", body: upperDigit, min: 50},
}

// byFirst indexes tokenRules by the first byte of their prefix, longest prefix first, so
// that sk-ant- is tried before sk-.
var byFirst = func() (idx [256][]*tokenRule) {
	for i := range tokenRules {
		t := &tokenRules[i]
		idx[t.prefix[0]] = append(idx[t.prefix[0]], t)
	}
	for _, l := range idx {
		sort.SliceStable(l, func(i, j int) bool { return len(l[i].prefix) > len(l[j].prefix) })
	}
	return idx
}()

// pairs holds the first two bytes of every token prefix, of a JWT (ey) and of the BEGIN of a
// key block: the scan looks closer only at word starts holding one of them.
var pairs = func() (t [256][4]uint64) {
	add := func(a, b byte) { t[a][b>>6] |= 1 << (b & 63) }
	for i := range tokenRules {
		add(tokenRules[i].prefix[0], tokenRules[i].prefix[1])
	}
	add('e', 'y')
	add('B', 'E')
	return t
}()

func isPair(a, b byte) bool { return pairs[a][b>>6]&(1<<(b&63)) != 0 }

func isAlnum(c byte) bool { return alnum[c] }

// tokens finds prefixed tokens and JWTs, and reports whether the line holds "-----BEGIN".
// A token must start at a word boundary, so the scan hops from word to word and tries the
// prefixes only where a word's first two bytes begin one.
func tokens(s string, spans []span, work *int) (_ []span, begin bool) {
	for i := 0; i < len(s) && *work >= 0; {
		for i < len(s) && !alnum[s[i]] {
			i++
		}
		if i+1 >= len(s) {
			break
		}
		if isPair(s[i], s[i+1]) {
			if s[i] == 'B' {
				begin = begin || (i >= 5 && s[i-5:i] == "-----" && strings.HasPrefix(s[i:], "BEGIN"))
			} else if sp, ok := tokenAt(s, i, work); ok {
				spans = append(spans, sp)
				i = sp.end
				continue
			}
		}
		i++
		for i < len(s) && alnum[s[i]] {
			i++
		}
	}
	return spans, begin
}

// tokenAt matches a token or a JWT starting at s[i], i+1 < len(s).
func tokenAt(s string, i int, work *int) (span, bool) {
	c, c1 := s[i], s[i+1]
	if c == 'e' && c1 == 'y' {
		if end := jwtEnd(s, i, work); end > 0 {
			return span{i, end, "jwt", prioToken}, true
		}
		return span{}, false
	}
	for _, t := range byFirst[c] {
		if t.prefix[1] != c1 || len(s)-i < len(t.prefix) || s[i:i+len(t.prefix)] != t.prefix {
			continue
		}
		start := i
		b := i + len(t.prefix)
		if t.keepPrefix {
			start = b
		}
		end := b
		for end < len(s) && t.body[s[end]] && (t.max == 0 || end-b <= t.max) {
			end++
		}
		n := end - b
		*work -= n
		if n < t.min || (t.max > 0 && (n > t.max || (end < len(s) && isAlnum(s[end])))) {
			continue
		}
		if t.mixed && !hasDigitAndLetter(s[b:end]) {
			continue
		}
		return span{start, end, t.rule, prioToken}, true
	}
	return span{}, false
}

// jwtEnd returns the end of a JWT (header.payload.signature, each base64url, the header
// and payload starting "eyJ" as JSON objects do) starting at i, or 0.
func jwtEnd(s string, i int, work *int) int {
	j := i
	for part := 0; part < 3; part++ {
		k := j
		for k < len(s) && b64url[s[k]] {
			k++
		}
		*work -= k - j
		if part < 2 {
			if k-j < 10 || k >= len(s) || s[k] != '.' {
				return 0
			}
			if s[j:j+2] != "ey" || (part == 0 && s[j+2] != 'J') {
				return 0
			}
			j = k + 1
			continue
		}
		return k
	}
	return 0
}

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
