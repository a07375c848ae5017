package reviewer_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
)

func TestFingerprint(t *testing.T) {
	t.Parallel()
	base := reviewer.Fingerprint("py-tls-verify-disabled", "app/client.py", "    return requests.get(url, verify=False)", 0)
	if len(base) != 24 {
		t.Errorf("fingerprint %q: want 24 hex digits", base)
	}
	same := []struct {
		name string
		fp   string
	}{
		{"re-indented", reviewer.Fingerprint("py-tls-verify-disabled", "app/client.py", "\treturn requests.get(url,  verify=False)  ", 0)},
	}
	for _, s := range same {
		if s.fp != base {
			t.Errorf("%s: fingerprint changed: %s != %s", s.name, s.fp, base)
		}
	}
	differ := []struct {
		name string
		fp   string
	}{
		{"other rule", reviewer.Fingerprint("py-eval", "app/client.py", "return requests.get(url, verify=False)", 0)},
		{"other path", reviewer.Fingerprint("py-tls-verify-disabled", "app/other.py", "return requests.get(url, verify=False)", 0)},
		{"other code", reviewer.Fingerprint("py-tls-verify-disabled", "app/client.py", "return requests.post(url, verify=False)", 0)},
		{"second occurrence", reviewer.Fingerprint("py-tls-verify-disabled", "app/client.py", "return requests.get(url, verify=False)", 1)},
		// The separators keep fields from running into each other.
		{"shifted field boundary", reviewer.Fingerprint("py-tls-verify-disabledapp/", "client.py", "return requests.get(url, verify=False)", 0)},
	}
	for _, d := range differ {
		if d.fp == base {
			t.Errorf("%s: fingerprint did not change", d.name)
		}
	}
}
