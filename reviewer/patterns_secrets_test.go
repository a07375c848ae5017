package reviewer_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// TestBuiltinSecretRules checks the built-in rules that report the masker's formats
// against their examples, through the masker as the review runs them: the pattern rules
// and the masker share one table of secret formats.
func TestBuiltinSecretRules(t *testing.T) {
	t.Parallel()
	builtin, err := rules.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range builtin {
		if len(r.Secrets) == 0 {
			continue
		}
		n++
		t.Run(r.ID, func(t *testing.T) {
			t.Parallel()
			if err := reviewer.CheckRuleExamples(r); err != nil {
				t.Error(err)
			}
		})
	}
	if n < 4 {
		t.Errorf("%d built-in rules report the masker's formats, want 4 or more", n)
	}
}

// TestCheckRuleExamplesUnknownFormat: a rule naming a format the masker does not know is
// an error, not a rule that silently never fires.
func TestCheckRuleExamplesUnknownFormat(t *testing.T) {
	t.Parallel()
	r, err := rules.Parse("r.md", []byte("---\nid: x\nsecrets: [no-such-format]\nmessage: m\n---\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := reviewer.CheckRuleExamples(r); err == nil {
		t.Error("no error for an unknown format")
	}
}

// TestSecretRulesUseTheMasker: the secret rules report every format the masker knows, so
// a Vault token under a neutral name is a finding of secret-service-token, a GitHub token
// one of secret-github-token, each once on its line, and a Stripe key beside a
// placeholder password only the key (the masker's assignment detector masks "changeme",
// which is no finding).
func TestSecretRulesUseTheMasker(t *testing.T) {
	t.Parallel()
	vault := "hvs." + strings.Repeat("Zq3sR8vT1uW6xY0a", 2)
	ghp := "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"
	d := "diff --git a/app/conf.py b/app/conf.py\nnew file mode 100644\n--- /dev/null\n+++ b/app/conf.py\n@@ -0,0 +1,4 @@\n" +
		"+data = \"" + vault + "\"\n" +
		"+other = \"" + ghp + "\"\n" +
		"+password = \"changeme\"\n" +
		"+print(data)\n"
	rv := reviewer.New(diffBytes(d), ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{})
	if err != nil {
		t.Fatal(err)
	}
	type hit struct {
		Line   int
		RuleID string
		Column int
	}
	var got []hit
	for _, f := range res.Findings {
		if strings.HasPrefix(f.RuleID, "secret-") {
			got = append(got, hit{f.Line, f.RuleID, f.Column})
		}
	}
	want := []hit{{1, "secret-service-token", 9}, {2, "secret-github-token", 10}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("secret findings (-want +got):\n%s", diff)
	}
}
