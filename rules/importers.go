package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Importers read review standards written for other tools, so a team keeps one source.
// Each becomes a guidance-only rule: no pattern, severity warning, the instructions as
// the body. The formats, as GitHub's and GitLab's documentation describe them
// (checked 2025-2026):
//
// GitHub Copilot, "Adding repository custom instructions" (docs.github.com/en/copilot):
//   - .github/copilot-instructions.md holds repository-wide instructions in plain
//     Markdown, without front matter.
//   - Path-specific instructions are NAME.instructions.md files "within or below"
//     .github/instructions, so we read that directory recursively. Their front matter
//     has applyTo, one or more comma-separated globs ("**/*.ts,**/*.tsx"); "**", "*"
//     and "**/*" all mean every file. A missing applyTo means every file here (the
//     docs leave it undefined; VS Code then applies the file only when attached by
//     hand, which has no meaning for a review bot).
//   - excludeAgent: "code-review" (or "coding-agent") keeps the file from that Copilot
//     agent. We are a code-review agent, so we skip a file that excludes
//     "code-review", as a string or in a list. Other keys (name, description, model,
//     tools) belong to editors and are ignored; name, when set, becomes the title.
//
// GitLab Duo, "Customize review instructions" (docs.gitlab.com/user/gitlab_duo/
// customize_duo/review_instructions):
//   - .gitlab/duo/mr-review-instructions.yaml holds a top-level `instructions:` list of
//     {name, fileFilters, instructions}. fileFilters is optional (omitted or empty means
//     every file); a pattern starting with "!" excludes. GitLab's docs show the patterns
//     quoted ("!spec/**/*.rb"), since an unquoted !pattern is a YAML tag; we accept the
//     unquoted form too by reading the tag back.
//   - GitLab's classic reviewer matches with Ruby's File.fnmatch? and FNM_PATHNAME, so
//     "*.rb" is root-only and "**/" spans directories, which are doublestar's semantics.
//     GitLab added brace expansion ("*.{rb,ts}") in 19.1; doublestar has it too.
const (
	copilotInstructionsFile = ".github/copilot-instructions.md"
	copilotInstructionsDir  = ".github/instructions"
	duoInstructionsFile     = ".gitlab/duo/mr-review-instructions.yaml"
)

// Import reads the instructions files of other review tools found in fsys (the
// repository root) and returns them as rules, in a fixed order: Copilot's
// repository-wide file (id copilot-instructions), Copilot's path-specific files (id
// copilot-<slug of the path below .github/instructions>, so
// .github/instructions/frontend/style.instructions.md is copilot-frontend-style), then
// GitLab Duo's instructions (id duo-<slug of name>). Slugs fold case and punctuation,
// so two files or names may map to one id; the later ones, in that order, get -2, -3
// and so on: a team's instructions are not an error because of a name. Missing files
// are fine; malformed ones are errors with file and line.
func Import(fsys fs.FS) ([]*Rule, error) {
	var (
		rules []*Rule
		errs  []error
	)
	add := func(rs []*Rule, err error) {
		rules = append(rules, rs...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	add(importCopilotRepo(fsys))
	add(importCopilotPaths(fsys))
	add(importDuo(fsys))
	uniqueIDs(rules)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return rules, nil
}

// uniqueIDs gives each rule that repeats an earlier rule's id the first free id among
// id-2, id-3, ... (free of every id in the list, so a later rule named "x-2" cannot
// clash either).
func uniqueIDs(rules []*Rule) {
	taken := map[string]bool{}
	for _, r := range rules {
		taken[r.ID] = true
	}
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			n := 2
			for taken[r.ID+"-"+strconv.Itoa(n)] {
				n++
			}
			r.ID += "-" + strconv.Itoa(n)
			taken[r.ID] = true
		}
		seen[r.ID] = true
	}
}

