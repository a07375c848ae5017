package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// The CI files teams copy (action.yml, the GitLab CI template, the README's "In CI"
// snippets) and the project's own pipeline are checked here against the command they run:
// a renamed flag or configuration key breaks a test, not someone's pipeline.

// ciFile is one file, or one README snippet, with the text the tests read.
type ciFile struct {
	name    string // for messages: a path, or README.md:LINE
	lang    string // yaml, sh, or "" for a file read whole as text
	text    string
	heading string // of a README block: the heading it is under
}

func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", filepath.FromSlash(path)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readmeCISection returns README.md's "## In CI" section and the line it starts on.
func readmeCISection(t *testing.T) (string, int) {
	t.Helper()
	return readmeSection(t, "In CI")
}

// readmeSection returns a "## " section of README.md and the line it starts on.
func readmeSection(t *testing.T, title string) (string, int) {
	t.Helper()
	readme := readRepoFile(t, "README.md")
	start := strings.Index(readme, "\n## "+title+"\n")
	if start < 0 {
		t.Fatalf(`README.md has no "## %s" section`, title)
	}
	end := strings.Index(readme[start+1:], "\n## ")
	if end < 0 {
		t.Fatalf(`README.md's "## %s" section is the last one; want it before "## Rules files"`, title)
	}
	return readme[start+1 : start+1+end], strings.Count(readme[:start+1], "\n") + 1
}

// readmeCI returns the fenced blocks of README.md's "## In CI" section.
func readmeCI(t *testing.T) []ciFile {
	t.Helper()
	return readmeBlocks(t, "In CI")
}

// readmeBlocks returns the fenced blocks of a "## " section of README.md.
func readmeBlocks(t *testing.T, title string) []ciFile {
	t.Helper()
	section, firstLine := readmeSection(t, title)
	return fencedBlocks(section, firstLine)
}

// fencedBlocks returns the fenced blocks of Markdown text whose first line is README.md's
// line firstLine, each with the heading it is under.
func fencedBlocks(text string, firstLine int) []ciFile {
	var blocks []ciFile
	heading := ""
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		if h := strings.TrimLeft(lines[i], "#"); h != lines[i] && strings.HasPrefix(h, " ") {
			heading = strings.TrimSpace(h)
		}
		lang, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			continue
		}
		open := i
		var body []string
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			body = append(body, lines[i])
		}
		blocks = append(blocks, ciFile{
			name:    "README.md:" + strconv.Itoa(firstLine+open),
			lang:    lang,
			text:    strings.Join(body, "\n") + "\n",
			heading: heading,
		})
	}
	return blocks
}

// yamlDocs parses every document of a YAML stream (a CI/CD template with spec:inputs has
// two).
func yamlDocs(t *testing.T, f ciFile) []*yaml.Node {
	t.Helper()
	dec := yaml.NewDecoder(strings.NewReader(f.text))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		docs = append(docs, &n)
	}
}

// scalars returns every scalar value under n.
func scalars(n *yaml.Node) []string {
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, scalars(c)...)
	}
	return out
}

// lookup returns the value of key in mapping node n, or nil.
func lookup(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlKeys returns the keys of mapping node n in order.
func yamlKeys(n *yaml.Node) []string {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var keys []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

// actionFile is the part of action.yml the tests read.
type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string            `yaml:"using"`
		Image string            `yaml:"image"`
		Args  []string          `yaml:"args"`
		Env   map[string]string `yaml:"env"`
	} `yaml:"runs"`
}

