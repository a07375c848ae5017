package rules_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/rules"
)

func TestParseSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		want    rules.Settings
		wantErr []string
	}{
		{
			name: "all keys",
			data: `ignore: ["docs/**", "**/*.pb.go"]
disable: [js-console-log, rust-unwrap]
inline: code-todo-without-ticket
fail_on: Error
instructions: |
  We target Go 1.26.
rules_dir: ./tools/rules/
tier: Full
`,
			want: rules.Settings{
				Ignore:       []string{"docs/**", "**/*.pb.go"},
				Disable:      []string{"js-console-log", "rust-unwrap"},
				Inline:       []string{"code-todo-without-ticket"},
				FailOn:       "error",
				Instructions: "We target Go 1.26.",
				RulesDir:     "tools/rules",
				Tier:         "full",
			},
		},
		{name: "empty file", data: "", want: rules.Settings{}},
		{name: "comments only, crlf", data: "# nothing yet\r\n", want: rules.Settings{}},
		{name: "fail_on none", data: "fail_on: none\n", want: rules.Settings{FailOn: "none"}},
		{
			name: "ignore with re-includes",
			data: "ignore: [\"*.pb.go\", \"!./api/keep.pb.go\", \"!/proto/**\", \" !gen/**\"]\n",
			want: rules.Settings{Ignore: []string{"*.pb.go", "!api/keep.pb.go", "!proto/**", "!gen/**"}},
		},
		{
			name: "bad re-includes",
			data: "ignore:\n  - \"!\"\n  - \"![x\"\n",
			wantErr: []string{
				`.reviewer.yaml:2: ignore: empty glob`,
				`.reviewer.yaml:3: ignore: bad glob "[x"`,
			},
		},
		{
			name: "every problem",
			data: "ignore: [\"[x\"]\ndisable: [\"Not An Id\"]\nfail_on: critical\nrules_dir: ../elsewhere\nfailon: error\ninstructions: [a]\ninline: [\"Bad Id\"]\ntier: none\n",
			wantErr: []string{
				`.reviewer.yaml:1: ignore: bad glob "[x"`,
				`.reviewer.yaml:2: disable: "Not An Id" is not a rule id`,
				`.reviewer.yaml:3: fail_on: unknown value "critical" (want info, warning, error or none)`,
				`.reviewer.yaml:4: rules_dir: "../elsewhere" is not a directory inside the repository`,
				`.reviewer.yaml:5: unknown key "failon" (did you mean "fail_on"?); allowed keys: ignore, disable, inline, fail_on, instructions, rules_dir, tier`,
				".reviewer.yaml:6: instructions: want a string, got a list",
				`.reviewer.yaml:7: inline: "Bad Id" is not a rule id`,
				`.reviewer.yaml:8: tier: unknown value "none" (want trivial, lite or full)`,
			},
		},
		{
			name:    "second document",
			data:    "fail_on: none\n---\nfail_on: error\n",
			wantErr: []string{".reviewer.yaml:2: --- ends the YAML document, but more follows; a file holds one document"},
		},
		{
			name:    "keys after an end marker",
			data:    "disable: [a]\n...\nignore: [x]\n",
			wantErr: []string{".reviewer.yaml:2: ... ends the YAML document, but more follows; a file holds one document"},
		},
		{name: "trailing empty document", data: "fail_on: none\n---\n", want: rules.Settings{FailOn: "none"}},
		{
			name:    "not a mapping",
			data:    "- a\n",
			wantErr: []string{".reviewer.yaml:1: want a mapping of settings, got a list"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.ParseSettings(".reviewer.yaml", []byte(tt.data))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("ParseSettings: no error, want %q", tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantErr, strings.Split(err.Error(), "\n")); diff != "" {
					t.Errorf("ParseSettings error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSettings: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseSettings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSettingsFailOnSeverity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		failOn string
		want   rules.Severity
		wantOK bool
	}{
		{"", 0, false},
		{"none", 0, false},
		{"info", rules.SeverityInfo, true},
		{"warning", rules.SeverityWarning, true},
		{"error", rules.SeverityError, true},
	}
	for _, tt := range tests {
		t.Run(tt.failOn, func(t *testing.T) {
			t.Parallel()
			got, ok := rules.Settings{FailOn: tt.failOn}.FailOnSeverity()
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("FailOnSeverity() = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