// readOptional reads a file, returning nil data and no error when it does not exist.
func readOptional(fsys fs.FS, name string) ([]byte, error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

func importCopilotRepo(fsys fs.FS) ([]*Rule, error) {
	data, err := readOptional(fsys, copilotInstructionsFile)
	if data == nil || err != nil {
		return nil, err
	}
	// The file has no front matter by spec, so a leading "---" is a Markdown thematic
	// break, and everything is guidance.
	body := strings.TrimSpace(string(normalize(data)))
	if body == "" {
		return nil, nil
	}
	r := &Rule{
		ID:       "copilot-instructions",
		Title:    "Repository instructions (GitHub Copilot)",
		Severity: SeverityWarning,
		Body:     body,
		Source:   copilotInstructionsFile,
	}
	return []*Rule{r}, r.Compile()
}

var copilotKeys = struct{ applyTo, excludeAgent, name string }{"applyTo", "excludeAgent", "name"}

func importCopilotPaths(fsys fs.FS) ([]*Rule, error) {
	var (
		rules []*Rule
		errs  []*Error
	)
	walkErr := fs.WalkDir(fsys, copilotInstructionsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == copilotInstructionsDir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".instructions.md") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		r, perrs := parseCopilotFile(p, data)
		errs = append(errs, perrs...)
		if r != nil {
			rules = append(rules, r)
		}
		return nil
	})
	if walkErr != nil {
		return nil, fmt.Errorf("read %s: %w", copilotInstructionsDir, walkErr)
	}
	if err := joinErrors(errs); err != nil {
		return nil, err
	}
	return rules, nil
}

// parseCopilotFile reads one NAME.instructions.md file. It returns a nil rule for a file
// that excludes the code-review agent or has no instructions.
func parseCopilotFile(name string, data []byte) (*Rule, []*Error) {
	// The path below the directory, not just the base name: frontend/style and
	// backend/style are different instructions.
	rel := strings.TrimSuffix(strings.TrimPrefix(name, copilotInstructionsDir+"/"), ".instructions.md")
	r := &Rule{
		ID:       "copilot-" + slug(rel),
		Title:    rel + " (GitHub Copilot instructions)",
		Severity: SeverityWarning,
		Source:   name,
		idLine:   1,
	}
	front, body, ok := splitFrontMatter(data)
	r.Body = body
	p := &problems{file: name, offset: 1}
	if ok && front == nil {
		p.at(1, "front matter is not closed: no --- line after the opening one")
		return nil, p.errs
	}
	var root *yaml.Node
	if ok {
		root = p.parseYAML(front)
	}
	if root != nil && !isNull(root) && root.Kind != mappingNode {
		p.node(root, "front matter must be a mapping of keys, not %s", kindName(root))
	}
	if root != nil && root.Kind == mappingNode {
		// Keys other tools define are not ours to reject.
		for _, f := range p.fields(root, "key", nil) {
			switch f.name {
			case copilotKeys.name:
				if v, _ := p.str(f); v != "" {
					r.Title = v
				}
			case copilotKeys.excludeAgent:
				for _, it := range p.list(f) {
					if strings.TrimSpace(it.value) == "code-review" {
						return nil, p.errs
					}
				}
			case copilotKeys.applyTo:
				r.Paths = p.applyTo(f)
			}
		}
	}
	if len(p.errs) > 0 || r.Body == "" {
		return nil, p.errs
	}
	if err := r.Compile(); err != nil {
		p.at(1, "%v", err)
		return nil, p.errs
	}
	return r, nil
}

// applyTo reads Copilot's applyTo: a string of comma-separated globs, or (leniently) a
// list. A glob meaning every file yields no Paths at all.
func (p *problems) applyTo(f field) []string {
	var globs []string
	for _, it := range p.list(f) {
		for _, g := range splitGlobs(it.value) {
			if g == "*" || g == "**" || g == "**/*" {
				return nil
			}
			if c, ok := p.glob(f.name, item{g, it.node}); ok {
				globs = append(globs, c)
			}
		}
	}
	return globs
}

