package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

const (
	// headerGitHubSignature carries "sha256=" and the hex HMAC-SHA256 of the raw body,
	// keyed with the webhook secret. The older X-Hub-Signature (SHA-1) is not accepted.
	headerGitHubSignature = "X-Hub-Signature-256"
	// headerGitLabToken carries the webhook's secret token as it was configured: GitLab
	// does not sign the body.
	headerGitLabToken = "X-Gitlab-Token" //nolint:gosec // a header name, not a credential
)

// parseGitHubSignature decodes an X-Hub-Signature-256 value into the digest it claims.
func parseGitHubSignature(header string) ([]byte, error) {
	if header == "" {
		return nil, unauthorized("missing " + headerGitHubSignature + " header")
	}
	digest, ok := strings.CutPrefix(header, "sha256=")
	if !ok || len(digest) != 2*sha256.Size {
		return nil, unauthorized("malformed " + headerGitHubSignature + " header")
	}
	sig, err := hex.DecodeString(digest)
	if err != nil {
		return nil, unauthorized("malformed " + headerGitHubSignature + " header")
	}
	return sig, nil
}

// validGitHubSignature reports whether sig is the HMAC-SHA256 of body under key. The
// comparison takes the same time wherever the digests differ.
func validGitHubSignature(key, body, sig []byte) bool {
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), sig)
}

// validGitLabToken reports whether token is the secret whose SHA-256 is want. Comparing
// digests of fixed length keeps the time independent of where, and whether by length, the
// token differs.
func validGitLabToken(want *[sha256.Size]byte, token string) bool {
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}
