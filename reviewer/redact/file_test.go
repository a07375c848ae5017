package redact_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// render writes f as a unified diff body, with each line's numbers, for comparisons and
// golden files.
func render(f *diff.File) string {
	var b strings.Builder
	fmt.Fprintf(&b, "== %s\n", f.Path())
	for _, h := range f.Hunks {
		fmt.Fprintf(&b, "%s\n", strings.TrimSpace(fmt.Sprintf("@@ -%d,%d +%d,%d @@ %s", h.OldStart, h.OldLines, h.NewStart, h.NewLines, h.Section)))
		for _, l := range h.Lines {
			mark := " "
			switch l.Kind {
			case diff.Added:
				mark = "+"
			case diff.Deleted:
				mark = "-"
			}
			fmt.Fprintf(&b, "%4d %4d %s%s\n", l.OldLine, l.NewLine, mark, l.Content)
		}
	}
	return b.String()
}

func line(k diff.LineKind, oldN, newN int, content string) diff.Line {
	return diff.Line{Kind: k, OldLine: oldN, NewLine: newN, Content: content}
}

func TestFilePrivateKeyAcrossLines(t *testing.T) {
	t.Parallel()
	oldBody := []string{fake(70, b64, 64), fake(71, b64, 40) + "=="}
	newBody := []string{fake(72, b64, 64), fake(73, b64, 64), fake(74, b64, 12)}
	f := &diff.File{OldPath: "deploy/values.yaml", NewPath: "deploy/values.yaml", Hunks: []diff.Hunk{{
		OldStart: 10, OldLines: 6, NewStart: 10, NewLines: 7,
		Lines: []diff.Line{
			line(diff.Context, 10, 10, "tls:"),
			line(diff.Context, 11, 11, "  key: |"),
			// A changed key: the old and the new block interleave, each side is one block.
			line(diff.Deleted, 12, 0, "    -----BEGIN RSA PRIVATE KEY-----"),
			line(diff.Added, 0, 12, "    -----BEGIN EC PRIVATE KEY-----"),
			line(diff.Deleted, 13, 0, "    "+oldBody[0]),
			line(diff.Added, 0, 13, "    "+newBody[0]),
			line(diff.Added, 0, 14, "    "+newBody[1]),
			line(diff.Deleted, 14, 0, "    "+oldBody[1]),
			line(diff.Deleted, 15, 0, "    -----END RSA PRIVATE KEY-----"),
			line(diff.Added, 0, 15, "    "+newBody[2]),
			line(diff.Added, 0, 16, "    -----END EC PRIVATE KEY-----"),
			line(diff.Context, 16, 17, "  cert: ZmFrZWNlcnRpZmljYXRl"),
		},
	}}}
	before := render(f)
	got, secrets := redact.New().File(f)
	want := `== deploy/values.yaml
@@ -10,6 +10,7 @@
  10   10  tls:
  11   11    key: |
  12    0 -    -----BEGIN RSA PRIVATE KEY-----
   0   12 +    -----BEGIN EC PRIVATE KEY-----
  13    0 -    «redacted:private-key#1»
   0   13 +    «redacted:private-key#2»
   0   14 +    «redacted:private-key#3»
  14    0 -    «redacted:private-key#4»
  15    0 -    -----END RSA PRIVATE KEY-----
   0   15 +    «redacted:private-key#5»
   0   16 +    -----END EC PRIVATE KEY-----
  16   17    cert: ZmFrZWNlcnRpZmljYXRl
`
	if diff := cmp.Diff(want, render(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	wantSecrets := []redact.Secret{
		{Rule: "private-key", Hunk: 0, Index: 4, Line: 13, Start: 4, End: 68},
		{Rule: "private-key", Hunk: 0, Index: 5, Line: 13, Start: 4, End: 68},
		{Rule: "private-key", Hunk: 0, Index: 6, Line: 14, Start: 4, End: 68},
		{Rule: "private-key", Hunk: 0, Index: 7, Line: 14, Start: 4, End: 46},
		{Rule: "private-key", Hunk: 0, Index: 9, Line: 15, Start: 4, End: 16},
	}
	if diff := cmp.Diff(wantSecrets, secrets); diff != "" {
		t.Errorf("secrets (-want +got):\n%s", diff)
	}
	if after := render(f); after != before {
		t.Errorf("File modified its input:\n%s", cmp.Diff(before, after))
	}
}

func TestFileSharesUntouchedStrings(t *testing.T) {
	t.Parallel()
	f := &diff.File{NewPath: "a.go", Hunks: []diff.Hunk{{Lines: []diff.Line{
		line(diff.Added, 0, 1, "x := 1"),
		line(diff.Added, 0, 2, `tok := "ghp_`+fake(80, alnum, 36)+`"`),
	}}}}
	got, secrets := redact.New().File(f)
	if len(secrets) != 1 {
		t.Fatalf("got %d secrets, want 1", len(secrets))
	}
	if &got.Hunks[0].Lines[0] == &f.Hunks[0].Lines[0] {
		t.Error("the copy shares its Lines with the input")
	}
	if got.Hunks[0].Lines[0].Content != f.Hunks[0].Lines[0].Content {
		t.Error("an untouched line changed")
	}
}

// TestFileProperties plants secrets of every detector into a generated diff and checks that
// the redacted file keeps its shape and line numbers, that its input is untouched, and that
// no planted secret survives anywhere in the output.
func TestFileProperties(t *testing.T) {
	t.Parallel()
	files, err := diff.Parse(difftest.Generate(30, 60))
	if err != nil {
		t.Fatal(err)
	}
	r := redact.New()
	var planted []string
	n := 0
	for _, f := range files {
		for hi := range f.Hunks {
			for li := range f.Hunks[hi].Lines {
				n++
				if n%7 != 0 {
					continue
				}
				tc := detectorCases[(n/7)%len(detectorCases)]
				if tc.secret == "" {
					continue
				}
				secret := tc.secret
				l := &f.Hunks[hi].Lines[li]
				l.Content = strings.Replace(tc.line, "%s", secret, 1)
				planted = append(planted, secret)
			}
		}
	}
	for i, f := range files {
		before := render(f)
		got, secrets := r.File(f)
		if after := render(f); after != before {
			t.Fatalf("file %d: File modified its input", i)
		}
		if len(got.Hunks) != len(f.Hunks) {
			t.Fatalf("file %d: %d hunks, want %d", i, len(got.Hunks), len(f.Hunks))
		}
		for hi := range f.Hunks {
			gl, wl := got.Hunks[hi].Lines, f.Hunks[hi].Lines
			if len(gl) != len(wl) {
				t.Fatalf("file %d hunk %d: %d lines, want %d", i, hi, len(gl), len(wl))
			}
			for li := range wl {
				g, w := gl[li], wl[li]
				g.Content, w.Content = "", ""
				if g != w {
					t.Errorf("file %d hunk %d line %d: %+v, want %+v", i, hi, li, g, w)
				}
			}
		}
		for _, s := range secrets {
			l := f.Hunks[s.Hunk].Lines[s.Index]
			num := l.NewLine
			if l.Kind == diff.Deleted {
				num = l.OldLine
			}
			if s.Line != num || s.Start < 0 || s.End <= s.Start || s.End > len(l.Content) {
				t.Errorf("file %d: bad secret %+v for line %+v", i, s, l)
			}
		}
		out := render(got)
		for _, p := range planted {
			if strings.Contains(out, p) {
				t.Errorf("file %d: a planted secret survived redaction", i)
			}
		}
	}
	if len(planted) < len(detectorCases) {
		t.Fatalf("planted only %d secrets", len(planted))
	}
}
