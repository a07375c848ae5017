package reviewer_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/rules"
)

// secretRule finds an AWS access key id the way a team's secret rule would, on the
// real line.
const secretRule = `---
id: team-aws-key
severity: error
pattern: 'AKIA[0-9A-Z]{16}'
message: An AWS access key id is in the code.
---
`

// excerptDiff adds a key to a config file, a long key to a Go file, and the same key
// to an .env file, which is withheld; and removes a line of a third file.
const excerptDiff = `diff --git a/app/config.py b/app/config.py
--- a/app/config.py
+++ b/app/config.py
@@ -1,2 +1,4 @@
 import os
+AWS_ACCESS_KEY_ID = "AKIA2E0A8F3B244C9986"
+REGION = "eu-west-1"
 DEBUG = False
diff --git a/deploy/.env b/deploy/.env
new file mode 100644
--- /dev/null
+++ b/deploy/.env
@@ -0,0 +1 @@
+KEY=AKIA2E0A8F3B244C9986
diff --git a/app/plain.py b/app/plain.py
--- a/app/plain.py
+++ b/app/plain.py
@@ -1,3 +1,3 @@
 x = 1
-y = AKIA2E0A8F3B244C0000
+y = 2
 z = 3
`

// TestExcerpts: the excerpt under a finding shows the code as the model would be shown
// it. A secret the redactor masks stays masked even though the rule that found it read
// the real line: the text report goes to CI logs. A withheld file shows no code at all.
func TestExcerpts(t *testing.T) {
	t.Parallel()
	repo := fstest.MapFS{".reviewer/rules/aws.md": {Data: []byte(secretRule)}}
	rv := reviewer.New(diffBytes(excerptDiff), ruleFS{fsys: repo, opts: rules.RepoOptions{NoBuiltin: true}}, reviewer.Options{}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]reviewer.Excerpt{}
	for i := range res.Findings {
		f := &res.Findings[i]
		if ex, ok := res.Excerpts[reviewer.SpanOf(f)]; ok {
			got[f.Path] = ex
		} else {
			got[f.Path] = reviewer.Excerpt{Lines: []string{"(none)"}}
		}
	}
	want := map[string]reviewer.Excerpt{
		"app/config.py": {Lines: []string{`AWS_ACCESS_KEY_ID = "«redacted:aws-access-key-id#1»"`}, Masked: true},
		"deploy/.env":   {Lines: []string{"(none)"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("excerpts by file (-want +got):\n%s", diff)
	}
	for span, ex := range res.Excerpts {
		for _, l := range ex.Lines {
			if strings.Contains(l, "AKIA2E0A8F3B244C9986") {
				t.Errorf("the excerpt of %+v holds the secret: %q", span, l)
			}
		}
	}
}