func readAction(t *testing.T) (actionFile, string) {
	t.Helper()
	text := readRepoFile(t, "action.yml")
	var a actionFile
	if err := yaml.Unmarshal([]byte(text), &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return a, text
}

var (
	actionInputRef   = regexp.MustCompile(`\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}`)
	templateInputRef = regexp.MustCompile(`\$\[\[\s*inputs\.([A-Za-z0-9_-]+)\s*\]\]`)
)

const templatePath = "templates/reviewer.gitlab-ci.yml"

// TestCIFilesActionInputs checks that action.yml uses exactly the inputs it declares, and
// that the README's workflow passes only declared inputs.
func TestCIFilesActionInputs(t *testing.T) {
	t.Parallel()
	a, _ := readAction(t)
	if a.Runs.Using != "docker" {
		t.Errorf("action.yml: runs.using is %q, want docker", a.Runs.Using)
	}
	if _, err := os.Stat(filepath.Join("..", "..", a.Runs.Image)); err != nil {
		t.Errorf("action.yml: runs.image %q: %v", a.Runs.Image, err)
	}
	runs := strings.Join(a.Runs.Args, "\n")
	for _, v := range a.Runs.Env {
		runs += "\n" + v
	}
	used := map[string]bool{}
	for _, m := range actionInputRef.FindAllStringSubmatch(runs, -1) {
		used[m[1]] = true
		if _, ok := a.Inputs[m[1]]; !ok {
			t.Errorf("action.yml: runs uses ${{ inputs.%s }}, which inputs does not declare", m[1])
		}
	}
	for name := range a.Inputs {
		if !used[name] {
			t.Errorf("action.yml: input %s is declared but runs never uses it", name)
		}
	}

	uses := 0
	for _, f := range readmeCI(t) {
		if f.lang != "yaml" {
			continue
		}
		for _, doc := range yamlDocs(t, f) {
			for _, job := range yamlKeys(lookup(doc, "jobs")) {
				steps := lookup(lookup(lookup(doc, "jobs"), job), "steps")
				if steps == nil {
					continue
				}
				for _, step := range steps.Content {
					if !strings.HasPrefix(scalarOf(lookup(step, "uses")), "reviewerbot/reviewer@") {
						continue
					}
					uses++
					for _, in := range yamlKeys(lookup(step, "with")) {
						if _, ok := a.Inputs[in]; !ok {
							t.Errorf("%s: the workflow passes with: %s, which action.yml does not declare", f.name, in)
						}
					}
				}
			}
		}
	}
	if uses == 0 {
		t.Error("README.md's In CI section has no workflow step that uses reviewerbot/reviewer")
	}
}

func scalarOf(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// template returns the GitLab CI template's spec:inputs (name -> default) and its jobs.
func template(t *testing.T) (inputs map[string]string, body *yaml.Node, f ciFile) {
	t.Helper()
	f = ciFile{name: templatePath, lang: "yaml", text: readRepoFile(t, templatePath)}
	docs := yamlDocs(t, f)
	if len(docs) != 2 {
		t.Fatalf("%s: %d YAML documents, want 2 (the spec header, ---, the jobs)", f.name, len(docs))
	}
	inputs = map[string]string{}
	spec := lookup(lookup(docs[0], "spec"), "inputs")
	for _, name := range yamlKeys(spec) {
		inputs[name] = scalarOf(lookup(lookup(spec, name), "default"))
	}
	return inputs, docs[1], f
}

// TestCIFilesTemplateInputs checks that the GitLab CI template uses exactly the inputs its
// spec declares.
func TestCIFilesTemplateInputs(t *testing.T) {
	t.Parallel()
	inputs, _, f := template(t)
	_, body, _ := strings.Cut(f.text, "\n---\n")
	used := map[string]bool{}
	for _, m := range templateInputRef.FindAllStringSubmatch(body, -1) {
		used[m[1]] = true
		if _, ok := inputs[m[1]]; !ok {
			t.Errorf("%s: the jobs use $[[ inputs.%s ]], which spec:inputs does not declare", f.name, m[1])
		}
	}
	for name := range inputs {
		if !used[name] {
			t.Errorf("%s: input %s is declared but no job uses it", f.name, name)
		}
	}
}

// TestCIFilesGitLabInclude checks that the README's GitLab snippet includes the template
// that exists, with inputs it declares, and overrides only jobs it defines.
func TestCIFilesGitLabInclude(t *testing.T) {
	t.Parallel()
	inputs, body, _ := template(t)
	jobs := yamlKeys(body)
	includes := 0
	for _, f := range readmeCI(t) {
		if f.lang != "yaml" {
			continue
		}
		for _, doc := range yamlDocs(t, f) {
			inc := lookup(doc, "include")
			if inc == nil {
				continue
			}
			entries := []*yaml.Node{inc}
			if inc.Kind == yaml.SequenceNode {
				entries = inc.Content
			}
			for _, e := range entries {
				file := scalarOf(lookup(e, "file"))
				if file == "" {
					file = scalarOf(lookup(e, "local"))
				}
				if file == "" {
					t.Errorf("%s: an include without file: or local:; include the template by its path", f.name)
					continue
				}
				includes++
				file = strings.TrimPrefix(file, "/")
				if _, err := os.Stat(filepath.Join("..", "..", file)); err != nil {
					t.Errorf("%s: includes %s, which is not in the repository", f.name, file)
				}
				if file != templatePath {
					t.Errorf("%s: includes %s, want %s", f.name, file, templatePath)
				}
				for _, in := range yamlKeys(lookup(e, "inputs")) {
					if _, ok := inputs[in]; !ok {
						t.Errorf("%s: passes input %s, which %s does not declare", f.name, in, templatePath)
					}
				}
			}
			for _, key := range yamlKeys(doc) {
				if slices.Contains([]string{"include", "stages", "variables", "default", "workflow"}, key) {
					continue
				}
				if !slices.Contains(jobs, key) {
					t.Errorf("%s: configures job %s, which %s does not define (it defines %v)", f.name, key, templatePath, jobs)
				}
			}
		}
	}
	if includes == 0 {
		t.Errorf("README.md's In CI section has no GitLab snippet that includes %s", templatePath)
	}
}

// commandLine is one reviewer command found in a CI file.
type commandLine struct {
	where string
	words []string // from the subcommand on
}

// commandPattern finds a reviewer command in a line of shell: the binary (reviewer,
// ./reviewer, a path) or an image whose entrypoint it is (.../reviewer:TAG), then ci or
// review.
var commandPattern = regexp.MustCompile(`(?:^|[\s|;&(])(?:[\w.\-:/$]*/)?reviewer(?::[\w.\-$]+)?[ \t]+((?:ci|review|serve)(?:[ \t].*)?)$`)

// commandLines finds the reviewer commands in shell text, after joining continued lines
// and dropping comments.
func commandLines(where, text string) ([]commandLine, error) {
	var out []commandLine
	for _, line := range strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n") {
		m := commandPattern.FindStringSubmatch(stripComment(line))
		if m == nil {
			continue
		}
		words, err := shellWords(m[1])
		if err != nil {
			return nil, err
		}
		out = append(out, commandLine{where: where, words: words})
	}
	return out, nil
}

// stripComment drops a shell comment: from an unquoted # that starts a word.
func stripComment(line string) string {
	var quote byte
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
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

// shellWords splits one simple command the way sh would, up to the first unquoted
// operator (|, ;, &, a redirection or a closing parenthesis). Variables stay unexpanded:
// "$X" is the word $X, which a string flag takes as any other value.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote byte
	flush := func() {
		if inWord {
			words = append(words, w.String())
		}
		w.Reset()
		inWord = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			switch {
			case c == quote:
				quote = 0
			case c == '\\' && quote == '"' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0:
				i++
				w.WriteByte(s[i])
			default:
				w.WriteByte(c)
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
			inWord = true
		case '\\':
			if i+1 < len(s) {
				i++
				w.WriteByte(s[i])
				inWord = true
			}
		case ' ', '\t':
			flush()
		case '|', ';', '&', ')':
			flush()
			return words, nil
		case '>', '<':
			// A file descriptor number before a redirection (2>&1) is not a word.
			if inWord && strings.Trim(w.String(), "0123456789") == "" {
				w.Reset()
				inWord = false
			}
			flush()
			return words, nil
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("unterminated quote in " + s)
	}
	flush()
	return words, nil
}

// checkCommandLine parses a command line with the real command tree (parseReviewer):
// the subcommand, the root's flags (--config, --log-level) and the subcommand's, each
// flag's value, and the arguments the subcommand takes.
func checkCommandLine(t *testing.T, c commandLine) {
	t.Helper()
	t.Logf("%s: reviewer %s", c.where, strings.Join(c.words, " "))
	if err := parseReviewer(c.words); err != nil {
		t.Errorf("%s: reviewer %s: %v", c.where, strings.Join(c.words, " "), err)
	}
}

// TestCIFilesCommandLines parses every reviewer command the CI files run with the real
// command's flags.
func TestCIFilesCommandLines(t *testing.T) {
	t.Parallel()
	found := map[string]int{}
	collect := func(where, group, text string) {
		lines, err := commandLines(where, text)
		if err != nil {
			t.Errorf("%s: %v", where, err)
		}
		for _, c := range lines {
			found[group]++
			checkCommandLine(t, c)
		}
	}

	// action.yml runs the image with args; an input stands for its default.
	a, _ := readAction(t)
	args := make([]string, len(a.Runs.Args))
	for i, arg := range a.Runs.Args {
		args[i] = actionInputRef.ReplaceAllStringFunc(arg, func(ref string) string {
			d := a.Inputs[actionInputRef.FindStringSubmatch(ref)[1]].Default
			if strings.Contains(d, "${{") {
				return "x"
			}
			return d
		})
	}
	if len(args) == 0 || args[0] != "ci" {
		t.Errorf("action.yml: runs.args %q, want ci and its flags", args)
	} else {
		found["action.yml"]++
		checkCommandLine(t, commandLine{where: "action.yml", words: args})
	}

	// The template's jobs, an input standing for its default.
	inputs, body, f := template(t)
	for _, s := range scalars(body) {
		s = templateInputRef.ReplaceAllStringFunc(s, func(ref string) string {
			return inputs[templateInputRef.FindStringSubmatch(ref)[1]]
		})
		collect(f.name, f.name, s)
	}

	own := ciFile{name: ".gitlab-ci.yml", lang: "yaml", text: readRepoFile(t, ".gitlab-ci.yml")}
	for _, doc := range yamlDocs(t, own) {
		for _, s := range scalars(doc) {
			collect(own.name, own.name, s)
		}
	}

	for _, f := range readmeCI(t) {
		switch f.lang {
		case "yaml":
			for _, doc := range yamlDocs(t, f) {
				for _, s := range scalars(doc) {
					collect(f.name, "README.md", s)
				}
			}
		default:
			collect(f.name, "README.md", f.text)
		}
	}

	// The service's snippets: the Kubernetes manifests must parse, the commands run.
	for _, f := range readmeBlocks(t, "As a service") {
		switch f.lang {
		case "yaml":
			if docs := yamlDocs(t, f); len(docs) == 0 {
				t.Errorf("%s: an empty YAML block", f.name)
			}
		default:
			collect(f.name, "README.md (As a service)", f.text)
		}
	}

	for _, group := range []string{"action.yml", templatePath, ".gitlab-ci.yml", "README.md", "README.md (As a service)"} {
		if found[group] == 0 {
			t.Errorf("%s: found no reviewer ci or reviewer review command to check", group)
		}
	}
}

// reviewerVar is an environment variable of the configuration's kind.
var reviewerVar = regexp.MustCompile(`\bREVIEWER_[A-Z0-9_]*[A-Z0-9]\b`)

// TestCIFilesVariables checks that every REVIEWER_* variable the CI files name is the
// variable of a configuration key.
func TestCIFilesVariables(t *testing.T) {
	t.Parallel()
	valid := map[string]bool{}
	for _, key := range knownKeys() {
		valid[envName(key)] = true
	}
	files := []ciFile{
		{name: "action.yml", text: readRepoFile(t, "action.yml")},
		{name: templatePath, text: readRepoFile(t, templatePath)},
		{name: ".gitlab-ci.yml", text: readRepoFile(t, ".gitlab-ci.yml")},
		{name: "Dockerfile", text: readRepoFile(t, "Dockerfile")},
	}
	section, _ := readmeCISection(t)
	files = append(files, ciFile{name: "README.md (In CI)", text: section})
	service, _ := readmeSection(t, "As a service")
	files = append(files, ciFile{name: "README.md (As a service)", text: service})
	for _, dir := range []string{"scripts", ".github/workflows"} {
		entries, _ := os.ReadDir(filepath.Join("..", "..", dir))
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, ciFile{name: dir + "/" + e.Name(), text: readRepoFile(t, dir+"/"+e.Name())})
			}
		}
	}
	for _, f := range files {
		for _, v := range reviewerVar.FindAllString(f.text, -1) {
			// REVIEWER_TEST_* configure the test harness (internal/pgtest), not the command.
			if !valid[v] && !strings.HasPrefix(v, "REVIEWER_TEST_") {
				t.Errorf("%s: %s is not the variable of any configuration key (README.md, Configuration)", f.name, v)
			}
		}
	}
	tmpl := readRepoFile(t, templatePath)
	for _, key := range []string{"gitlab.token", "gateway.api_key", "review.fail_on", "cache.dir"} {
		if !strings.Contains(tmpl, envName(key)) {
			t.Errorf("%s does not mention %s (%s)", templatePath, envName(key), key)
		}
	}
}

