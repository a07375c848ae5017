package redact_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// TestGolden redacts testdata/secrets.diff, a change to a .py, a .go, a .yaml and a .js
// file with planted secrets and with ordinary code that must survive, and to a .yaml file
// with a secret in a hunk's section and a key body whose BEGIN line is out of sight, into
// testdata/secrets.golden: the redacted lines, then what was masked.
func TestGolden(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/secrets.diff")
	if err != nil {
		t.Fatal(err)
	}
	files, err := diff.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	r := redact.New()
	var b strings.Builder
	for _, f := range files {
		if reason, ok := redact.WithheldFile(f); ok {
			fmt.Fprintf(&b, "== %s withheld: %s\n", f.Path(), reason)
			continue
		}
		got, secrets := r.File(f)
		out := render(got)
		b.WriteString(out)
		for _, s := range secrets {
			fmt.Fprintf(&b, "   masked %s at hunk %d line %d (%d) bytes %d-%d\n", s.Rule, s.Hunk, s.Index, s.Line, s.Start, s.End)
			if orig := secretLine(f, s)[s.Start:s.End]; strings.Contains(out, orig) {
				t.Errorf("%s: masked text of %s still in the output", f.Path(), s.Rule)
			}
		}
	}
	golden.Check(t, "testdata/secrets.golden", []byte(b.String()))
}
