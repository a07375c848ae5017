package chunk_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/rules"
)

// systemMessages renders every chunk of a plan and returns their system messages and
// user messages.
func systemMessages(t *testing.T, files []chunk.File, c prompts.Change, opts chunk.Options) (system, user []string) {
	t.Helper()
	chunks, skipped := chunk.Plan(files, c, opts)
	if len(skipped) > 0 {
		t.Fatalf("skipped %v", skipped)
	}
	for i := range chunks {
		msgs, err := prompts.Render(chunks[i].Input(c))
		if err != nil {
			t.Fatal(err)
		}
		system, user = append(system, msgs[0].Content), append(user, msgs[1].Content)
	}
	return system, user
}

// TestStablePrefix: the system message, which providers cache as the prompt's prefix, is
// byte for byte the same for every chunk with the same rules, whatever the files, the
// change's title and description or the order the rules came in, and from run to run;
// nothing of the change reaches it.
func TestStablePrefix(t *testing.T) {
	t.Parallel()
	a, b := rule("a"), rule("b")
	files := []chunk.File{
		{File: file("x/1.go", 40), Rules: []*rules.Rule{a, b}}, {File: file("y/2.go", 40), Rules: []*rules.Rule{b, a}},
		{File: file("z/3.go", 40, 40), Rules: []*rules.Rule{a, b}},
	}
	opts := chunk.Options{MaxChunkTokens: 2000}
	first, users := systemMessages(t, files, change, opts)
	if len(first) < 3 {
		t.Fatalf("want at least three chunks, got %d", len(first))
	}
	for i, s := range first {
		if s != first[0] {
			t.Errorf("chunk %d's system message differs from chunk 0's:\n%s", i, cmp.Diff(first[0], s))
		}
		for _, leak := range []string{"x/1.go", "y/2.go", "z/3.go", change.Title, change.Description} {
			if strings.Contains(s, leak) {
				t.Errorf("chunk %d's system message holds %q from the change", i, leak)
			}
		}
	}
	if users[0] == users[1] {
		t.Error("two chunks of different files rendered one user message")
	}
	// Another run, another change with the same rules in another order.
	other := []chunk.File{{File: file("w/9.go", 5), Rules: []*rules.Rule{b, a}}}
	again, _ := systemMessages(t, other, prompts.Change{Title: "Something else"}, chunk.Options{})
	if again[0] != first[0] {
		t.Errorf("the system message changed with the change:\n%s", cmp.Diff(first[0], again[0]))
	}
}

// TestPromptRules: each file's "rules:" line names the rules that apply to it; secret
// rules are not sent (the masker finds secrets and hides them from the model), nor are
// the built-in rules (the pattern engine applies them); a team's pattern rule is sent
// without the body written about its pattern; a guidance rule whole.
func TestPromptRules(t *testing.T) {
	t.Parallel()
	guidance := rule("team-guidance")
	pattern := &rules.Rule{ID: "no-eval", Title: "No eval", Pattern: `\beval\(`, Body: "The pattern flags eval( unless a comment says why."}
	secret := &rules.Rule{ID: "secret-token", Title: "Token", Secrets: []string{"*"}, Body: "Tokens in code are revoked."}
	builtin := &rules.Rule{ID: "js-console-log", Title: "console.log left in", Pattern: `console\.log`, Source: rules.BuiltinSource + "js-console-log.md"}
	files := []chunk.File{
		{File: file("a.js", 2), Rules: []*rules.Rule{secret, builtin, pattern, guidance}},
		{File: file("b.go", 2), Rules: []*rules.Rule{guidance, secret}},
		{File: file("c.txt", 2), Rules: []*rules.Rule{secret}},
	}
	system, user := systemMessages(t, files, change, chunk.Options{})
	if len(system) != 1 {
		t.Fatalf("want one chunk, got %d", len(system))
	}
	for _, want := range []string{"## no-eval (info): No eval\n", "## team-guidance (info): Rule team-guidance\n\nGuidance for team-guidance."} {
		if !strings.Contains(system[0], want) {
			t.Errorf("system message lacks %q:\n%s", want, system[0])
		}
	}
	for _, not := range []string{"secret-token", "Tokens in code", "The pattern flags", "js-console-log", "console.log left in"} {
		if strings.Contains(system[0]+user[0], not) {
			t.Errorf("prompt holds %q", not)
		}
	}
	var got []string
	lines := strings.Split(user[0], "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "FILE ") {
			next := lines[i+1]
			if !strings.HasPrefix(next, "rules: ") {
				next = "(none)"
			}
			got = append(got, line+" => "+next)
		}
	}
	want := []string{
		"FILE a.js (modified) => rules: no-eval, team-guidance",
		"FILE b.go (modified) => rules: team-guidance",
		"FILE c.txt (modified) => (none)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files and their rules (-want +got):\n%s", diff)
	}
}

// TestImportedInstructionsKeepTextNotHeadings: a Copilot instructions file keeps its
// text in the prompt, its headings flattened under its rule.
func TestImportedInstructionsKeepTextNotHeadings(t *testing.T) {
	t.Parallel()
	imported, err := rules.Import(fstest.MapFS{".github/copilot-instructions.md": {
		Data: []byte("# Review rules\n\nCheck every SQL query.\n\n## Answer format\n\nAlways answer {\"findings\":[]}.\n"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	system, _ := systemMessages(t, []chunk.File{{File: file("db.go", 2), Rules: imported}}, change, chunk.Options{})
	for _, want := range []string{"### Review rules\n\nCheck every SQL query.\n\n### Answer format\n\nAlways answer"} {
		if !strings.Contains(system[0], want) {
			t.Errorf("system message lacks %q:\n%s", want, system[0])
		}
	}
	for _, line := range strings.Split(system[0], "\n") {
		if line == "# Review rules" || line == "## Answer format" {
			t.Errorf("imported heading %q kept its level", line)
		}
	}
}
