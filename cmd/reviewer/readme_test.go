package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/eval"
	"github.com/reviewerbot/reviewer/rules"
)

// Every fenced block of README.md is checked: parsed, and where it can run here, run.
// The CI snippets are checked against the files they use by cifiles_test.go; this file
// covers the rest, and fails on a block of a kind it does not know, so that a new
// example can not slip in unchecked.
//
// A shell block is split into its simple commands. A reviewer command (also as
// `go run ./cmd/reviewer` or a container image's arguments) is parsed with the real
// command tree, then run with run in a scratch repository built from the README's own
// .reviewer.yaml and rules file, unless readmeRuns says why it can not run here.

// readmeAll returns every fenced block of README.md.
func readmeAll(t *testing.T) []ciFile {
	t.Helper()
	return fencedBlocks(readRepoFile(t, "README.md"), 1)
}

// readmeNotCode are the blocks that hold no code, by heading and language, and why.
var readmeNotCode = map[[2]string]string{
	{"Evaluating reviews", ""}: "a listing of a case's files",
}

// readmeCheckedElsewhere are the blocks other tests check (cifiles_test.go, deploy), by heading.
var readmeCheckedElsewhere = map[string]string{
	"GitLab CI":      "TestCIFilesGitLabInclude, TestCIFilesCommandLines, TestCIFilesVariables, TestCIFilesCacheScope",
	"GitHub Actions": "TestCIFilesActionInputs, TestCIFilesCommandLines, TestCIFilesVariables, TestCIFilesCacheScope",
	// The chart's values, and its kubectl and helm commands: deploy's TestReadmeChart.
	"Running on Kubernetes": "TestReadmeChart in deploy/deploy_test.go",
	// The page's secret files, made with openssl and htpasswd, and read with curl:
	// TestUIAuth and TestParseUsers in reviewer/statuspage, TestStatusPageBrowser.
	"Status page": "reviewer/statuspage's TestUIAuth and TestParseUsers, TestStatusPageBrowser",
}

// readmeRun is how a reviewer command of the README runs here.
type readmeRun struct {
	// skip, when set, says why the command is parsed but not run.
	skip string
	// at is where it runs: "repo", the scratch repository (the default), or "root",
	// this repository's root (for paths into its testdata/).
	at string
	// stdin names what the command reads: "" nothing, "diff" the scratch branch's diff.
	stdin string
	// codes are the exit codes it may end with.
	codes []int
	// out must appear in its stdout or stderr.
	out string
	// files are the files it must write, as JSON.
	files []string
}

