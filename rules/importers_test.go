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
		{ID: "copilot-frontend-react-ui", Title: "React components", Severity: warn,
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
		{"copilot-frontend-react-ui", "src/app/App.tsx", true},
		{"copilot-frontend-react-ui", "web/index.html", true},
		{"copilot-frontend-react-ui", "src/app/App.css", false},
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

// TestImportIDs checks that imported instructions get distinct ids, without an error,
// however their files and names collide once slugged.
func TestImportIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fsys fstest.MapFS
		want []string
	}{
		{
			name: "copilot same base name in two directories",
			fsys: fstest.MapFS{
				".github/instructions/frontend/style.instructions.md": file("Use CSS modules."),
				".github/instructions/backend/style.instructions.md":  file("Wrap errors."),
			},
			want: []string{"copilot-backend-style", "copilot-frontend-style"},
		},
		{
			name: "copilot path and name slug alike",
			fsys: fstest.MapFS{
				".github/instructions/a/b.instructions.md": file("Two."),
				".github/instructions/a-b.instructions.md": file("Three."),
				".github/instructions/A B.instructions.md": file("One."),
			},
			// In file order: "A B..." sorts first, then the directory a, then "a-b...".
			want: []string{"copilot-a-b", "copilot-a-b-2", "copilot-a-b-3"},
		},
		{
			name: "copilot path file named like the repository file",
			fsys: fstest.MapFS{
				".github/copilot-instructions.md":                   file("Repo."),
				".github/instructions/instructions.instructions.md": file("Path."),
			},
			want: []string{"copilot-instructions", "copilot-instructions-2"},
		},
		{
			name: "duo names differing in case and punctuation",
			fsys: fstest.MapFS{".gitlab/duo/mr-review-instructions.yaml": file(
				"instructions:\n  - name: Style\n    instructions: a\n  - name: style\n    instructions: b\n" +
					"  - name: STYLE!\n    instructions: c\n")},
			want: []string{"duo-style", "duo-style-2", "duo-style-3"},
		},
		{
			name: "duo suffix already taken by a name",
			fsys: fstest.MapFS{".gitlab/duo/mr-review-instructions.yaml": file(
				"instructions:\n  - name: Go\n    instructions: a\n  - name: GO!\n    instructions: b\n" +
					"  - name: go 2\n    instructions: c\n")},
			want: []string{"duo-go", "duo-go-3", "duo-go-2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.Import(tt.fsys)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if diff := cmp.Diff(tt.want, ruleIDs(got)); diff != "" {
				t.Errorf("Import ids (-want +got):\n%s", diff)
			}
		})
	}
}

// TestImportCopilotRepoFile checks that the repository-wide Copilot file, which has no
// front matter, is read whole even when it starts with a Markdown "---" divider.
func TestImportCopilotRepoFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, data, want string
	}{
		{name: "plain", data: "Prefer small functions.\n", want: "Prefer small functions."},
		{name: "divider, never closed", data: "---\nUse tabs.\n", want: "---\nUse tabs."},
		{name: "two dividers", data: "---\n# Style\n---\nWrap errors.\n", want: "---\n# Style\n---\nWrap errors."},
		{name: "looks like front matter", data: "---\napplyTo: x\n---\n", want: "---\napplyTo: x\n---"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.Import(fstest.MapFS{".github/copilot-instructions.md": file(tt.data)})
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			if len(got) != 1 {
				t.Fatalf("Import: %d rules, want 1", len(got))
			}
			if diff := cmp.Diff(tt.want, got[0].Body); diff != "" {
				t.Errorf("Body (-want +got):\n%s", diff)
			}
		})
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
			name: "duo second document",
			fsys: fstest.MapFS{".gitlab/duo/mr-review-instructions.yaml": file("instructions:\n  - name: Go\n    instructions: x\n---\ninstructions:\n  - name: Py\n    instructions: y\n")},
			want: []string{".gitlab/duo/mr-review-instructions.yaml:4: --- ends the YAML document, but more follows; a file holds one document"},
		},
		{
			name: "copilot keys after an end marker",
			fsys: fstest.MapFS{".github/instructions/go.instructions.md": file("---\napplyTo: '**/*.go'\n...\nexcludeAgent: code-review\n---\nText.\n")},
			want: []string{".github/instructions/go.instructions.md:3: ... ends the YAML document, but more follows; a file holds one document"},
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
