package rules_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/rules"
)

func TestImport(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		".github/copilot-instructions.md": file("\ufeff# House style\r\n\r\nPrefer small functions.\r\n"),
		".github/instructions/go.instructions.md": file(`---
applyTo: "**/*.go,cmd/**"
---
Use table tests.
`),
		".github/instructions/frontend/React UI.instructions.md": file(`---
name: React components
applyTo: "src/**/*.{ts,tsx}, ./web/**"
description: ignored by us
---
Hooks need dependency arrays.
`),
		".github/instructions/all.instructions.md":     file("---\napplyTo: '**'\n---\nBe kind.\n"),
		".github/instructions/nofront.instructions.md": file("No front matter means every file.\n"),
		".github/instructions/agent.instructions.md":   file("---\napplyTo: '**'\nexcludeAgent: code-review\n---\nOnly for the coding agent.\n"),
		".github/instructions/agents.instructions.md":  file("---\nexcludeAgent: [coding-agent, code-review]\n---\nNeither.\n"),
		".github/instructions/coding.instructions.md":  file("---\nexcludeAgent: coding-agent\n---\nReview only.\n"),
		".github/instructions/empty.instructions.md":   file("---\napplyTo: '**/*.py'\n---\n"),
		".github/instructions/notes.md":                file("not an instructions file"),
		".gitlab/duo/mr-review-instructions.yaml": file(`instructions:
  - name: Ruby Style Guide
    fileFilters:
      - "*.rb"
      - "lib/**/*.rb"
      - "!spec/**/*.rb"
      - !vendor/**
    instructions: |
      1. Document every public method.
  - name: Everything
    instructions: Be concise.
  - name: Empty filters
    fileFilters: []
    instructions: Also everything.
`),
	}
	got, err := rules.Import(fsys)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	warn := rules.SeverityWarning
	want := []*rules.Rule{
		{ID: "copilot-instructions", Title: "Repository instructions (GitHub Copilot)", Severity: warn,
			Body: "# House style\n\nPrefer small functions.", Source: ".github/copilot-instructions.md"},
		{ID: "copilot-all", Title: "all (GitHub Copilot instructions)", Severity: warn,
			Body: "Be kind.", Source: ".github/instructions/all.instructions.md"},
		{ID: "copilot-coding", Title: "coding (GitHub Copilot instructions)", Severity: warn,
			Body: "Review only.", Source: ".github/instructions/coding.instructions.md"},
		{ID: "copilot-react-ui", Title: "React components", Severity: warn,
			Paths: []string{"src/**/*.{ts,tsx}", "web/**"},
			Body:  "Hooks need dependency arrays.", Source: ".github/instructions/frontend/React UI.instructions.md"},
		{ID: "copilot-go", Title: "go (GitHub Copilot instructions)", Severity: warn,
			Paths: []string{"**/*.go", "cmd/**"},
			Body:  "Use table tests.", Source: ".github/instructions/go.instructions.md"},
		{ID: "copilot-nofront", Title: "nofront (GitHub Copilot instructions)", Severity: warn,
			Body: "No front matter means every file.", Source: ".github/instructions/nofront.instructions.md"},
		{ID: "duo-ruby-style-guide", Title: "Ruby Style Guide", Severity: warn,
			Paths: []string{"*.rb", "lib/**/*.rb"}, Exclude: []string{"spec/**/*.rb", "vendor/**"},
			Body: "1. Document every public method.", Source: ".gitlab/duo/mr-review-instructions.yaml"},
		{ID: "duo-everything", Title: "Everything", Severity: warn,
			Body: "Be concise.", Source: ".gitlab/duo/mr-review-instructions.yaml"},
		{ID: "duo-empty-filters", Title: "Empty filters", Severity: warn,
			Body: "Also everything.", Source: ".gitlab/duo/mr-review-instructions.yaml"},
	}
	if diff := cmp.Diff(want, got, ignoreUnexported); diff != "" {
		t.Errorf("Import (-want +got):\n%s", diff)
	}

	matches := []struct {
		id, path string
		want     bool
	}{
		{"duo-ruby-style-guide", "app.rb", true},
		{"duo-ruby-style-guide", "app/models/user.rb", false}, // "*.rb" is root-only, as in GitLab's docs
		{"duo-ruby-style-guide", "lib/a/b.rb", true},
		{"duo-ruby-style-guide", "spec/a_spec.rb", false},
		{"copilot-react-ui", "src/app/App.tsx", true},
		{"copilot-react-ui", "web/index.html", true},
		{"copilot-react-ui", "src/app/App.css", false},
		{"copilot-go", "main.go", true},
		{"copilot-all", "anything/at/all.txt", true},
	}
	byID := map[string]*rules.Rule{}
	for _, r := range got {
		byID[r.ID] = r
	}
	for _, m := range matches {
		if got := byID[m.id].AppliesTo(m.path); got != m.want {
			t.Errorf("%s.AppliesTo(%q) = %v, want %v", m.id, m.path, got, m.want)
		}
	}
}

