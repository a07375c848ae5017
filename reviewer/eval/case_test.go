package eval_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/eval"
)

func TestEvalParseExpected(t *testing.T) {
	t.Parallel()
	const name = "c/expected.json"
	got, err := eval.ParseExpected(name, []byte(`{
  "issues": [{"path": " a.go ", "from_line": 3, "to_line": 4, "category": "security", "severity": "error", "note": "n"}],
  "clean": [{"path": "a.go", "from_line": 9, "to_line": 9}]
}`))
	if err != nil {
		t.Fatal(err)
	}
	want := eval.Expected{
		Issues: []eval.Issue{{Path: "a.go", FromLine: 3, ToLine: 4, Category: "security", Severity: "error", Note: "n"}},
		Clean:  []eval.Clean{{Path: "a.go", FromLine: 9, ToLine: 9}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if _, err := eval.ParseExpected(name, []byte(`{"issues": []}`)); err != nil {
		t.Errorf("a case with no issues and no clean ranges: %v", err)
	}

	tests := []struct {
		name string
		in   string
		want []string // substrings of the error, each on its own line
	}{
		{"not JSON", "{\n\"issues\": [,]}", []string{name + ":2: invalid character"}},
		{"not an object", `[]`, []string{name + ": want an object with issues and clean"}},
		{"null", `null`, []string{name + ": want an object"}},
		{"two values", `{"issues": []} {}`, []string{"more than one JSON value"}},
		{"no issues", `{"clean": []}`, []string{name + ": issues: missing"}},
		{"unknown top key", `{"issues": [], "traps": []}`, []string{name + ": traps: unknown key"}},
		{"issues not a list", `{"issues": {}}`, []string{name + ": issues: want a list"}},
		{"issue not an object", `{"issues": [3]}`, []string{name + ": issues[0]: want an object"}},
		{"unknown issue key", `{"issues": [{"path": "a", "from_line": 1, "to_line": 1, "line": 1}]}`, []string{"issues[0].line: unknown key (want path, from_line, to_line, category, severity, note)"}},
		{"missing fields", `{"issues": [{}]}`, []string{"issues[0].path: missing", "issues[0].from_line: missing", "issues[0].to_line: missing"}},
		{"empty path", `{"issues": [{"path": " ", "from_line": 1, "to_line": 1}]}`, []string{"issues[0].path: empty"}},
		{"path not a string", `{"issues": [{"path": 3, "from_line": 1, "to_line": 1}]}`, []string{"issues[0].path: want a string, got 3"}},
		{"line not whole", `{"issues": [{"path": "a", "from_line": 1.5, "to_line": 2}]}`, []string{"issues[0].from_line: want a whole line number, got 1.5"}},
		{"line zero", `{"issues": [{"path": "a", "from_line": 0, "to_line": 2}]}`, []string{"issues[0].from_line: 0 is not a line number"}},
		{"backwards", `{"issues": [{"path": "a", "from_line": 5, "to_line": 3}]}`, []string{"issues[0].to_line: 3 is before from_line 5"}},
		{"too long", `{"issues": [{"path": "a", "from_line": 1, "to_line": 5000}]}`, []string{"issues[0]: lines 1-5000 span more than 2000 lines"}},
		{"bad severity", `{"issues": [{"path": "a", "from_line": 1, "to_line": 1, "severity": "critical"}]}`, []string{`issues[0].severity: "critical" is not info, warning or error`}},
		{"unknown clean key", `{"issues": [], "clean": [{"path": "a", "from_line": 1, "to_line": 1, "category": "x"}]}`, []string{"clean[0].category: unknown key (want path, from_line, to_line, note)"}},
		{"clean covers an issue", `{"issues": [{"path": "a", "from_line": 3, "to_line": 6}], "clean": [{"path": "b", "from_line": 3, "to_line": 6}, {"path": "a", "from_line": 4, "to_line": 5}, {"path": "a", "from_line": 2, "to_line": 6}]}`,
			[]string{"clean[2]: lines 2-6 cover all of issues[0] (3-6)"}},
		{"every problem at once", `{"issues": [{"path": "a", "from_line": 2, "to_line": 1}, {"path": "", "from_line": 1, "to_line": 1}], "extra": 1}`,
			[]string{"extra: unknown key", "issues[0].to_line", "issues[1].path: empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := eval.ParseExpected(name, []byte(tt.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if n := len(strings.Split(err.Error(), "\n")); n < len(tt.want) {
				t.Errorf("%d problems reported, want %d:\n%v", n, len(tt.want), err)
			}
		})
	}
}

const oneFileDiff = `diff --git a/a.go b/a.go
index 1111111..2222222 100644
--- a/a.go
+++ b/a.go
@@ -10,3 +10,4 @@ func f() {
 	x := 1
+	y := 2
 	_ = x
 }
diff --git a/gone.go b/gone.go
deleted file mode 100644
index 3333333..0000000
--- a/gone.go
+++ /dev/null
@@ -1 +0,0 @@
-package gone
`

// TestEvalLoadCase: the expected ranges must be on lines of the change, where a review can
// comment.
func TestEvalLoadCase(t *testing.T) {
	t.Parallel()
	mk := func(expected string, extra ...string) fstest.MapFS {
		m := fstest.MapFS{"change.diff": {Data: []byte(oneFileDiff)}}
		if expected != "" {
			m["expected.json"] = &fstest.MapFile{Data: []byte(expected)}
		}
		for i := 0; i+1 < len(extra); i += 2 {
			m[extra[i]] = &fstest.MapFile{Data: []byte(extra[i+1])}
		}
		return m
	}
	c, err := eval.LoadCase(mk(`{"issues": [{"path": "a.go", "from_line": 8, "to_line": 10}], "clean": [{"path": "a.go", "from_line": 13, "to_line": 20}]}`,
		"SOURCE.md", "from a commit", "rules/r.md", "---\nid: r\n---\n"), "c")
	if err != nil {
		t.Fatalf("ranges overlapping the hunk (10-13): %v", err)
	}
	if c.Name != "c" || c.Source != "from a commit" || c.RulesDir != "rules" || len(c.Diff) == 0 {
		t.Errorf("case %+v", c)
	}
	// A .reviewer.yaml naming its rules directory wins over rules/.
	c, err = eval.LoadCase(mk(`{"issues": []}`, "rules/r.md", "x", ".reviewer.yaml", "rules_dir: other\n"), "c")
	if err != nil || c.RulesDir != "" {
		t.Errorf("with rules_dir in .reviewer.yaml: RulesDir %q, %v", c.RulesDir, err)
	}

	tests := []struct {
		name string
		fsys fstest.MapFS
		want []string
	}{
		{"no expected.json", mk(""), []string{"c/expected.json: missing"}},
		{"no change.diff", fstest.MapFS{"expected.json": {Data: []byte(`{"issues": []}`)}}, []string{"c/change.diff: missing"}},
		{"bad diff", fstest.MapFS{"change.diff": {Data: []byte("diff --git a/x b/x\n@@ -1 +1 @@\n")}, "expected.json": {Data: []byte(`{"issues": []}`)}}, []string{"c/change.diff:"}},
		{"not a file of the change", mk(`{"issues": [{"path": "b.go", "from_line": 10, "to_line": 10}]}`), []string{`c/expected.json: issues[0].path: "b.go" is not a file of the change`}},
		{"a deleted file", mk(`{"issues": [{"path": "gone.go", "from_line": 1, "to_line": 1}]}`), []string{`issues[0].path: "gone.go" is not a file of the change`}},
		{"outside the hunks", mk(`{"issues": [{"path": "a.go", "from_line": 1, "to_line": 9}], "clean": [{"path": "a.go", "from_line": 14, "to_line": 20}]}`),
			[]string{"issues[0]: lines 1-9 of a.go are not in the change's hunks", "clean[0]: lines 14-20 of a.go are not in the change's hunks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := eval.LoadCase(tt.fsys, "c")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestEvalLoadCases(t *testing.T) {
	t.Parallel()
	good := &fstest.MapFile{Data: []byte(`{"issues": []}`)}
	diff := &fstest.MapFile{Data: []byte(oneFileDiff)}
	fsys := fstest.MapFS{
		"b/change.diff": diff, "b/expected.json": good,
		"a/change.diff": diff, "a/expected.json": good,
		"_drafts/change.diff": diff,
		".git/HEAD":           {Data: []byte("ref")},
		"README.md":           {Data: []byte("# cases")},
	}
	cases, err := eval.LoadCases(fsys, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cases {
		names = append(names, c.Name)
	}
	if diff := cmp.Diff([]string{"a", "b"}, names); diff != "" {
		t.Errorf("cases (-want +got):\n%s", diff)
	}
	cases, err = eval.LoadCases(fsys, func(n string) bool { return n == "b" })
	if err != nil || len(cases) != 1 || cases[0].Name != "b" {
		t.Errorf("keeping b: %v, %v", cases, err)
	}
	if _, err := eval.LoadCases(fsys, func(string) bool { return false }); err == nil || !strings.Contains(err.Error(), "no cases") {
		t.Errorf("keeping none: %v", err)
	}
	// Every bad case is reported, not only the first.
	fsys["c/change.diff"] = diff
	fsys["d/expected.json"] = good
	_, err = eval.LoadCases(fsys, nil)
	if err == nil || !strings.Contains(err.Error(), "c/expected.json: missing") || !strings.Contains(err.Error(), "d/change.diff: missing") {
		t.Errorf("two bad cases: %v", err)
	}
	if _, err := eval.LoadCases(fstest.MapFS{}, nil); err == nil {
		t.Error("an empty set loaded")
	}
}
