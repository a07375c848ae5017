package webhook

import (
	"crypto/sha256"
	"encoding/json"
	"os"
	"testing"
)

// TestGitHubSignatureKnownAnswer checks the verifier itself against the test vector of
// GitHub's "Validating webhook deliveries".
func TestGitHubSignatureKnownAnswer(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/github/_signature-test-vector.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Secret   string `json:"secret"`
		Payload  string `json:"payload"`
		Expected string `json:"expected_header_value"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	sig, err := parseGitHubSignature(v.Expected)
	if err != nil {
		t.Fatalf("parseGitHubSignature(%q): %v", v.Expected, err)
	}
	if !validGitHubSignature([]byte(v.Secret), []byte(v.Payload), sig) {
		t.Error("the documented signature does not verify")
	}
	if validGitHubSignature([]byte(v.Secret), []byte(v.Payload+"\n"), sig) {
		t.Error("the signature verifies another payload")
	}
	if validGitHubSignature([]byte(v.Secret+" "), []byte(v.Payload), sig) {
		t.Error("the signature verifies under another secret")
	}
}

func TestValidGitLabToken(t *testing.T) {
	t.Parallel()
	want := sha256.Sum256([]byte("s3cret"))
	for token, ok := range map[string]bool{
		"s3cret":  true,
		"s3cret ": false,
		"s3cre":   false,
		"S3CRET":  false,
		"":        false,
	} {
		if got := validGitLabToken(&want, token); got != ok {
			t.Errorf("validGitLabToken(%q) = %v, want %v", token, got, ok)
		}
	}
}