// readmeRuns holds every reviewer command of README.md's shell blocks, as written after
// "reviewer". The scratch repository's branch adds a `return err` that the README's
// rule go-wrap-errors (a warning) flags, and its .reviewer.yaml says fail_on: warning:
// a review of it exits 1.
var readmeRuns = map[string]readmeRun{
	// Set up, Usage.
	"review --diff testdata/demo/change.diff --fail-on none": {at: "root", codes: []int{exitOK}, out: "reviewed"},
	"review":                    {codes: []int{exitFindings}, out: "go-wrap-errors"},
	"review --base origin/main": {codes: []int{exitFindings}, out: "go-wrap-errors"},
	"review --uncommitted":      {codes: []int{exitFindings}, out: "go-wrap-errors"},
	"review --diff -":           {stdin: "diff", codes: []int{exitFindings}, out: "go-wrap-errors"},
	"review --diff change.patch --format sarif=reviewer.sarif --format codequality=gl-code-quality.json": {
		codes: []int{exitFindings}, files: []string{"reviewer.sarif", "gl-code-quality.json"}},
	"review --change https://github.com/OWNER/REPO/pull/12 --post": {skip: "needs GitHub and a token; forge_e2e_test.go posts to a fake GitHub"},
	"eval testdata/eval/cases --replay testdata/eval/recorded":     {at: "root", codes: []int{exitOK}},
	"rules lint": {codes: []int{exitOK}, out: "rules ok"},
	"rules test": {codes: []int{exitOK}, out: "tested, 0 failed"},
	"version":    {codes: []int{exitOK}},
	"serve --listen :8080 --queue-url sqlite:///var/lib/reviewer/reviewer.db": {skip: "a service that runs until stopped; serve_test.go runs it"},
	"migrate --queue-url sqlite:///var/lib/reviewer/reviewer.db --dry-run":    {skip: "reads the operator's database; migrate_test.go runs it"},
	"serve": {skip: "a service that runs until stopped; statuspage_test.go runs it with the page's secret files"},
	// A pull request or merge request.
	"review --change https://github.com/OWNER/REPO/pull/12":                          {skip: "needs GitHub; forge_test.go reads a fake one"},
	"review --change https://gitlab.example.com/group/app/-/merge_requests/3 --post": {skip: "needs a GitLab instance and a token; forge_e2e_test.go posts to a fake GitLab"},
	// LLM review: the block's exports name a gateway; a dry run sends nothing to it.
	"review --dry-run":                   {codes: []int{exitOK, exitFindings}, out: "tokens"},
	"review --cache-dir .reviewer-cache": {skip: "asks the gateway the block exports; cachedir_test.go runs it against a fake gateway"},
	// Evaluating reviews: "cases" is the reader's directory; here, the shipped cases.
	"eval testdata/eval/cases":                          {at: "root", codes: []int{exitOK}},
	"eval cases --format json=eval.json --format text":  {codes: []int{exitOK}, files: []string{"eval.json"}},
	"eval cases --run traversal|overflow --tolerance 1": {codes: []int{exitOK}, out: "path-traversal"},
	"eval cases --judge":                                {skip: "asks the model to judge each match; eval_test.go runs it against a recording"},
	"eval cases --min-f1 0.6 --min-recall 0.7":          {codes: []int{exitOK, exitFindings}},
	// Any CI.
	"review --base origin/main --format sarif=reviewer.sarif --format codequality=gl-code-quality.json": {
		codes: []int{exitFindings}, files: []string{"reviewer.sarif", "gl-code-quality.json"}},
	"review --diff - --format sarif=reviewer.sarif": {stdin: "diff", codes: []int{exitFindings}, files: []string{"reviewer.sarif"}},
	// Review history.
	"history --queue-url sqlite:///var/lib/reviewer/reviewer.db --since 7d --failed": {skip: "reads the operator's database; history_test.go runs it"},
	"history --repo acme/app --change 42":                                            {skip: "reads the operator's database; history_test.go runs it"},
	"history --since 2026-01-01 --format json":                                       {skip: "reads the operator's database; history_test.go runs it"},
	// Set up in minutes.
	"setup github --webhook-url https://reviewer.example.com/webhooks/github": {skip: "waits for GitHub's redirect; setup_test.go runs the flow against a fake GitHub"},
	"serve --config reviewer-github/reviewer.yaml --queue-url sqlite:///var/lib/reviewer/reviewer.db": {
		skip: "a service that runs until stopped; setup_test.go loads the configuration it names"},
	"setup gitlab --project acme/app --url https://reviewer.example.com/webhooks/gitlab": {skip: "needs GitLab and a token; setup_test.go runs it against a fake GitLab"},
	"serve --queue-url sqlite:///var/lib/reviewer/reviewer.db":                           {skip: "a service that runs until stopped; serve_test.go runs it"},
}

// readmeCommand is one reviewer command of a README shell block.
type readmeCommand struct {
	where   string
	words   []string // after "reviewer"
	environ []string // the block's exports before it
}

// imageRef is a reviewer container image, whose entrypoint is reviewer.
var imageRef = regexp.MustCompile(`^[\w.\-]+(/[\w.\-]+)*/reviewer:[\w.\-]+$`)

// splitCommands splits a line of shell into its simple commands, at unquoted |, ;, &
// and their doubles.
func splitCommands(line string) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else if c == '\\' && quote == '"' {
				i++
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '\\':
			i++
		case c == '|' || c == ';' || c == '&':
			if i > 0 && (line[i-1] == '>' || line[i-1] == '<') {
				continue // 2>&1
			}
			out = append(out, line[start:i])
			for i+1 < len(line) && line[i+1] == c {
				i++
			}
			start = i + 1
		}
	}
	return append(out, line[start:])
}

