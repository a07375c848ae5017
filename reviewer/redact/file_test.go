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

// secretLine returns the text s was found in: a line of f or a hunk's section.
func secretLine(f *diff.File, s redact.Secret) string {
	if s.Index == redact.SectionIndex {
		return f.Hunks[s.Hunk].Section
	}
	return f.Hunks[s.Hunk].Lines[s.Index].Content
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
			if s.Index == redact.SectionIndex {
				if sec := f.Hunks[s.Hunk].Section; s.Line != 0 || s.Start < 0 || s.End <= s.Start || s.End > len(sec) {
					t.Errorf("file %d: bad secret %+v for section %q", i, s, sec)
				}
				continue
			}
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

func TestFileSections(t *testing.T) {
	t.Parallel()
	awsSecret := "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzz9SECRETz"
	tests := []struct {
		name, path, section string
		want                string
		secrets             []redact.Secret
	}{
		{
			name: "assignment git took for the section", path: "app/settings.py",
			section: `AWS_SECRET_ACCESS_KEY = "` + awsSecret + `"`,
			want:    `AWS_SECRET_ACCESS_KEY = "«redacted:aws-secret-access-key#1»"`,
			secrets: []redact.Secret{{Rule: "aws-secret-access-key", Index: redact.SectionIndex, Start: 25, End: 65}},
		},
		{
			name: "token in a go section", path: "main.go",
			section: `var tok = "ghp_` + fake(90, alnum, 36) + `"`,
			want:    `var tok = "«redacted:github-pat#1»"`,
			secrets: []redact.Secret{{Rule: "github-pat", Index: redact.SectionIndex, Start: 11, End: 51}},
		},
		{
			name: "bare value in a config file", path: "config/app.ini",
			section: "db_password=correcthorse",
			want:    "db_password=«redacted:secret-assignment#1»",
			secrets: []redact.Secret{{Rule: "secret-assignment", Index: redact.SectionIndex, Start: 12, End: 24}},
		},
		{
			name: "function name is untouched", path: "main.go",
			section: "func (s *Server) login(password string) error {",
			want:    "func (s *Server) login(password string) error {",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &diff.File{OldPath: tt.path, NewPath: tt.path, Hunks: []diff.Hunk{{
				OldStart: 40, OldLines: 1, NewStart: 40, NewLines: 2, Section: tt.section,
				Lines: []diff.Line{line(diff.Context, 40, 40, "x = 1"), line(diff.Added, 0, 41, "y = 2")},
			}}}
			got, secrets := redact.New().File(f)
			if diff := cmp.Diff(tt.want, got.Hunks[0].Section); diff != "" {
				t.Errorf("section (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.secrets, secrets); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
			if f.Hunks[0].Section != tt.section {
				t.Error("File modified its input's section")
			}
		})
	}
}

// TestFileKeyBodyWithoutBegin covers hunks inside an embedded key block whose BEGIN line
// is above the visible context: the body lines are recognized by their layout.
func TestFileKeyBodyWithoutBegin(t *testing.T) {
	t.Parallel()
	b := func(seed uint64) string { return fake(seed, b64, 64) }
	const m = "«redacted:private-key#"
	tests := []struct {
		name  string
		lines []diff.Line
		want  []string // contents after redaction
	}{
		{
			name: "two body lines and an edit",
			lines: []diff.Line{
				line(diff.Context, 10, 10, "    "+b(100)),
				line(diff.Deleted, 11, 0, "    "+b(101)),
				line(diff.Added, 0, 11, "    "+b(102)),
				line(diff.Context, 12, 12, "    "+b(103)),
			},
			want: []string{"    " + m + "1»", "    " + m + "2»", "    " + m + "3»", "    " + m + "4»"},
		},
		{
			name: "one body line, the short last line and END",
			lines: []diff.Line{
				line(diff.Added, 0, 10, b(104)),
				line(diff.Context, 10, 11, fake(105, b64, 30)+"=="),
				line(diff.Context, 11, 12, "-----END OPENSSH PRIVATE KEY-----"),
			},
			want: []string{m + "1»", m + "2»", "-----END OPENSSH PRIVATE KEY-----"},
		},
		{
			name: "short last line, other side between it and END",
			lines: []diff.Line{
				line(diff.Context, 20, 20, "  "+fake(111, b64, 18)+"=="),
				line(diff.Deleted, 21, 0, "  x: 1"),
				line(diff.Deleted, 22, 0, "  y: 2"),
				line(diff.Deleted, 23, 0, "  z: 3"),
				line(diff.Context, 24, 21, "  -----END RSA PRIVATE KEY-----"),
			},
			want: []string{"  " + m + "1»", "  x: 1", "  y: 2", "  z: 3", "  -----END RSA PRIVATE KEY-----"},
		},
		{
			name: "76-char MIME lines as string literals",
			lines: []diff.Line{
				line(diff.Context, 1, 1, `  "`+fake(106, b64, 76)+`\n" +`),
				line(diff.Added, 0, 2, `  "`+fake(107, b64, 76)+`\n" +`),
			},
			want: []string{`  "` + m + `1»\n" +`, `  "` + m + `2»\n" +`},
		},
		{
			name: "70-char lines, the sides apart",
			lines: []diff.Line{
				line(diff.Deleted, 5, 0, fake(108, b64, 70)),
				line(diff.Added, 0, 5, "x := 1"),
				line(diff.Deleted, 6, 0, fake(109, b64, 70)),
			},
			want: []string{m + "1»", "x := 1", m + "2»"},
		},
		{
			name: "one body line alone stays",
			lines: []diff.Line{
				line(diff.Added, 0, 1, "data:"),
				line(diff.Added, 0, 2, "  "+b(110)),
				line(diff.Added, 0, 3, "name: x"),
			},
			want: []string{"data:", "  " + b(110), "name: x"},
		},
		{
			name: "sha-256 digests stay",
			lines: []diff.Line{
				line(diff.Added, 0, 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
				line(diff.Added, 0, 2, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
			},
			want: []string{
				"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			},
		},
		{
			name: "comment banners and long identifiers stay",
			lines: []diff.Line{
				line(diff.Added, 0, 1, strings.Repeat("/", 70)),
				line(diff.Added, 0, 2, strings.Repeat("/", 70)),
				line(diff.Added, 0, 3, "    thisIsAnExtremelyLongIdentifierNameThatGoesOnAndOnForeverAndEver"),
				line(diff.Added, 0, 4, "    andThisIsAnotherExtremelyLongIdentifierNameThatGoesOnAndOnForever"),
				line(diff.Added, 0, 5, "    ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
				line(diff.Added, 0, 6, "    ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
			},
			want: []string{
				strings.Repeat("/", 70), strings.Repeat("/", 70),
				"    thisIsAnExtremelyLongIdentifierNameThatGoesOnAndOnForeverAndEver",
				"    andThisIsAnotherExtremelyLongIdentifierNameThatGoesOnAndOnForever",
				"    ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
				"    ABCDEFGHIJKLMNOPQRSTUVWXYZ234567ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
			},
		},
		{
			name: "ordinary code before an END line stays",
			lines: []diff.Line{
				line(diff.Added, 0, 1, `const footer = "-----END CERTIFICATE-----"`),
				line(diff.Added, 0, 2, "return nil"),
			},
			want: []string{`const footer = "-----END CERTIFICATE-----"`, "return nil"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &diff.File{OldPath: "deploy/values.yaml", NewPath: "deploy/values.yaml", Hunks: []diff.Hunk{{Lines: tt.lines}}}
			got, secrets := redact.New().File(f)
			var contents []string
			for _, l := range got.Hunks[0].Lines {
				contents = append(contents, l.Content)
			}
			if diff := cmp.Diff(tt.want, contents); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, s := range secrets {
				if s.Rule != "private-key" {
					t.Errorf("secret %+v: want rule private-key", s)
				}
			}
		})
	}
}

// TestFileRenamedConfigMode checks that a file renamed from a config file is read in
// config mode, where a bare value after a secret-looking key is a literal.
func TestFileRenamedConfigMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, oldPath, newPath string
		want                   []string
	}{
		{"env renamed to txt", ".env", "deploy/prod.txt", []string{
			"DB_PASSWORD=«redacted:secret-assignment#1»", "MAIL_PASSWORD=«redacted:secret-assignment#2»",
		}},
		{"yaml renamed to go", "config/app.yaml", "config/app.go", []string{
			"DB_PASSWORD=«redacted:secret-assignment#1»", "MAIL_PASSWORD=«redacted:secret-assignment#2»",
		}},
		{"code stays code", "a.go", "b.go", []string{"DB_PASSWORD=correcthorse", "MAIL_PASSWORD=batterystaple"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &diff.File{OldPath: tt.oldPath, NewPath: tt.newPath, Hunks: []diff.Hunk{{Lines: []diff.Line{
				line(diff.Context, 1, 1, "DB_PASSWORD=correcthorse"),
				line(diff.Added, 0, 2, "MAIL_PASSWORD=batterystaple"),
			}}}}
			got, _ := redact.New().File(f)
			contents := []string{got.Hunks[0].Lines[0].Content, got.Hunks[0].Lines[1].Content}
			if diff := cmp.Diff(tt.want, contents); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
