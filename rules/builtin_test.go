package rules

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/internal/golden"
)

func TestBuiltin(t *testing.T) {
	t.Parallel()
	builtin, err := Builtin()
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	if len(builtin) < 18 {
		t.Errorf("Builtin: %d rules, want at least 18", len(builtin))
	}
	prefixes := []string{"secret-", "code-", "go-", "py-", "js-", "java-", "rust-"}
	for _, r := range builtin {
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			if err := r.CheckExamples(); err != nil {
				t.Error(err)
			}
			if want := "builtin:" + r.ID + ".md"; r.Source != want {
				t.Errorf("Source = %q, want %q (one file per rule, named after its id)", r.Source, want)
			}
			if !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(r.ID, p) }) {
				t.Errorf("id %q has none of the prefixes %q", r.ID, prefixes)
			}
			lang := r.ID[:strings.IndexByte(r.ID, '-')]
			if lang != "secret" && lang != "code" && len(r.Paths) == 0 {
				t.Errorf("a %s rule must restrict Paths to its language", lang)
			}
			if (r.Pattern == "") == (len(r.Secrets) == 0) || r.Message == "" || r.Title == "" || r.Body == "" {
				t.Error("a built-in rule needs a title, a pattern or secrets, a message and a body")
			}
			if len(r.Examples.Bad) < 3 || len(r.Examples.Good) < 3 {
				t.Errorf("%d bad and %d good examples, want at least 3 of each", len(r.Examples.Bad), len(r.Examples.Good))
			}
			// A rule with Secrets reports the masker's formats, which run behind gitleaks'
			// keyword prefilter; reviewer's TestBuiltinSecretRules checks its examples.
			if r.Pattern != "" && r.matcher.pre == nil {
				t.Error("no prefilter: every line of every file would reach the regexp")
			}
		})
	}
}

// TestBuiltinTable keeps a reviewable table of the built-in rules, with the literals
// their prefilters look for, in testdata/builtin-rules.golden.
func TestBuiltinTable(t *testing.T) {
	t.Parallel()
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range builtin {
		paths := strings.Join(r.Paths, " ")
		if paths == "" {
			paths = "(every file)"
		}
		fmt.Fprintf(&b, "%s\n  severity: %s\n  paths:    %s\n", r.ID, r.Severity, paths)
		if len(r.Exclude) > 0 {
			fmt.Fprintf(&b, "  exclude:  %s\n", strings.Join(r.Exclude, " "))
		}
		if r.ExcludeRegions != 0 {
			fmt.Fprintf(&b, "  regions:  excluded %b\n", r.ExcludeRegions)
		}
		if r.Unless != "" {
			fmt.Fprintf(&b, "  unless:   %s\n", r.Unless)
		}
		if r.UnlessBlock != "" {
			fmt.Fprintf(&b, "  unless block: %s\n", r.UnlessBlock)
		}
		if r.SummaryOnly {
			b.WriteString("  inline:   false (summary only)\n")
		}
		if p := r.matcher.pre; p != nil {
			fmt.Fprintf(&b, "  literals: %q (fold %v)\n", p.lits, p.fold)
		}
		if len(r.Secrets) > 0 {
			fmt.Fprintf(&b, "  secrets:  %s\n", strings.Join(r.Secrets, " "))
		}
	}
	golden.Check(t, "testdata/builtin-rules.golden", []byte(b.String()))
}

// TestBuiltinPaths checks which files some built-in rules cover, where the globs are
// easy to get wrong.
func TestBuiltinPaths(t *testing.T) {
	t.Parallel()
	builtin, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]*Rule{}
	for _, r := range builtin {
		byID[r.ID] = r
	}
	tests := []struct {
		id, path string
		want     bool
	}{
		{"js-tls-reject-unauthorized", "Dockerfile", true},
		{"js-tls-reject-unauthorized", "deploy/Dockerfile.prod", true},
		{"js-tls-reject-unauthorized", "Containerfile", true},
		{"js-tls-reject-unauthorized", "images/Containerfile.dev", true},
		{"js-tls-reject-unauthorized", "docs/Dockerfiles.md", false},
		{"code-todo-without-ticket", "main.go", true},
		{"code-todo-without-ticket", "db/migrations/001_init.sql", false},
		{"code-todo-without-ticket", "init.el", false},
		{"code-todo-without-ticket-dash-semicolon", "db/migrations/001_init.sql", true},
		{"code-todo-without-ticket-dash-semicolon", "plugin/init.lua", true},
		{"code-todo-without-ticket-dash-semicolon", "src/core.clj", true},
		{"code-todo-without-ticket-dash-semicolon", "setup.ini", true},
		{"code-todo-without-ticket-dash-semicolon", "main.go", false},
	}
	for _, tt := range tests {
		t.Run(tt.id+"/"+tt.path, func(t *testing.T) {
			t.Parallel()
			r, ok := byID[tt.id]
			if !ok {
				t.Fatalf("no built-in rule %s", tt.id)
			}
			if got := r.AppliesTo(tt.path); got != tt.want {
				t.Errorf("AppliesTo(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

// TestBuiltinFreshCopies checks that callers may change what Builtin returns.
func TestBuiltinFreshCopies(t *testing.T) {
	t.Parallel()
	a, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	a[0].Severity = SeverityInfo
	a[0].Paths = append(a[0].Paths, "x")
	b, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if b[0].Severity == SeverityInfo && slices.Contains(b[0].Paths, "x") {
		t.Error("Builtin returned a rule changed through an earlier result")
	}
}