// splitGlobs splits a comma-separated list of globs, leaving commas inside braces
// ("**/*.{ts,tsx}") alone.
func splitGlobs(s string) []string {
	var (
		out   []string
		depth int
		start int
	)
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	out = append(out, s[start:])
	var globs []string
	for _, g := range out {
		if g = strings.TrimSpace(g); g != "" {
			globs = append(globs, g)
		}
	}
	return globs
}

var (
	duoTopKeys  = []string{"instructions"}
	duoItemKeys = []string{"name", "fileFilters", "instructions"}
)

func importDuo(fsys fs.FS) ([]*Rule, error) {
	data, err := readOptional(fsys, duoInstructionsFile)
	if data == nil || err != nil {
		return nil, err
	}
	return parseDuo(duoInstructionsFile, data)
}

// parseDuo reads GitLab Duo's mr-review-instructions.yaml.
func parseDuo(name string, data []byte) ([]*Rule, error) {
	p := &problems{file: name}
	root := p.parseYAML(normalize(data))
	if len(p.errs) > 0 || isNull(root) {
		return nil, p.err()
	}
	if root.Kind != mappingNode {
		p.node(root, "want a mapping with key instructions, got %s", kindName(root))
		return nil, p.err()
	}
	var rules []*Rule
	for _, f := range p.fields(root, "key", duoTopKeys) {
		if isNull(f.value) {
			continue
		}
		if f.value.Kind != yaml.SequenceNode {
			p.node(f.value, "instructions: want a list, got %s", kindName(f.value))
			continue
		}
		for _, n := range f.value.Content {
			if r := p.duoItem(resolve(n)); r != nil {
				rules = append(rules, r)
			}
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return rules, nil
}

func (p *problems) duoItem(n *yaml.Node) *Rule {
	if n.Kind != mappingNode {
		p.node(n, "instructions: want a mapping with name, fileFilters and instructions, got %s", kindName(n))
		return nil
	}
	r := &Rule{Severity: SeverityWarning, Source: p.file, idLine: n.Line}
	nErrs := len(p.errs)
	for _, f := range p.fields(n, "key", duoItemKeys) {
		switch f.name {
		case "name":
			r.Title, _ = p.str(f)
			r.idLine = f.key.Line
		case "instructions":
			v, _ := p.str(f)
			r.Body = strings.TrimSpace(v)
		case "fileFilters":
			r.Paths, r.Exclude = p.fileFilters(f)
		}
	}
	if strings.TrimSpace(r.Title) == "" {
		p.node(n, "instruction without a name")
	}
	r.ID = "duo-" + slug(r.Title)
	if len(p.errs) > nErrs || r.Body == "" {
		return nil
	}
	if err := r.Compile(); err != nil {
		p.node(n, "%v", err)
		return nil
	}
	return r
}

// fileFilters splits GitLab's fileFilters into include and exclude globs. An unquoted
// "- !spec/**" parses as a YAML tag on an empty value; the tag is the pattern.
func (p *problems) fileFilters(f field) (paths, exclude []string) {
	if isNull(f.value) {
		return nil, nil
	}
	if f.value.Kind != yaml.SequenceNode {
		p.node(f.value, "fileFilters: want a list of globs, got %s", kindName(f.value))
		return nil, nil
	}
	for _, e := range f.value.Content {
		e = resolve(e)
		if e.Kind != yaml.ScalarNode {
			p.node(e, "fileFilters: want a glob, got %s", kindName(e))
			continue
		}
		v := e.Value
		if strings.HasPrefix(e.Tag, "!") && !strings.HasPrefix(e.Tag, "!!") {
			v = e.Tag + v
		}
		neg := strings.HasPrefix(v, "!")
		g, ok := p.glob("fileFilters", item{strings.TrimPrefix(v, "!"), e})
		switch {
		case !ok:
		case neg:
			exclude = append(exclude, g)
		default:
			paths = append(paths, g)
		}
	}
	return paths, exclude
}

var slugRE = regexp.MustCompile(`[^a-z0-9]+`)

// slug turns a name into an id part: lower case, runs of other characters as one "-".
func slug(s string) string {
	s = strings.Trim(slugRE.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if s == "" {
		return "unnamed"
	}
	return s
}
