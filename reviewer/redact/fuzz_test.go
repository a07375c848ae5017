package redact_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// maxPlaceholder bounds the length of «redacted:rule#n» for the built-in rules.
const maxPlaceholder = len("«redacted:") + 40 + len("#") + 10 + len("»")

func FuzzString(f *testing.F) {
	for _, tc := range detectorCases {
		f.Add(strings.Replace(tc.line, "%s", tc.secret, 1))
	}
	for _, n := range negatives {
		f.Add(n)
	}
	f.Add("-----BEGIN PRIVATE KEY-----\nMIIE\\nabc\n-----END")
	f.Add("a://b:c@d e://f:@g")
	r := redact.New()
	f.Fuzz(func(t *testing.T, s string) {
		out, secrets := r.String(s)
		if len(secrets) == 0 {
			if out != s {
				t.Fatalf("no secrets but the text changed: %q -> %q", s, out)
			}
			return
		}
		if len(out) > len(s)+len(secrets)*maxPlaceholder {
			t.Fatalf("output of %d bytes for %d input bytes and %d secrets", len(out), len(s), len(secrets))
		}
		if strings.Count(out, "\n") != strings.Count(s, "\n") {
			t.Fatalf("line count changed: %q -> %q", s, out)
		}
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("valid UTF-8 became invalid: %q -> %q", s, out)
		}
		lines := strings.Split(s, "\n")
		prevLine, prevEnd := 0, 0
		for _, sec := range secrets {
			if sec.Line < 1 || sec.Line > len(lines) || sec.Start < 0 || sec.End <= sec.Start || sec.End > len(lines[sec.Line-1]) {
				t.Fatalf("secret %+v out of bounds in %q", sec, s)
			}
			if sec.Line < prevLine || (sec.Line == prevLine && sec.Start < prevEnd) {
				t.Fatalf("secrets out of order or overlapping: %+v", secrets)
			}
			prevLine, prevEnd = sec.Line, sec.End
		}
		if again, more := r.String(out); len(more) != 0 {
			t.Fatalf("redacting twice masks more: %q -> %q -> %q (%+v)", s, out, again, more)
		}
	})
}

// TestStringLinear checks that contrived lines that make detectors rescan text stay cheap
// and leak nothing: the scan's budget masks them whole.
func TestStringLinear(t *testing.T) {
	t.Parallel()
	r := redact.New()
	for _, unit := range []string{"sk-", "token=", `token="${`, "eyJaaaaaaaaaaaa.", "ghp_a-", "password: str = "} {
		s := strings.Repeat(unit, 200_000/len(unit))
		got, secrets := r.String(s)
		if len(got) > len(s)+len(secrets)*maxPlaceholder {
			t.Errorf("%q×n: output of %d bytes", unit, len(got))
		}
	}
}