func TestImportNothing(t *testing.T) {
	t.Parallel()
	got, err := rules.Import(fstest.MapFS{"README.md": file("hi")})
	if err != nil || len(got) != 0 {
		t.Errorf("Import of a repo without instructions = %v, %v; want nothing", got, err)
	}
}

func TestImportErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fsys fstest.MapFS
		want []string
	}{
		{
			name: "copilot bad glob and bad yaml",
			fsys: fstest.MapFS{
				".github/instructions/a.instructions.md": file("---\napplyTo: \"src/[x\"\n---\nText.\n"),
				".github/instructions/b.instructions.md": file("---\napplyTo: a: b\n---\nText.\n"),
				".github/instructions/c.instructions.md": file("---\napplyTo: x\n"),
			},
			want: []string{
				`.github/instructions/a.instructions.md:2: applyTo: bad glob "src/[x"`,
				".github/instructions/b.instructions.md:2: invalid YAML: mapping values are not allowed in this context",
				".github/instructions/c.instructions.md:1: front matter is not closed: no --- line after the opening one",
			},
		},
		{
			name: "copilot duplicate basename",
			fsys: fstest.MapFS{
				".github/instructions/go.instructions.md":   file("Text."),
				".github/instructions/x/go.instructions.md": file("Text."),
			},
			want: []string{`.github/instructions/x/go.instructions.md:1: duplicate rule id "copilot-go", also defined in .github/instructions/go.instructions.md:1`},
		},
		{
			name: "duo problems",
			fsys: fstest.MapFS{".gitlab/duo/mr-review-instructions.yaml": file(`instructions:
  - name: Go
    fileFilters: "**/*.go"
    instructions: x
  - fileFilters: ["[bad"]
    instructions: y
  - name: go
    instructions: z
  - just a string
`)},
			want: []string{
				".gitlab/duo/mr-review-instructions.yaml:3: fileFilters: want a list of globs, got a scalar",
				`.gitlab/duo/mr-review-instructions.yaml:5: fileFilters: bad glob "[bad"`,
				".gitlab/duo/mr-review-instructions.yaml:5: instruction without a name",
				".gitlab/duo/mr-review-instructions.yaml:9: instructions: want a mapping with name, fileFilters and instructions, got a scalar",
			},
		},
		{
			name: "duo duplicate names and unquoted alias",
			fsys: fstest.MapFS{".gitlab/duo/mr-review-instructions.yaml": file("instructions:\n  - name: Go\n    instructions: x\n  - name: GO!\n    instructions: y\n")},
			want: []string{`.gitlab/duo/mr-review-instructions.yaml:4: duplicate rule id "duo-go", also defined in .gitlab/duo/mr-review-instructions.yaml:2`},
		},
		{
			name: "duo unquoted glob is a YAML alias",
			fsys: fstest.MapFS{".gitlab/duo/mr-review-instructions.yaml": file("instructions:\n  - name: Go\n    fileFilters:\n      - *.go\n    instructions: x\n")},
			want: []string{`.gitlab/duo/mr-review-instructions.yaml:4: invalid YAML: did not find expected alphabetic or numeric character`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := rules.Import(tt.fsys)
			if err == nil {
				t.Fatal("Import: no error")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Import error (-want +got):\n%s", diff)
			}
		})
	}
}