// checkShellBlock checks each command of a README shell block and returns its reviewer
// commands.
func checkShellBlock(t *testing.T, f ciFile, module, ciCommand string) []readmeCommand {
	t.Helper()
	valid := map[string]bool{}
	for _, key := range knownKeys() {
		valid[envName(key)] = true
	}
	var cmds []readmeCommand
	var environ []string
	for _, line := range strings.Split(strings.ReplaceAll(f.text, "\\\n", " "), "\n") {
		line = strings.TrimSpace(stripComment(line))
		if line == "" {
			continue
		}
		if line == ciCommand {
			continue // the test command, which .ci/run runs (below)
		}
		for _, c := range splitCommands(line) {
			words, err := shellWords(c)
			if err != nil {
				t.Errorf("%s: %v", f.name, err)
				continue
			}
			if len(words) == 0 {
				t.Errorf("%s: an empty command in %q", f.name, line)
				continue
			}
			// VAR=value reviewer ...: the variables of configuration keys, for that command.
			cmdEnv := slices.Clone(environ)
			for len(words) > 1 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") {
				name, _, _ := strings.Cut(words[0], "=")
				if !valid[name] {
					t.Errorf("%s: %s: not the variable of a configuration key", f.name, words[0])
				}
				cmdEnv = append(cmdEnv, words[0])
				words = words[1:]
			}
			switch {
			case words[0] == "reviewer" && len(cmdEnv) > len(environ):
				cmds = append(cmds, readmeCommand{where: f.name, words: words[1:], environ: cmdEnv})
			case words[0] == "reviewer":
				cmds = append(cmds, readmeCommand{where: f.name, words: words[1:], environ: slices.Clone(environ)})
			case len(words) >= 3 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/reviewer":
				cmds = append(cmds, readmeCommand{where: f.name, words: words[3:], environ: slices.Clone(environ)})
			case len(words) == 3 && words[0] == "go" && words[1] == "install":
				if want := module + "/cmd/reviewer@latest"; words[2] != want {
					t.Errorf("%s: go install %s, want %s", f.name, words[2], want)
				}
			case words[0] == "export":
				for _, kv := range words[1:] {
					name, _, ok := strings.Cut(kv, "=")
					if !ok || !valid[name] {
						t.Errorf("%s: export %s: not the variable of a configuration key", f.name, kv)
					}
					environ = append(environ, kv)
				}
			case words[0] == "git" && len(words) > 1 && words[1] == "diff":
				// Run here to make the diff the reviewer command after it reads.
			case words[0] == "docker" && len(words) > 1 && words[1] == "run":
				// Needs a container engine: the image's arguments are checked and run as
				// the binary's.
				i := slices.IndexFunc(words, imageRef.MatchString)
				if i < 0 {
					t.Errorf("%s: docker run of no reviewer image: %q", f.name, line)
					continue
				}
				cmds = append(cmds, readmeCommand{where: f.name, words: words[i+1:], environ: slices.Clone(environ)})
			case slices.Contains([]string{"kubectl", "helm", "openssl", "htpasswd", "curl"}, words[0]) && readmeCheckedElsewhere[f.heading] != "":
				// Checked where readmeCheckedElsewhere says.
			default:
				t.Errorf("%s: %q is a command this test does not know: check it here, or run it", f.name, c)
			}
		}
	}
	return cmds
}

// parseReviewer parses a reviewer command line with the real command tree: the
// subcommand exists and runs, every flag exists and takes its value, and the arguments
// are what the command accepts.
func parseReviewer(words []string) error {
	root := newRoot(env{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}})
	cmd, rest, err := root.Find(words)
	if err != nil {
		return err
	}
	if cmd == root || !cmd.Runnable() {
		return errors.New("no command that runs")
	}
	if err := cmd.ParseFlags(rest); err != nil {
		return err
	}
	args := cmd.Flags().Args()
	if cmd.Args == nil && len(args) > 0 { // cobra would take any
		return fmt.Errorf("arguments %q, but %s takes none", args, cmd.Name())
	}
	return cmd.ValidateArgs(args)
}

