package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// The files of a case directory.
const (
	DiffFile     = "change.diff"
	ExpectedFile = "expected.json"
	SourceFile   = "SOURCE.md"
	// RulesDir is where a case may keep its rules files, beside .reviewer.yaml; a case
	// may also keep them where a repository does (.reviewer/rules).
	RulesDir = "rules"
	// RepoDir is where a case may keep the repository around its change: RepoDir/base
	// and RepoDir/head, the files the change reads at its base and at its head.
	RepoDir = "repo"
)

// Case is one evaluation case: a change, and what a review of it should and should not
// say.
type Case struct {
	// Name is the case's directory name.
	Name string
	// Diff is change.diff, the change to review.
	Diff []byte
	// Expected is expected.json.
	Expected Expected
	// Repo is the case directory taken as a repository root: the rules are loaded from it
	// with rules.LoadRepo, as `reviewer review` loads a repository's.
	Repo fs.FS
	// RulesDir is "rules" when the case keeps its rules there and its .reviewer.yaml names
	// no rules_dir; empty leaves the choice to rules.LoadRepo.
	RulesDir string
	// Source is SOURCE.md, where the case came from; empty when there is none.
	Source string
	// Base and Head are repo/base and repo/head, the files around the change at its base
	// and at its head; nil when the case has no repo/. See [BuildRepo].
	Base, Head fs.FS
}

// Expected is what a review of a case should find (Issues) and where it should stay quiet
// (Clean). Lines are new-file lines of the change.
type Expected struct {
	Issues []Issue `json:"issues"`
	Clean  []Clean `json:"clean"`
	// Context names the lines outside the change's hunks a reviewer needs to see to
	// judge it (head lines of repo/head); optional, and only for a case with a repo/.
	// See [CoverContext].
	Context []ContextLines `json:"context_lines,omitempty"`
}

// ContextLines is a range of head lines outside the change's hunks that a reviewer needs:
// the earlier line of the function that makes the change wrong (or right), the contract
// in another file.
type ContextLines struct {
	Path     string `json:"path"`
	FromLine int    `json:"from_line"`
	ToLine   int    `json:"to_line"`
	Note     string `json:"note,omitempty"`
}

// Issue is a problem a review of the case should report.
type Issue struct {
	Path     string `json:"path"`
	FromLine int    `json:"from_line"`
	ToLine   int    `json:"to_line"`
	// Category groups issues in the report (sql-injection, nil-deref, ...); optional.
	Category string `json:"category,omitempty"`
	// Severity is the severity the issue deserves (info, warning, error); optional.
	Severity string `json:"severity,omitempty"`
	// Note says what the problem is, for people and for the judge.
	Note string `json:"note,omitempty"`
}

// Clean is a range of lines that must not draw a comment: a trap for false positives,
// such as code that looks wrong and is not. A clean range inside an issue's range carves
// its lines out of the issue: a finding there is a trap hit, not the issue found.
type Clean struct {
	Path     string `json:"path"`
	FromLine int    `json:"from_line"`
	ToLine   int    `json:"to_line"`
	Note     string `json:"note,omitempty"`
}

// maxRange bounds the lines of one expected range: an issue is a few lines, not a file.
const maxRange = 2000

