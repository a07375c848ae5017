package rules

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
)

// BuiltinSource starts the Source of every built-in rule: "builtin:<file>".
const BuiltinSource = "builtin:"

// builtinFS holds the built-in starter rules, one Markdown file each.
//
//go:embed builtin/*.md
var builtinFS embed.FS

// Builtin returns the built-in rules, parsed afresh on each call (so callers may change
// them), in file order. Their Source is "builtin:<file>". A repository overrides one by
// defining a rule with the same id, and drops one with `disable` in .reviewer.yaml.
func Builtin() ([]*Rule, error) {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		return nil, fmt.Errorf("read builtin rules: %w", err)
	}
	var (
		rules []*Rule
		errs  []error
	)
	for _, e := range entries {
		data, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			errs = append(errs, fmt.Errorf("read builtin rules: %w", err))
			continue
		}
		r, err := Parse(BuiltinSource+e.Name(), data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	if err := duplicateIDs(rules); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return rules, nil
}

// BuiltinFile returns the text of the built-in rules file name (a Rule's Source without
// "builtin:"), for a repository that overrides the rule with an edited copy.
func BuiltinFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) || path.Dir(name) != "." {
		return nil, fmt.Errorf("builtin rules file %q: not a file name", name)
	}
	data, err := builtinFS.ReadFile(path.Join("builtin", name))
	if err != nil {
		return nil, fmt.Errorf("builtin rules file %q: %w", name, err)
	}
	return data, nil
}