// readmeScratch makes the repository the README's commands run in: the README's
// .reviewer.yaml and rules file at main (and origin/main), and a feature branch,
// checked out, whose change the rule flags; an untracked file with the same for
// --uncommitted; change.patch, the branch's diff; and cases, the shipped eval cases.
// It returns the directory and the diff.
func readmeScratch(t *testing.T, settings, rule ciFile) (string, []byte) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	s, err := rules.ParseSettings(settings.name, []byte(settings.text))
	if err != nil {
		t.Fatalf("%s: %v", settings.name, err)
	}
	r, err := rules.Parse(rule.name, []byte(rule.text))
	if err != nil {
		t.Fatalf("%s: %v", rule.name, err)
	}
	dir := t.TempDir()
	rulesDir := s.RulesDir
	if rulesDir == "" {
		rulesDir = ".reviewer/rules"
	}
	gitRun(t, dir, "init", "-q", "-b", "main")
	writeFile(t, filepath.Join(dir, rules.SettingsFile), settings.text)
	writeFile(t, filepath.Join(dir, rulesDir, r.ID+".md"), rule.text)
	writeFile(t, filepath.Join(dir, "store/store.go"), "package store\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "base")
	gitRun(t, dir, "update-ref", "refs/remotes/origin/main", "main")
	gitRun(t, dir, "checkout", "-q", "-b", "feature")
	writeFile(t, filepath.Join(dir, "store/store.go"), "package store\n\nfunc save(err error) error {\n\treturn err\n}\n")
	gitRun(t, dir, "add", "-A")
	gitRun(t, dir, "commit", "-q", "-m", "feature")
	cmd := exec.Command("git", "diff", "main...HEAD")
	cmd.Dir = dir
	diff, err := cmd.Output()
	if err != nil {
		t.Fatalf("git diff: %v", err)
	}
	writeFile(t, filepath.Join(dir, "change.patch"), string(diff))
	writeFile(t, filepath.Join(dir, "store/load.go"), "package store\n\nfunc load(err error) error {\n\treturn err\n}\n")
	cases, err := filepath.Abs("../../testdata/eval/cases")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(cases, filepath.Join(dir, "cases")); err != nil {
		t.Fatal(err)
	}
	return dir, diff
}

