package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// verifyReport is the part of the JSON report these tests read.
type verifyReport struct {
	Findings []struct {
		Path   string `json:"path"`
		Line   int    `json:"line"`
		Source string `json:"source"`
	} `json:"findings"`
	Usage struct {
		Requests int `json:"requests"`
	} `json:"usage"`
	Egress       []json.RawMessage `json:"egress"`
	Verification struct {
		Ran        bool     `json:"ran"`
		Candidates int      `json:"candidates"`
		Checked    int      `json:"checked"`
		Unverified int      `json:"unverified"`
		Failures   []string `json:"failures"`
		Requests   int      `json:"requests"`
		Dropped    []struct {
			Path    string `json:"path"`
			Line    int    `json:"line"`
			Reason  string `json:"reason"`
			Verdict string `json:"verdict"`
		} `json:"dropped"`
	} `json:"verification"`
}

func (r *verifyReport) llm() []string {
	var out []string
	for _, f := range r.Findings {
		if f.Source == "llm" {
			out = append(out, fmt.Sprintf("%s:%d", f.Path, f.Line))
		}
	}
	return out
}

func runVerifyReview(t *testing.T, g *fakeGateway, extra ...string) verifyReport {
	t.Helper()
	dir := t.TempDir()
	environ := append([]string{
		"REVIEWER_GATEWAY_BASE_URL=" + g.URL + "/v1",
		"REVIEWER_GATEWAY_API_KEY=sk-test",
		"REVIEWER_GATEWAY_MODEL=gpt-test",
		"REVIEWER_GATEWAY_MAX_RETRIES=0",
		"REVIEWER_CACHE_DIR=" + filepath.Join(dir, "cache"),
	}, extra...)
	r := runCmd(t, dir, environ, "review", "--diff", demoDiff(t), "--format", "json", "--fail-on", "none")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep verifyReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("not a JSON report: %v\n%s", err, r.stdout)
	}
	return rep
}

// TestReviewVerification: against a scripted gateway, the verification pass drops the
// planted false positive and keeps the true finding; the report says what was dropped
// and why, and counts the pass's requests in the usage and the egress.
func TestReviewVerification(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	g.setVerdict(func(msg string) (bool, float64) {
		if strings.Contains(msg, "find_user returns a row tuple") {
			return false, 0.9 // the planted false positive
		}
		return true, 0.95
	}, false)
	rep := runVerifyReview(t, g)
	if diff := cmp.Diff([]string{"app/client.py:20"}, rep.llm()); diff != "" {
		t.Errorf("model findings (-want +got):\n%s", diff)
	}
	v := rep.Verification
	if !v.Ran || v.Candidates != 2 || v.Checked != 2 || v.Unverified != 0 || len(v.Dropped) != 1 {
		t.Fatalf("verification %+v: want 2 candidates checked, 1 dropped", v)
	}
	if d := v.Dropped[0]; d.Path != "app/client.py" || d.Line != 14 || !strings.Contains(d.Reason, "does not hold") || d.Verdict != "scripted verdict" {
		t.Errorf("dropped %+v", d)
	}
	if v.Requests != 1 || rep.Usage.Requests != int(g.requests.Load()) || len(rep.Egress) != rep.Usage.Requests {
		t.Errorf("verification requests %d, usage %d, gateway %d, egress %d: want one verification request counted everywhere",
			v.Requests, rep.Usage.Requests, g.requests.Load(), len(rep.Egress))
	}

	// Turned off, nothing is verified and both findings stand.
	off := newFakeGateway(t)
	rep = runVerifyReview(t, off, "REVIEWER_REVIEW_VERIFY=false")
	if diff := cmp.Diff([]string{"app/client.py:14", "app/client.py:20"}, rep.llm()); diff != "" || rep.Verification.Ran || off.verifiedCount() != 0 {
		t.Errorf("with review.verify off: findings (-want +got):\n%s\nverification %+v", diff, rep.Verification)
	}
}

// TestReviewVerificationFails: when the verification requests fail, no finding is lost:
// both are reported, counted as not verified, with the failure named.
func TestReviewVerificationFails(t *testing.T) {
	t.Parallel()
	g := newFakeGateway(t)
	g.setVerdict(nil, true)
	rep := runVerifyReview(t, g)
	if diff := cmp.Diff([]string{"app/client.py:14", "app/client.py:20"}, rep.llm()); diff != "" {
		t.Errorf("model findings (-want +got):\n%s", diff)
	}
	v := rep.Verification
	if !v.Ran || v.Unverified != 2 || len(v.Failures) != 1 || len(v.Dropped) != 0 || v.Requests == 0 {
		t.Errorf("verification %+v: want 2 unverified, the failure named, the failed request counted", v)
	}
}