// stage returns the instructions of one stage of a Dockerfile, continued lines joined.
func stage(t *testing.T, name, text, stageName string) []string {
	t.Helper()
	var out []string
	in := false
	for _, line := range strings.Split(strings.ReplaceAll(text, "\\\n", " "), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if fields := strings.Fields(line); strings.EqualFold(fields[0], "FROM") {
			in = len(fields) == 4 && strings.EqualFold(fields[2], "AS") && fields[3] == stageName
		}
		if in {
			out = append(out, line)
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s has no stage %s", name, stageName)
	}
	return out
}

// TestCIFilesImageRecipes checks that the Dockerfile and scripts/Containerfile.prebuilt
// make the same runtime image, and that the action's stage is that image.
func TestCIFilesImageRecipes(t *testing.T) {
	t.Parallel()
	dockerfile := readRepoFile(t, "Dockerfile")
	prebuilt := readRepoFile(t, "scripts/Containerfile.prebuilt")
	meta := func(lines []string) []string {
		var out []string
		for _, l := range lines {
			verb := strings.ToUpper(strings.Fields(l)[0])
			if verb != "FROM" && verb != "COPY" {
				out = append(out, l)
			}
		}
		return out
	}
	want := meta(stage(t, "Dockerfile", dockerfile, "runtime"))
	got := meta(stage(t, "scripts/Containerfile.prebuilt", prebuilt, "runtime"))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the runtime stages of Dockerfile and scripts/Containerfile.prebuilt differ (-Dockerfile +Containerfile.prebuilt):\n%s", diff)
	}
	if !slices.ContainsFunc(want, func(l string) bool { return strings.HasPrefix(l, "USER ") && !strings.HasPrefix(l, "USER 0") }) {
		t.Errorf("the Dockerfile's runtime stage runs as root: want a non-root USER")
	}
	// GitHub builds the last stage for the action: it must be the runtime image.
	var last string
	for _, line := range strings.Split(dockerfile, "\n") {
		if strings.HasPrefix(strings.ToUpper(line), "FROM ") {
			last = line
		}
	}
	if !strings.HasPrefix(last, "FROM runtime ") {
		t.Errorf("the Dockerfile's last stage is %q; want one built FROM runtime, which action.yml's image: Dockerfile builds", last)
	}
}

