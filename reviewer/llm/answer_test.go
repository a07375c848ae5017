package llm_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/llm"
)

// TestParseAnswerGolden parses every model answer in testdata/answers and compares the
// findings with the .golden file beside it.
func TestParseAnswerGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/answers/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".golden") {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			content, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			findings, err := llm.ParseAnswer(string(content))
			if err != nil {
				t.Fatal(err)
			}
			if findings == nil {
				findings = []reviewer.ModelFinding{}
			}
			got, err := json.MarshalIndent(findings, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, strings.TrimSuffix(f, filepath.Ext(f))+".golden", append(got, '\n'))
		})
	}
}

func TestParseAnswer(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 10_000)
	tests := []struct {
		name    string
		content string
		want    []reviewer.ModelFinding
		wantErr bool
	}{
		{name: "empty", content: "  \n", wantErr: true},
		{name: "prose without JSON", content: "Looks good to me!", wantErr: true},
		{name: "JSON without findings", content: `{"city":"San Francisco","temperature":65,"units":"f"}`, wantErr: true},
		{name: "findings not an array", content: `{"findings":"none"}`, wantErr: true},
		{name: "top-level array", content: `[{"path":"a.go","line":1,"message":"m"}]`, wantErr: true},
		{name: "cut off", content: `{"`, wantErr: true},
		{name: "no findings", content: `{"findings":[]}`},
		{
			name:    "defaults",
			content: `{"findings":[{"path":"a.go","line":3,"message":"m"}]}`,
			want:    []reviewer.ModelFinding{{Path: "a.go", Line: 3, EndLine: 3, Side: reviewer.SideNew, Severity: "warning", Message: "m"}},
		},
		{
			name:    "second object in prose is the answer",
			content: `Example: {"a": 1}. Answer: {"findings":[{"path":"a.go","line":3,"message":"m","severity":"error"}]}`,
			want:    []reviewer.ModelFinding{{Path: "a.go", Line: 3, EndLine: 3, Side: reviewer.SideNew, Severity: "error", Message: "m"}},
		},
		{
			name:    "long fields are cut at a rune boundary",
			content: `{"findings":[{"path":"a.go","line":3,"message":"` + long + `","quote":"` + long + `"}]}`,
			want: []reviewer.ModelFinding{{Path: "a.go", Line: 3, EndLine: 3, Side: reviewer.SideNew, Severity: "warning",
				Message: strings.Repeat("é", 2000), Quote: strings.Repeat("é", 500)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := llm.ParseAnswer(tt.content)
			if tt.wantErr {
				if !errors.Is(err, llm.ErrInvalidAnswer) {
					t.Errorf("err = %v, want ErrInvalidAnswer", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAnswerCapsFindings(t *testing.T) {
	t.Parallel()
	item := `{"path":"a.go","line":1,"message":"m"}`
	content := `{"findings":[` + strings.TrimSuffix(strings.Repeat(item+",", 500), ",") + `]}`
	got, err := llm.ParseAnswer(content)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 200 {
		t.Errorf("kept %d findings, want the cap of 200", len(got))
	}
}

func FuzzParseAnswer(f *testing.F) {
	files, _ := filepath.Glob("testdata/answers/*")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	f.Add(answerJSON)
	f.Add("```json\n{\"findings\":[{\"path\":\"x\",\"line\":\"7\"}]}\n```")
	f.Add(`{"findings":[{"path":"\u0000","line":1,"end_line":2147483648,"message":"\ud800"}]}`)
	f.Add(`{{{{{"findings":[]`)
	f.Fuzz(func(t *testing.T, content string) {
		findings, err := llm.ParseAnswer(content)
		if err != nil {
			if !errors.Is(err, llm.ErrInvalidAnswer) {
				t.Fatalf("error %v does not wrap ErrInvalidAnswer", err)
			}
			if findings != nil {
				t.Fatalf("findings %v returned with an error", findings)
			}
			return
		}
		for _, fd := range findings {
			checkInvariants(t, fd)
		}
	})
}

// checkInvariants fails for a finding ParseAnswer must never return.
func checkInvariants(t *testing.T, f reviewer.ModelFinding) {
	t.Helper()
	switch {
	case strings.TrimSpace(f.Path) == "":
		t.Fatalf("empty path: %+v", f)
	case f.Line < 1:
		t.Fatalf("line < 1: %+v", f)
	case f.EndLine < f.Line:
		t.Fatalf("end_line < line: %+v", f)
	case f.Side != reviewer.SideNew && f.Side != reviewer.SideOld:
		t.Fatalf("side %q: %+v", f.Side, f)
	case f.Severity != "info" && f.Severity != "warning" && f.Severity != "error":
		t.Fatalf("severity %q: %+v", f.Severity, f)
	case strings.TrimSpace(f.Message) == "":
		t.Fatalf("empty message: %+v", f)
	case len(f.Path) > 1024, len(f.Message) > 4000, len(f.Quote) > 1000, len(f.Suggestion) > 8000, len(f.RuleID) > 128:
		t.Fatalf("field over its limit: %+v", f)
	}
	for _, s := range []string{f.Path, f.RuleID, f.Message, f.Quote, f.Suggestion} {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8 %q", s)
		}
	}
}
