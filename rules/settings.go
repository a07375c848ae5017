package rules

import (
	"fmt"
	"io/fs"
	"strings"
)

// SettingsFile is where a repository keeps its Settings, relative to its root.
const SettingsFile = ".reviewer.yaml"

// Settings are a repository's own review settings, read from .reviewer.yaml on the
// change's base branch:
//
//	ignore: ["docs/generated/**", "**/*.pb.go"]   # files never reviewed
//	disable: [js-console-log]                      # rule ids turned off
//	inline: [code-todo-without-ticket]             # summary-only rules posted inline
//	fail_on: error                                 # info | warning | error | none
//	instructions: |                                # extra guidance for every review
//	  We target Go 1.26; prefer the standard library.
//	rules_dir: tools/review-rules                  # instead of .reviewer/rules
//	tier: full                                     # the least review a change gets
type Settings struct {
	// Ignore holds doublestar globs of files the review skips, validated here and
	// applied by the review pipeline (reviewer.Filter): a glob without a "/" matches the
	// base name in any directory, and a glob starting with "!" re-includes what an
	// earlier one left out.
	Ignore []string
	// Disable holds ids of rules to drop; an id that matches no rule is an error.
	Disable []string
	// Inline holds ids of rules whose findings are posted as line comments although
	// the rule says "inline: false"; an id that matches no rule is an error.
	Inline []string
	// FailOn is the lowest finding severity that fails the run: "info", "warning",
	// "error", "none", or "" when the repository does not say.
	FailOn string
	// Instructions is free text added to every prompt for this repository.
	Instructions string
	// RulesDir is the repository's rules directory when it is not .reviewer/rules.
	RulesDir string
	// Tier is the lowest review tier of a change, "trivial", "lite" or "full" (lower
	// case), or "" when the repository does not say. Read from the base like every
	// setting, a change cannot lower it.
	Tier string
}

var settingsKeys = []string{"ignore", "disable", "inline", "fail_on", "instructions", "rules_dir", "tier"}

// FailOnSeverity returns the severity FailOn names, and false when FailOn is "" or
// "none".
func (s Settings) FailOnSeverity() (Severity, bool) {
	if s.FailOn == "" || s.FailOn == "none" {
		return 0, false
	}
	sev, err := ParseSeverity(s.FailOn)
	return sev, err == nil
}

// ParseSettings reads a .reviewer.yaml file. name is its path, used in errors. Unknown
// keys, bad globs, a bad fail_on and values of the wrong type are errors naming the file
// and line; all of them are reported at once.
func ParseSettings(name string, data []byte) (Settings, error) {
	s, _, err := parseSettings(name, data)
	return s, err
}

// settingsLines locates values of Settings in the file, for errors LoadRepo finds.
type settingsLines struct {
	disable  []int // line of each Disable entry
	inline   []int // line of each Inline entry
	rulesDir int
}

// parseSettings is ParseSettings that also returns where some values are.
func parseSettings(name string, data []byte) (Settings, settingsLines, error) {
	var (
		s     Settings
		lines settingsLines
	)
	p := &problems{file: name}
	root := p.parseYAML(normalize(data))
	if len(p.errs) > 0 {
		return Settings{}, settingsLines{}, p.err()
	}
	if isNull(root) {
		return s, settingsLines{}, nil
	}
	if root.Kind != mappingNode {
		p.node(root, "want a mapping of settings, got %s", kindName(root))
		return Settings{}, settingsLines{}, p.err()
	}
	for _, f := range p.fields(root, "key", settingsKeys) {
		switch f.name {
		case "ignore":
			s.Ignore = p.ignoreGlobs(f)
		case "disable", "inline":
			for _, it := range p.list(f) {
				id := strings.TrimSpace(it.value)
				if !idRE.MatchString(id) {
					p.node(it.node, "%s: %q is not a rule id", f.name, it.value)
					continue
				}
				if f.name == "disable" {
					s.Disable = append(s.Disable, id)
					lines.disable = append(lines.disable, it.node.Line)
				} else {
					s.Inline = append(s.Inline, id)
					lines.inline = append(lines.inline, it.node.Line)
				}
			}
		case "fail_on":
			v, ok := p.str(f)
			if !ok || v == "" {
				continue
			}
			v = strings.ToLower(strings.TrimSpace(v))
			if _, err := ParseSeverity(v); err != nil && v != "none" {
				p.node(f.value, "fail_on: unknown value %q (want info, warning, error or none)", v)
				continue
			}
			s.FailOn = v
		case "instructions":
			v, _ := p.str(f)
			s.Instructions = strings.TrimSpace(v)
		case "rules_dir":
			v, ok := p.str(f)
			if !ok || v == "" {
				continue
			}
			dir, err := cleanDir(v)
			if err != nil {
				p.node(f.value, "rules_dir: %v", err)
				continue
			}
			s.RulesDir, lines.rulesDir = dir, f.value.Line
		case "tier":
			v, ok := p.str(f)
			if !ok || v == "" {
				continue
			}
			v = strings.ToLower(strings.TrimSpace(v))
			switch v {
			case "trivial", "lite", "full":
				s.Tier = v
			default:
				p.node(f.value, "tier: unknown value %q (want trivial, lite or full)", v)
			}
		}
	}
	if err := p.err(); err != nil {
		return Settings{}, settingsLines{}, err
	}
	return s, lines, nil
}

// cleanDir turns a directory written by a person ("./tools/rules/") into an fs.FS path.
func cleanDir(dir string) (string, error) {
	d := strings.TrimSpace(dir)
	d = strings.TrimPrefix(d, "./")
	d = strings.TrimRight(d, "/")
	if d == "" {
		return ".", nil
	}
	if !fs.ValidPath(d) {
		return "", fmt.Errorf("%q is not a directory inside the repository", dir)
	}
	return d, nil
}

// ignoreGlobs reads the ignore list: globs, each of which may start with "!" to
// re-include files. The rest of the glob is cleaned and validated like any other.
func (p *problems) ignoreGlobs(f field) []string {
	var out []string
	for _, it := range p.list(f) {
		v := strings.TrimSpace(it.value)
		neg := strings.HasPrefix(v, "!")
		g, ok := p.glob(f.name, item{strings.TrimPrefix(v, "!"), it.node})
		if !ok {
			continue
		}
		if neg {
			g = "!" + g
		}
		out = append(out, g)
	}
	return out
}
