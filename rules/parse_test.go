package rules_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reviewerbot/reviewer/rules"
)

var ignoreUnexported = cmpopts.IgnoreUnexported(rules.Rule{})

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want *rules.Rule
	}{
		{
			name: "full",
			data: `---
id: go-wrap-errors
title: Wrap errors with context
severity: error
paths: ["**/*.go"]
exclude: ["**/*_test.go"]
pattern: 'return err$'
message: Wrap the error.
examples:
  bad: ["return err"]
  good: ["return fmt.Errorf(\"load: %w\", err)"]
---

Errors carry context.
`,
			want: &rules.Rule{
				ID: "go-wrap-errors", Title: "Wrap errors with context", Severity: rules.SeverityError,
				Paths: []string{"**/*.go"}, Exclude: []string{"**/*_test.go"},
				Pattern: "return err$", Message: "Wrap the error.",
				Examples: rules.Examples{Bad: []string{"return err"}, Good: []string{`return fmt.Errorf("load: %w", err)`}},
				Body:     "Errors carry context.", Source: "r.md",
			},
		},
		{
			name: "defaults",
			data: "---\nid: only-id\n---\nBody.",
			want: &rules.Rule{ID: "only-id", Severity: rules.SeverityWarning, Body: "Body.", Source: "r.md"},
		},
		{
			name: "crlf and bom",
			data: "\ufeff---\r\nid: crlf\r\npaths:\r\n  - docs/**\r\n---\r\nLine one.\r\nLine two.\r\n",
			want: &rules.Rule{ID: "crlf", Severity: rules.SeverityWarning, Paths: []string{"docs/**"},
				Body: "Line one.\nLine two.", Source: "r.md"},
		},
		{
			name: "single glob string and leading ./",
			data: "---\nid: one\npaths: ./src/**/*.ts\n---\n",
			want: &rules.Rule{ID: "one", Severity: rules.SeverityWarning, Paths: []string{"src/**/*.ts"}, Source: "r.md"},
		},
		{
			name: "inline false and unless",
			data: "---\nid: x\npattern: 'a'\nunless: '//'\nunless_block: '^case'\ninline: false\nmessage: m\n---\n",
			want: &rules.Rule{ID: "x", Severity: rules.SeverityWarning, Pattern: "a", Unless: "//", UnlessBlock: "^case",
				SummaryOnly: true, Message: "m", Source: "r.md"},
		},
		{
			name: "inline true",
			data: "---\nid: x\ninline: True\n---\n",
			want: &rules.Rule{ID: "x", Severity: rules.SeverityWarning, Source: "r.md"},
		},
		{
			name: "empty body",
			data: "---\nid: x\n---",
			want: &rules.Rule{ID: "x", Severity: rules.SeverityWarning, Source: "r.md"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.Parse("r.md", []byte(tt.data))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, ignoreUnexported); diff != "" {
				t.Errorf("Parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want []string // the lines of err.Error()
	}{
		{
			name: "no front matter",
			data: "# Just markdown\n",
			want: []string{"r.md:1: no front matter: a rules file starts with a --- line, then YAML keys, then a closing --- line"},
		},
		{
			name: "unclosed",
			data: "---\nid: x\n",
			want: []string{"r.md:1: front matter is not closed: no --- line after the opening one"},
		},
		{
			name: "missing id",
			data: "---\ntitle: t\n---\n",
			want: []string{"r.md:1: missing required key id"},
		},
		{
			name: "unknown key with suggestion",
			data: "---\nid: x\nseverty: error\n---\n",
			want: []string{`r.md:3: unknown key "severty" (did you mean "severity"?); allowed keys: id, title, severity, paths, exclude, exclude_regions, pattern, secrets, unless, unless_block, inline, message, examples`},
		},
		{
			name: "unknown key without suggestion",
			data: "---\nid: x\nowner: team-a\n---\n",
			want: []string{`r.md:3: unknown key "owner"; allowed keys: id, title, severity, paths, exclude, exclude_regions, pattern, secrets, unless, unless_block, inline, message, examples`},
		},
		{
			name: "every problem at once, by line",
			data: "---\nid: Bad ID\nseverity: critical\npaths:\n  - \"**/*.go\"\n  - \"[unclosed\"\npattern: 'a(b'\nexamples:\n  bad: [x]\n  ugly: [y]\n---\n",
			want: []string{
				`r.md:2: id "Bad ID": want lowercase letters, digits, '-', '_' or '.', starting with a letter or digit`,
				`r.md:3: severity: unknown severity "critical" (want info, warning or error)`,
				`r.md:6: paths: bad glob "[unclosed"`,
				"r.md:7: pattern: bad regexp: error parsing regexp: missing closing ): `a(b`",
				"r.md:7: pattern needs a message: the text a pattern finding carries",
				`r.md:10: unknown examples key "ugly"; allowed keys: bad, good`,
			},
		},
		{
			name: "bad inline and unless",
			data: "---\nid: x\ninline: no\nunless: 'a('\nunless_block: 'b['\n---\n",
			want: []string{
				`r.md:3: inline: want true or false, got "no"`,
				"r.md:4: unless: bad regexp: error parsing regexp: missing closing ): `a(`",
				"r.md:4: unless needs a pattern: it vetoes the pattern's hits",
				"r.md:5: unless_block: bad regexp: error parsing regexp: missing closing ]: `[`",
				"r.md:5: unless_block needs a pattern: it vetoes the pattern's hits",
			},
		},
		{
			name: "inline list",
			data: "---\nid: x\ninline: [a]\n---\n",
			want: []string{"r.md:3: inline: want true or false, got a list"},
		},
		{
			name: "wrong types",
			data: "---\nid: [a, b]\ntitle: {x: 1}\npaths: {a: b}\nexamples: [x]\n---\n",
			want: []string{
				"r.md:1: missing required key id",
				"r.md:2: id: want a string, got a list",
				"r.md:3: title: want a string, got a mapping",
				"r.md:4: paths: want a list of strings, got a mapping",
				"r.md:5: examples: want a mapping with keys bad and good, got a list",
				"r.md:5: examples need a pattern or secrets to be checked against",
			},
		},
		{
			name: "examples without pattern",
			data: "---\nid: x\nexamples:\n  bad: [x]\n---\n",
			want: []string{"r.md:3: examples need a pattern or secrets to be checked against"},
		},
		{
			name: "secrets with a pattern, without a message, with a bad id",
			data: "---\nid: x\npattern: a\nmessage: m\nsecrets: [github-pat, Bad_ID]\n---\n---\nid: y\n",
			want: []string{
				`r.md:5: secrets: "Bad_ID" is not a format id (lowercase letters, digits, '-') or *`,
				"r.md:5: secrets and pattern: a rule reports the masker's secret formats or matches its own pattern, not both",
			},
		},
		{
			name: "secrets without a message",
			data: "---\nid: x\nsecrets: ['*']\n---\n",
			want: []string{"r.md:3: secrets needs a message: the text a finding carries"},
		},
		{
			name: "duplicate key",
			data: "---\nid: x\ntitle: a\ntitle: b\n---\n",
			want: []string{`r.md:4: duplicate key "title" (first on line 3)`},
		},
		{
			name: "yaml syntax error, crlf",
			data: "---\r\nid: x\r\ntitle: a: b\r\n---\r\n",
			want: []string{"r.md:3: invalid YAML: mapping values are not allowed in this context"},
		},
		{
			name: "not a mapping",
			data: "---\n- id\n---\n",
			want: []string{"r.md:2: front matter must be a mapping of keys, not a list"},
		},
		{
			name: "keys after an end marker",
			data: "---\nid: x\n...\nfoo: 1\n---\n",
			want: []string{"r.md:3: ... ends the YAML document, but more follows; a file holds one document"},
		},
		{
			name: "empty glob in list",
			data: "---\nid: x\nexclude: [\"\", \"ok/**\"]\n---\n",
			want: []string{"r.md:3: exclude: empty glob"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := rules.Parse("r.md", []byte(tt.data))
			if err == nil {
				t.Fatal("Parse: no error")
			}
			if diff := cmp.Diff(tt.want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("Parse error (-want +got):\n%s", diff)
			}
			var e *rules.Error
			if !errors.As(err, &e) {
				t.Errorf("errors.As(%T, *rules.Error) = false", err)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  rules.Error
		want string
	}{
		{rules.Error{File: "a.md", Line: 3, Msg: "bad"}, "a.md:3: bad"},
		{rules.Error{File: "builtin:x.md", Msg: "bad"}, "builtin:x.md: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}