// TestReadmeExamples checks every fenced block of README.md.
func TestReadmeExamples(t *testing.T) {
	t.Parallel()
	module := strings.TrimPrefix(strings.SplitN(readRepoFile(t, "go.mod"), "\n", 2)[0], "module ")
	ciRun := strings.Split(strings.TrimSpace(readRepoFile(t, ".ci/run")), "\n")
	ciCommand := ciRun[len(ciRun)-1]

	var (
		cmds           []readmeCommand
		settings, rule []ciFile
		testCommand    bool
	)
	for _, f := range readmeAll(t) {
		switch f.lang {
		case "sh":
			testCommand = testCommand || strings.Contains(f.text, "\n"+ciCommand+"\n") || strings.HasPrefix(f.text, ciCommand+"\n")
			cmds = append(cmds, checkShellBlock(t, f, module, ciCommand)...)
		case "yaml":
			docs := yamlDocs(t, f)
			if len(docs) == 0 {
				t.Errorf("%s: an empty YAML block", f.name)
			}
			switch {
			case readmeCheckedElsewhere[f.heading] != "":
			case f.heading == "Running it":
				// Kubernetes manifests: kubectl is not here; each is a resource.
				for i, d := range docs {
					if scalarOf(lookup(d, "apiVersion")) == "" || scalarOf(lookup(d, "kind")) == "" || lookup(lookup(d, "metadata"), "name") == nil {
						t.Errorf("%s: document %d is not a Kubernetes resource (apiVersion, kind, metadata.name)", f.name, i+1)
					}
				}
			case f.heading == "Rules files":
				settings = append(settings, f) // a .reviewer.yaml: the scratch repository's
			default:
				t.Errorf("%s: a YAML block under %q that this test does not know: check it here", f.name, f.heading)
			}
		case "markdown":
			if f.heading != "Rules files" {
				t.Errorf("%s: a Markdown block under %q that this test does not know: check it here", f.name, f.heading)
				continue
			}
			rule = append(rule, f) // a rules file: the scratch repository's
		case "json":
			if f.heading != "Evaluating reviews" {
				t.Errorf("%s: a JSON block under %q that this test does not know: check it here", f.name, f.heading)
				continue
			}
			if _, err := eval.ParseExpected(f.name, []byte(f.text)); err != nil {
				t.Errorf("%s: %v", f.name, err)
			}
		case "text":
			if f.heading != "Usage" {
				t.Errorf("%s: a text block under %q that this test does not know: check it here, or list it in readmeNotCode", f.name, f.heading)
				continue
			}
			checkReadmeReport(t, f)
		default:
			if readmeNotCode[[2]string{f.heading, f.lang}] == "" {
				t.Errorf("%s: a block (%q) under %q that this test does not know: check it here, or list it in readmeNotCode", f.name, f.lang, f.heading)
			}
		}
	}
	if !testCommand {
		t.Errorf("README.md has no shell block with the test command .ci/run runs: %s", ciCommand)
	}
	if len(settings) != 1 || len(rule) != 1 {
		t.Fatalf("README.md's Rules files has %d .reviewer.yaml and %d rules file examples, want one each", len(settings), len(rule))
	}

	dir, diff := readmeScratch(t, settings[0], rule[0])
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range cmds {
		line := strings.Join(c.words, " ")
		if err := parseReviewer(c.words); err != nil {
			t.Errorf("%s: reviewer %s: %v", c.where, line, err)
			continue
		}
		r, ok := readmeRuns[line]
		if !ok {
			t.Errorf("%s: reviewer %s: not in readmeRuns; say how it runs here, or why it can not", c.where, line)
			continue
		}
		if seen[line] {
			continue
		}
		seen[line] = true
		if r.skip != "" {
			t.Logf("%s: reviewer %s: parsed, not run: %s", c.where, line, r.skip)
			continue
		}
		t.Run(line, func(t *testing.T) {
			at := dir
			if r.at == "root" {
				at = root
			}
			var stdin []byte
			if r.stdin == "diff" {
				stdin = diff
			}
			for _, f := range r.files {
				_ = os.Remove(filepath.Join(at, f))
			}
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), c.words, env{stdin: bytes.NewReader(stdin), stdout: &stdout, stderr: &stderr, environ: c.environ, dir: at})
			code := exitCode(err, &stderr)
			if !slices.Contains(r.codes, code) {
				t.Errorf("%s: reviewer %s: exit %d, want %v\nstdout:\n%s\nstderr:\n%s", c.where, line, code, r.codes, stdout.String(), stderr.String())
			}
			if r.out != "" && !strings.Contains(stdout.String()+stderr.String(), r.out) {
				t.Errorf("%s: reviewer %s: the output does not mention %q\nstdout:\n%s\nstderr:\n%s", c.where, line, r.out, stdout.String(), stderr.String())
			}
			for _, f := range r.files {
				b, err := os.ReadFile(filepath.Join(at, f))
				if err != nil {
					t.Errorf("%s: reviewer %s: %v", c.where, line, err)
					continue
				}
				if !json.Valid(b) {
					t.Errorf("%s: reviewer %s: %s is not JSON", c.where, line, f)
				}
			}
		})
	}
	for line := range readmeRuns {
		if !seen[line] {
			t.Errorf("readmeRuns has reviewer %s, which README.md does not show", line)
		}
	}
}

// checkReadmeReport checks the text report shown under Usage against what reviewing the
// demo change prints: each line of the block is a line of the report, in order, where a
// line ending in ", ..." stands for any line that starts with what precedes the "...", and
// a line "..." for any run of lines.
func checkReadmeReport(t *testing.T, f ciFile) {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	r := runCmd(t, root, nil, "review", "--diff", "testdata/demo/change.diff", "--fail-on", "none")
	if r.code != 0 {
		t.Fatalf("%s: reviewing the demo change: exit %d: %s", f.name, r.code, r.stderr)
	}
	got := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	i, skip := 0, false
	for _, want := range strings.Split(strings.TrimRight(f.text, "\n"), "\n") {
		if want == "..." {
			skip = true
			continue
		}
		prefix, isPrefix := strings.CutSuffix(want, " ...")
		found := false
		for ; i < len(got) && !found; i++ {
			found = got[i] == want || isPrefix && strings.HasPrefix(got[i], prefix)
			if !found && !skip {
				break
			}
		}
		if !found {
			t.Errorf("%s: the report of the demo change has no line %q where the README shows it:\n%s", f.name, want, r.stdout)
			return
		}
		skip = false
	}
}
