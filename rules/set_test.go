package rules_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/rules"
)

func ruleIDs(rs []*rules.Rule) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestLoadRepo(t *testing.T) {
	t.Parallel()
	repo := fstest.MapFS{
		".reviewer.yaml": file("disable: [js-console-log]\nfail_on: error\n"),
		".reviewer/rules/go-wrap-errors.md": file(`---
id: go-wrap-errors
paths: ["**/*.go"]
exclude: ["**/*_test.go"]
pattern: 'return err$'
message: Wrap it.
---
Wrap errors.
`),
		// Overrides the built-in rule of the same id.
		".reviewer/rules/rust-unwrap.md":  file("---\nid: rust-unwrap\nseverity: error\npaths: ['**/*.rs']\n---\nNo unwrap at all here.\n"),
		".github/copilot-instructions.md": file("Be nice."),
	}
	set, err := rules.LoadRepo(repo, rules.RepoOptions{Disable: []string{"secret-private-key"}})
	if err != nil {
		t.Fatalf("LoadRepo: %v", err)
	}
	got := map[string]string{}
	for i, r := range set.Rules {
		got[r.ID] = r.Source
		if i > 0 && set.Rules[i-1].ID >= r.ID {
			t.Errorf("Rules not sorted by id: %s before %s", set.Rules[i-1].ID, r.ID)
		}
	}
	for id, want := range map[string]string{
		"go-wrap-errors":       ".reviewer/rules/go-wrap-errors.md",
		"rust-unwrap":          ".reviewer/rules/rust-unwrap.md",
		"copilot-instructions": ".github/copilot-instructions.md",
		"go-ignored-error":     "builtin:go-ignored-error.md",
		"js-console-log":       "",
		"secret-private-key":   "",
	} {
		if got[id] != want {
			t.Errorf("rule %s: source %q, want %q", id, got[id], want)
		}
	}
	if set.Settings.FailOn != "error" {
		t.Errorf("Settings.FailOn = %q, want error", set.Settings.FailOn)
	}
}

func TestLoadRepoOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		opts    rules.RepoOptions
		want    []string
		wantErr []string
	}{
		{
			name: "empty repo without builtins",
			fsys: fstest.MapFS{},
			opts: rules.RepoOptions{NoBuiltin: true},
			want: []string{},
		},
		{
			name: "rules_dir from settings",
			fsys: fstest.MapFS{
				".reviewer.yaml":       file("rules_dir: tools/rules\n"),
				"tools/rules/a.md":     ruleFile("a"),
				".reviewer/rules/b.md": ruleFile("b"),
			},
			opts: rules.RepoOptions{NoBuiltin: true},
			want: []string{"a"},
		},
		{
			name: "option rules dir wins over settings",
			fsys: fstest.MapFS{
				".reviewer.yaml":   file("rules_dir: tools/rules\n"),
				"tools/rules/a.md": ruleFile("a"),
				"mine/c.md":        ruleFile("c"),
			},
			opts: rules.RepoOptions{NoBuiltin: true, RulesDir: "./mine/"},
			want: []string{"c"},
		},
		{
			name: "settings rules_dir wins over the default",
			fsys: fstest.MapFS{
				".reviewer.yaml":       file("rules_dir: tools/rules\n"),
				"tools/rules/a.md":     ruleFile("a"),
				".reviewer/rules/b.md": ruleFile("b"),
			},
			opts: rules.RepoOptions{NoBuiltin: true, RulesDir: ""},
			want: []string{"a"},
		},
		{
			name: "option rules dir wins over a missing settings rules_dir",
			fsys: fstest.MapFS{
				".reviewer.yaml": file("rules_dir: nope\n"),
				"mine/c.md":      ruleFile("c"),
			},
			opts: rules.RepoOptions{NoBuiltin: true, RulesDir: "mine"},
			want: []string{"c"},
		},
		{
			name: "missing default rules dir",
			fsys: fstest.MapFS{},
			opts: rules.RepoOptions{NoBuiltin: true},
			want: []string{},
		},
		{
			name: "missing default rules dir, named explicitly",
			fsys: fstest.MapFS{},
			opts: rules.RepoOptions{NoBuiltin: true, RulesDir: "./.reviewer/rules/"},
			want: []string{},
		},
		{
			name:    "missing option rules dir",
			fsys:    fstest.MapFS{".reviewer/rules/b.md": ruleFile("b")},
			opts:    rules.RepoOptions{NoBuiltin: true, RulesDir: "./standards/"},
			wantErr: []string{"rules dir standards does not exist"},
		},
		{
			name: "missing settings rules_dir",
			fsys: fstest.MapFS{
				".reviewer.yaml":       file("# ours\nrules_dir: tools/rules\n"),
				".reviewer/rules/b.md": ruleFile("b"),
			},
			opts:    rules.RepoOptions{NoBuiltin: true},
			wantErr: []string{".reviewer.yaml:2: rules_dir: directory tools/rules does not exist"},
		},
		{
			name: "unknown disabled ids, and a rule file clashing with an import",
			fsys: fstest.MapFS{
				".reviewer.yaml":                  file("# our settings\ndisable:\n  - a\n  - nosuch-rule\ninline: [no-such-inline]\n"),
				".reviewer/rules/a.md":            ruleFile("a"),
				".reviewer/rules/copilot.md":      ruleFile("copilot-instructions"),
				".github/copilot-instructions.md": file("Hi."),
			},
			opts: rules.RepoOptions{NoBuiltin: true, Disable: []string{"typo-rule"}},
			wantErr: []string{
				`.github/copilot-instructions.md: duplicate rule id "copilot-instructions", also defined in .reviewer/rules/copilot.md:2`,
				`disable: no rule has id "typo-rule"`,
				`.reviewer.yaml:4: disable: no rule has id "nosuch-rule"`,
				`.reviewer.yaml:5: inline: no rule has id "no-such-inline"`,
			},
		},
		{
			name:    "bad settings and bad rule reported together",
			fsys:    fstest.MapFS{".reviewer.yaml": file("ignor: [x]\n"), ".reviewer/rules/a.md": file("---\nid: a\nseverity: high\n---\n")},
			opts:    rules.RepoOptions{NoBuiltin: true},
			wantErr: []string{`.reviewer.yaml:1: unknown key "ignor" (did you mean "ignore"?); allowed keys: ignore, disable, inline, fail_on, instructions, rules_dir, tier`, `.reviewer/rules/a.md:3: severity: unknown severity "high" (want info, warning or error)`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set, err := rules.LoadRepo(tt.fsys, tt.opts)
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("LoadRepo: no error, want %q", tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantErr, strings.Split(err.Error(), "\n")); diff != "" {
					t.Errorf("LoadRepo error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadRepo: %v", err)
			}
			if diff := cmp.Diff(tt.want, ruleIDs(set.Rules)); diff != "" {
				t.Errorf("LoadRepo rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSetInline(t *testing.T) {
	t.Parallel()
	inline := newRule(t, "inline", nil, nil, "x")
	summary := newRule(t, "summary", nil, nil, "x")
	summary.SummaryOnly = true
	asked := newRule(t, "asked", nil, nil, "x")
	asked.SummaryOnly = true
	set := rules.NewSet([]*rules.Rule{inline, summary, asked}, rules.Settings{Inline: []string{"asked"}})
	for _, tt := range []struct {
		r    *rules.Rule
		want bool
	}{{inline, true}, {summary, false}, {asked, true}} {
		if got := set.Inline(tt.r); got != tt.want {
			t.Errorf("Inline(%s) = %v, want %v", tt.r.ID, got, tt.want)
		}
	}
	if got := set.Rule("summary"); got != summary {
		t.Errorf("Rule(summary) = %v, want the summary rule", got)
	}
	if got := set.Rule("nosuch"); got != nil {
		t.Errorf("Rule(nosuch) = %v, want nil", got)
	}
}

func TestUnless(t *testing.T) {
	t.Parallel()
	r := &rules.Rule{ID: "u", Pattern: `_ = f\.Sync\(\)`, Unless: `//\s*\S`, Message: "m"}
	if err := r.Compile(); err != nil {
		t.Fatal(err)
	}
	for line, want := range map[string]bool{
		"_ = f.Sync()":                    true,
		"_ = f.Sync() //":                 true,
		"_ = f.Sync() // ignore: exiting": false,
	} {
		if _, _, got := r.Find(line); got != want {
			t.Errorf("Find(%q) = %v, want %v", line, got, want)
		}
	}
}

func newRule(t testing.TB, id string, paths, exclude []string, pattern string) *rules.Rule {
	t.Helper()
	r := &rules.Rule{ID: id, Paths: paths, Exclude: exclude, Pattern: pattern, Message: "m"}
	if err := r.Compile(); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAppliesTo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		paths, exclude []string
		path           string
		want           bool
	}{
		{nil, nil, "any/file.txt", true},
		{[]string{"**/*.go"}, nil, "main.go", true}, // "**/" matches zero directories
		{[]string{"**/*.go"}, nil, "a/b/c.go", true},
		{[]string{"**/*.go"}, nil, "a/b/c.gox", false},
		{[]string{"*.go"}, nil, "main.go", true},
		{[]string{"*.go"}, nil, "cmd/main.go", false}, // "*" never crosses "/"
		{[]string{"**/*.go"}, []string{"**/*_test.go"}, "a/x_test.go", false},
		{[]string{"**/*.go"}, []string{"vendor/**"}, "vendor/x/y.go", false},
		{[]string{"**/Dockerfile"}, nil, "Dockerfile", true},
		{[]string{"**/Dockerfile"}, nil, "build/Dockerfile", true},
		{[]string{"**/Dockerfile"}, nil, "build/Dockerfile.dev", false},
		{[]string{"src/**"}, nil, "src/a/b.ts", true},
		{[]string{"src/**/*.{ts,tsx}"}, nil, "src/a/b.tsx", true},
		{[]string{"Makefile"}, nil, "Makefile", true},
		{[]string{"Makefile"}, nil, "sub/Makefile", false},
		{[]string{"**/.env*"}, nil, "deploy/.env.prod", true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v-%v-%s", tt.paths, tt.exclude, tt.path), func(t *testing.T) {
			t.Parallel()
			r := newRule(t, "r", tt.paths, tt.exclude, "")
			if got := r.AppliesTo(tt.path); got != tt.want {
				t.Errorf("AppliesTo(%q) = %v, want %v", tt.path, got, tt.want)
			}
			// A rule never compiled gives the same answer, just slower.
			raw := &rules.Rule{ID: "r", Paths: tt.paths, Exclude: tt.exclude}
			if got := raw.AppliesTo(tt.path); got != tt.want {
				t.Errorf("uncompiled AppliesTo(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

// TestGlobFastPaths checks that the string shortcuts AppliesTo takes for common glob
// shapes agree with doublestar.Match on many paths.
func TestGlobFastPaths(t *testing.T) {
	t.Parallel()
	globs := []string{"**", "**/*", "**/*.go", "**/*_test.go", "**/*.test.*", "**/Dockerfile",
		"**/.env", "Makefile", "src/app.ts", "**/*.d.ts", "*.go", "**/test_*.py", "**/src/**", "src/**",
		"**/go/**", "src/a/**", "**/a/**", "**/.go/**"}
	elems := []string{"a", "b.go", "x_test.go", "_test.go", ".go", "Dockerfile", ".env", "Makefile",
		"src", "app.ts", "z.d.ts", "test_a.py", "go", "c.test.js", ".", "Dockerfile.go", "srcs", "xsrc", "a"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		n := 1 + rng.IntN(4)
		parts := make([]string, n)
		for j := range parts {
			parts[j] = elems[rng.IntN(len(elems))]
		}
		path := strings.Join(parts, "/")
		for _, g := range globs {
			want, _ := doublestar.Match(g, path)
			r := newRule(t, "r", []string{g}, nil, "")
			if got := r.AppliesTo(path); got != want {
				t.Errorf("glob %q, path %q: AppliesTo = %v, doublestar.Match = %v", g, path, got, want)
			}
		}
	}
}

func TestForPath(t *testing.T) {
	t.Parallel()
	set := rules.NewSet([]*rules.Rule{
		newRule(t, "z-all", nil, nil, ""),
		newRule(t, "go-a", []string{"**/*.go"}, []string{"**/*_test.go"}, "x"),
		newRule(t, "go-b", []string{"**/*_test.go"}, nil, ""),
		newRule(t, "docker", []string{"**/Dockerfile"}, nil, "FROM"),
		newRule(t, "src-only", []string{"src/**"}, nil, "y"),
		newRule(t, "a-ts", []string{"**/*.ts", "**/*.tsx"}, nil, "z"),
	}, rules.Settings{})
	tests := []struct {
		path        string
		want, wantP []string
	}{
		{"main.go", []string{"go-a", "z-all"}, []string{"go-a"}},
		{"pkg/x_test.go", []string{"go-b", "z-all"}, []string{}},
		{"src/pkg/x.go", []string{"go-a", "src-only", "z-all"}, []string{"go-a", "src-only"}},
		{"src/a.tsx", []string{"a-ts", "src-only", "z-all"}, []string{"a-ts", "src-only"}},
		{"Dockerfile", []string{"docker", "z-all"}, []string{"docker"}},
		{"README", []string{"z-all"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, ruleIDs(set.ForPath(tt.path))); diff != "" {
				t.Errorf("ForPath (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantP, ruleIDs(set.PatternRulesFor(tt.path))); diff != "" {
				t.Errorf("PatternRulesFor (-want +got):\n%s", diff)
			}
		})
	}
}

// TestForPathMatchesAppliesTo checks the extension index against a plain scan.
func TestForPathMatchesAppliesTo(t *testing.T) {
	t.Parallel()
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	set := rules.NewSet(builtin, rules.Settings{})
	for _, path := range benchPaths(500) {
		var want []string
		for _, r := range set.Rules {
			if r.AppliesTo(path) {
				want = append(want, r.ID)
			}
		}
		if diff := cmp.Diff(want, ruleIDs(set.ForPath(path)), cmpEmpty); diff != "" {
			t.Errorf("ForPath(%q) (-want +got):\n%s", path, diff)
		}
	}
}

var cmpEmpty = cmp.Transformer("nilToEmpty", func(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
})

func TestSourcePaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rulesDir string
		want     []string
	}{
		{"", []string{".reviewer/rules", ".reviewer.yaml", ".github/copilot-instructions.md", ".github/instructions", ".gitlab/duo/mr-review-instructions.yaml"}},
		{"./standards/", []string{"standards", ".reviewer.yaml", ".github/copilot-instructions.md", ".github/instructions", ".gitlab/duo/mr-review-instructions.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.rulesDir, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, rules.SourcePaths(tt.rulesDir)); diff != "" {
				t.Errorf("SourcePaths(%q) (-want +got):\n%s", tt.rulesDir, diff)
			}
		})
	}
}

// TestSourcePathsCover checks that LoadRepo, given only the files under SourcePaths,
// loads the same rules as from the whole repository.
func TestSourcePathsCover(t *testing.T) {
	t.Parallel()
	repo := fstest.MapFS{
		"main.go":                                 file("package main\n"),
		".reviewer/rules/a.md":                    ruleFile("a"),
		".github/copilot-instructions.md":         file("Be nice."),
		".github/instructions/go.instructions.md": file("---\napplyTo: '**/*.go'\n---\nWrap errors.\n"),
		".gitlab/duo/mr-review-instructions.yaml": file("instructions:\n  - name: Docs\n    instructions: Be brief.\n"),
		".reviewer.yaml":                          file("disable: [a]\n"),
	}
	want, err := rules.LoadRepo(repo, rules.RepoOptions{NoBuiltin: true})
	if err != nil {
		t.Fatal(err)
	}
	part := fstest.MapFS{}
	for name, f := range repo {
		for _, p := range rules.SourcePaths("") {
			if name == p || strings.HasPrefix(name, p+"/") {
				part[name] = f
			}
		}
	}
	got, err := rules.LoadRepo(part, rules.RepoOptions{NoBuiltin: true})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ruleIDs(want.Rules), ruleIDs(got.Rules)); diff != "" {
		t.Errorf("rules from SourcePaths only (-whole repo +part):\n%s", diff)
	}
}
