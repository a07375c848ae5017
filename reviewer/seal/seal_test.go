package seal_test

import (
	"fmt"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/seal"
)

func TestSumVerify(t *testing.T) {
	t.Parallel()
	k := seal.New([]byte("operator secret")).Derive("summary")
	s := k.Sum("acme/app!7", "0123abcd")
	if len(s) != 64 {
		t.Fatalf("Sum = %q, want 64 hex digits", s)
	}
	if !k.Verify(s, "acme/app!7", "0123abcd") {
		t.Fatal("a seal does not verify under its own key and parts")
	}
	for name, ok := range map[string]bool{
		"other parts":       k.Verify(s, "acme/app!7", "0123abce"),
		"reframed parts":    k.Verify(s, "acme/app!70", "123abcd"),
		"other purpose":     seal.New([]byte("operator secret")).Derive("cache").Verify(s, "acme/app!7", "0123abcd"),
		"other secret":      seal.New([]byte("attacker")).Derive("summary").Verify(s, "acme/app!7", "0123abcd"),
		"not hex":           k.Verify("zz"+s[2:], "acme/app!7", "0123abcd"),
		"truncated":         k.Verify(s[:62], "acme/app!7", "0123abcd"),
		"empty seal":        k.Verify("", "acme/app!7", "0123abcd"),
		"zero key verifies": seal.Key{}.Verify("", "acme/app!7", "0123abcd"),
	} {
		if ok {
			t.Errorf("%s: verified, want refused", name)
		}
	}
}

func TestZeroKey(t *testing.T) {
	t.Parallel()
	var zero seal.Key
	if !zero.IsZero() || !seal.New(nil).IsZero() || !seal.New([]byte{}).Derive("x").IsZero() {
		t.Fatal("an empty secret does not give the zero key")
	}
	if s := zero.Sum("a"); s != "" {
		t.Fatalf("zero key sums to %q, want empty", s)
	}
	if seal.New([]byte("k")).IsZero() {
		t.Fatal("a secret gives the zero key")
	}
}

func TestKeyNotPrinted(t *testing.T) {
	t.Parallel()
	k := seal.New([]byte("hunter2"))
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %s", k, k, k)} {
		if s == "" || s != "[redacted]" && s != "[redacted] [redacted] [redacted]" {
			t.Errorf("printed key as %q", s)
		}
	}
}