// branchVars are the CI variables that name a branch or a change, one of which a cache
// key must hold so that no branch reads the model answers another branch's jobs left.
var branchVars = regexp.MustCompile(`\$\{?CI_COMMIT_REF_SLUG\b|\$\{\{\s*github\.(ref|head_ref)\s*\}\}`)

// TestCIFilesCacheScope checks that the response caches the CI files set up are scoped
// per branch, hold the directory the command writes, and, where the CI system allows it,
// lie outside the checkout the change's author controls.
func TestCIFilesCacheScope(t *testing.T) {
	t.Parallel()

	// GitLab caches only paths inside the build directory: the key carries the scope.
	_, body, f := template(t)
	job := lookup(body, "reviewer")
	dir := strings.TrimSuffix(scalarOf(lookup(lookup(job, "variables"), "REVIEWER_CACHE_DIR")), "/")
	cache := lookup(job, "cache")
	if dir == "" || cache == nil {
		t.Errorf("%s: the reviewer job sets no REVIEWER_CACHE_DIR (%q) or no cache:", f.name, dir)
	} else {
		if key := scalarOf(lookup(cache, "key")); !branchVars.MatchString(key) {
			t.Errorf("%s: cache:key %q is shared by every branch; want $CI_COMMIT_REF_SLUG in it", f.name, key)
		}
		paths := scalars(lookup(cache, "paths"))
		if !slices.ContainsFunc(paths, func(p string) bool { return strings.TrimSuffix(p, "/") == dir }) {
			t.Errorf("%s: cache:paths %q does not hold REVIEWER_CACHE_DIR %s", f.name, paths, dir)
		}
	}

	// GitHub Actions: a container action sees only the workspace and its home,
	// /github/home, which is runner.temp/_github_home on the runner, where actions/cache
	// runs.
	cached := 0
	for _, f := range readmeCI(t) {
		if f.lang != "yaml" {
			continue
		}
		for _, doc := range yamlDocs(t, f) {
			for _, name := range yamlKeys(lookup(doc, "jobs")) {
				steps := lookup(lookup(lookup(doc, "jobs"), name), "steps")
				if steps == nil {
					continue
				}
				var caches []*yaml.Node
				for _, step := range steps.Content {
					uses := scalarOf(lookup(step, "uses"))
					if strings.HasPrefix(uses, "actions/cache@") {
						caches = append(caches, lookup(step, "with"))
					}
					if !strings.HasPrefix(uses, "reviewerbot/reviewer@") {
						continue
					}
					dir := scalarOf(lookup(lookup(step, "with"), "cache-dir"))
					if dir == "" {
						continue
					}
					cached++
					rest, ok := strings.CutPrefix(dir, "/github/home/")
					if !ok {
						t.Errorf("%s: cache-dir %s is not under /github/home, outside the checkout", f.name, dir)
						continue
					}
					want := "${{ runner.temp }}/_github_home/" + rest
					found := false
					for _, c := range caches {
						if scalarOf(lookup(c, "path")) != want {
							continue
						}
						found = true
						if key := scalarOf(lookup(c, "key")); !branchVars.MatchString(key) {
							t.Errorf("%s: the cache key %q is shared by every branch; want github.ref in it", f.name, key)
						}
						// One restore key a line.
						for _, rk := range strings.Split(strings.TrimSpace(scalarOf(lookup(c, "restore-keys"))), "\n") {
							if rk != "" && !branchVars.MatchString(rk) {
								t.Errorf("%s: restore key %q restores other branches' caches", f.name, rk)
							}
						}
					}
					if !found {
						t.Errorf("%s: cache-dir %s, but no actions/cache step before it saves %s", f.name, dir, want)
					}
				}
			}
		}
	}
	if cached == 0 {
		t.Error("README.md's GitHub Actions workflow keeps no response cache (cache-dir with actions/cache)")
	}
}