// LoadCases loads the cases of an evaluation set: each directory of fsys is a case,
// except those whose name starts with "." or "_" and, when keep is not nil, those whose
// name it does not keep. Cases come sorted by name. Every problem of every case is
// reported at once, each naming its file and field.
func LoadCases(fsys fs.FS, keep func(name string) bool) ([]*Case, error) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var cases []*Case
	var errs []error
	for _, ent := range ents {
		name := ent.Name()
		if !ent.IsDir() || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || (keep != nil && !keep(name)) {
			continue
		}
		sub, err := fs.Sub(fsys, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c, err := LoadCase(sub, name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cases = append(cases, c)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if len(cases) == 0 {
		return nil, errors.New("no cases: a case is a directory holding change.diff and expected.json")
	}
	slices.SortFunc(cases, func(a, b *Case) int { return strings.Compare(a.Name, b.Name) })
	return cases, nil
}

// LoadCase loads the case whose directory is fsys; errors name its files as name/FILE.
func LoadCase(fsys fs.FS, name string) (*Case, error) {
	c := &Case{Name: name, Repo: fsys}
	var errs []error
	data, err := fs.ReadFile(fsys, DiffFile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path.Join(name, DiffFile), notExist(err, "every case needs the change to review"))
	}
	c.Diff = data
	files, err := diff.Parse(data)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", path.Join(name, DiffFile), err))
	}
	data, err = fs.ReadFile(fsys, ExpectedFile)
	if err != nil {
		errs = append(errs, fmt.Errorf("%s: %w", path.Join(name, ExpectedFile), notExist(err, "every case needs what the review should find")))
	} else if c.Expected, err = ParseExpected(path.Join(name, ExpectedFile), data); err != nil {
		errs = append(errs, err)
	} else if files != nil {
		errs = append(errs, checkAgainstDiff(path.Join(name, ExpectedFile), c.Expected, files)...)
	}
	if err := loadRepo(fsys, name, c); err != nil {
		errs = append(errs, err)
	} else if files != nil && len(c.Expected.Context) > 0 {
		errs = append(errs, checkContext(path.Join(name, ExpectedFile), c, files)...)
	}
	if data, err := fs.ReadFile(fsys, SourceFile); err == nil {
		c.Source = string(data)
	}
	if st, err := fs.Stat(fsys, RulesDir); err == nil && st.IsDir() {
		c.RulesDir = RulesDir
		if data, err := fs.ReadFile(fsys, rules.SettingsFile); err == nil {
			// A bad file is reported with its line when the rules are loaded.
			if s, err := rules.ParseSettings(rules.SettingsFile, data); err == nil && s.RulesDir != "" {
				c.RulesDir = ""
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func notExist(err error, why string) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("missing: %s", why)
	}
	return err
}

// ParseExpected reads expected.json strictly: unknown keys, wrong types, missing fields
// and impossible ranges are errors naming the file and the field (name:
// issues[2].to_line: ...), all reported at once.
func ParseExpected(name string, data []byte) (Expected, error) {
	p := &parser{file: name}
	var top map[string]json.RawMessage
	if err := decodeStrict(data, &top); err != nil {
		return Expected{}, p.syntax(data, err)
	}
	if top == nil {
		return Expected{}, fmt.Errorf("%s: want an object with issues and clean", name)
	}
	for _, k := range slices.Sorted(maps.Keys(top)) {
		if k != "issues" && k != "clean" && k != "context_lines" {
			p.errorf(k, "unknown key (want issues, clean and context_lines)")
		}
	}
	var exp Expected
	raw, ok := top["issues"]
	if !ok {
		p.errorf("issues", "missing: list the issues the review should find, [] for none")
	}
	for i, item := range p.list("issues", raw) {
		field := fmt.Sprintf("issues[%d]", i)
		obj := p.object(field, item, "path", "from_line", "to_line", "category", "severity", "note")
		if obj == nil {
			continue
		}
		is := Issue{
			Path:     p.str(field, obj, "path", true),
			Category: p.str(field, obj, "category", false),
			Severity: p.str(field, obj, "severity", false),
			Note:     p.str(field, obj, "note", false),
		}
		is.FromLine, is.ToLine = p.lines(field, obj)
		if is.Severity != "" {
			if _, err := rules.ParseSeverity(is.Severity); err != nil {
				p.errorf(field+".severity", "%q is not info, warning or error", is.Severity)
			}
		}
		exp.Issues = append(exp.Issues, is)
	}
	for i, item := range p.list("clean", top["clean"]) {
		field := fmt.Sprintf("clean[%d]", i)
		obj := p.object(field, item, "path", "from_line", "to_line", "note")
		if obj == nil {
			continue
		}
		cl := Clean{Path: p.str(field, obj, "path", true), Note: p.str(field, obj, "note", false)}
		cl.FromLine, cl.ToLine = p.lines(field, obj)
		exp.Clean = append(exp.Clean, cl)
	}
	for i, item := range p.list("context_lines", top["context_lines"]) {
		field := fmt.Sprintf("context_lines[%d]", i)
		obj := p.object(field, item, "path", "from_line", "to_line", "note")
		if obj == nil {
			continue
		}
		cl := ContextLines{Path: p.str(field, obj, "path", true), Note: p.str(field, obj, "note", false)}
		cl.FromLine, cl.ToLine = p.lines(field, obj)
		exp.Context = append(exp.Context, cl)
	}
	// A clean range may carve lines out of an issue's range (the error path inside a
	// function that leaks), but not cover it whole: that issue could never be found.
	for i, is := range exp.Issues {
		for j, cl := range exp.Clean {
			if is.Path == cl.Path && is.FromLine > 0 && cl.FromLine > 0 && cl.FromLine <= is.FromLine && is.ToLine <= cl.ToLine {
				p.errorf(fmt.Sprintf("clean[%d]", j), "lines %d-%d cover all of issues[%d] (%d-%d): a finding there would be a trap hit, so the issue could never be found", cl.FromLine, cl.ToLine, i, is.FromLine, is.ToLine)
			}
		}
	}
	if err := errors.Join(p.errs...); err != nil {
		return Expected{}, err
	}
	return exp, nil
}

// checkAgainstDiff checks that every range is on a file of the change, on lines of its
// hunks: a review can only comment there, so a range elsewhere could never be found.
func checkAgainstDiff(name string, exp Expected, files []*diff.File) []error {
	byPath := map[string]*diff.File{}
	for _, f := range files {
		if f.NewPath != "" {
			byPath[f.NewPath] = f
		}
	}
	var errs []error
	check := func(field, p string, from, to int) {
		f, ok := byPath[p]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: %s.path: %q is not a file of the change (deleted files have no new lines)", name, field, p))
			return
		}
		for l := from; l <= to; l++ {
			if f.CommentableNew(l) {
				return
			}
		}
		errs = append(errs, fmt.Errorf("%s: %s: lines %d-%d of %s are not in the change's hunks, so no comment can land there", name, field, from, to, p))
	}
	for i, is := range exp.Issues {
		check(fmt.Sprintf("issues[%d]", i), is.Path, is.FromLine, is.ToLine)
	}
	for i, cl := range exp.Clean {
		check(fmt.Sprintf("clean[%d]", i), cl.Path, cl.FromLine, cl.ToLine)
	}
	return errs
}

// parser collects the problems of one expected.json.
type parser struct {
	file string
	errs []error
}

func (p *parser) errorf(field, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s: %s", p.file, field, fmt.Sprintf(format, args...)))
}

// syntax reports a JSON error with the line it is on.
func (p *parser) syntax(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
		return fmt.Errorf("%s:%d: %w", p.file, line, err)
	}
	return fmt.Errorf("%s: want an object with issues and clean: %w", p.file, err)
}

// list decodes an optional array.
func (p *parser) list(field string, raw json.RawMessage) []json.RawMessage {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		p.errorf(field, "want a list")
		return nil
	}
	return items
}

// object decodes one item and checks its keys.
func (p *parser) object(field string, raw json.RawMessage, keys ...string) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		p.errorf(field, "want an object")
		return nil
	}
	var unknown []string
	for k := range obj {
		if !slices.Contains(keys, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		p.errorf(field+"."+k, "unknown key (want %s)", strings.Join(keys, ", "))
	}
	return obj
}

func (p *parser) str(field string, obj map[string]json.RawMessage, key string, required bool) string {
	raw, ok := obj[key]
	if !ok {
		if required {
			p.errorf(field+"."+key, "missing")
		}
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		p.errorf(field+"."+key, "want a string, got %s", clip(string(raw)))
		return ""
	}
	s = strings.TrimSpace(s)
	if required && s == "" {
		p.errorf(field+"."+key, "empty")
	}
	return s
}

// lines reads from_line and to_line: 1-based, to_line >= from_line.
func (p *parser) lines(field string, obj map[string]json.RawMessage) (from, to int) {
	read := func(key string) int {
		raw, ok := obj[key]
		if !ok {
			p.errorf(field+"."+key, "missing")
			return 0
		}
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			p.errorf(field+"."+key, "want a whole line number, got %s", clip(string(raw)))
			return 0
		}
		if n < 1 {
			p.errorf(field+"."+key, "%d is not a line number (lines start at 1)", n)
			return 0
		}
		return n
	}
	from, to = read("from_line"), read("to_line")
	switch {
	case from == 0 || to == 0:
	case to < from:
		p.errorf(field+".to_line", "%d is before from_line %d", to, from)
	case to-from >= maxRange:
		p.errorf(field, "lines %d-%d span more than %d lines: name the lines of the issue", from, to, maxRange)
	}
	return from, to
}

// decodeStrict decodes exactly one JSON value.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
