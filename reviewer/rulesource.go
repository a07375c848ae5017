package reviewer

import (
	"context"
	"fmt"
	"io/fs"

	"github.com/reviewerbot/reviewer/rules"
)

// TreeRules is a RuleSource that reads the rules from the change's base revision through
// a TreeReader (a forge's API): first the repository's settings, which may name the rules
// directory, then the rules and the instructions files other tools keep.
type TreeRules struct {
	Tree TreeReader
	Opts rules.RepoOptions
}

// Rules implements RuleSource.
func (t TreeRules) Rules(ctx context.Context, c Change) (*rules.Set, error) {
	if c.BaseSHA == "" {
		return nil, fmt.Errorf("%s has no base commit to read rules from", c)
	}
	dir := t.Opts.RulesDir
	if dir == "" {
		settings, err := t.Tree.Tree(ctx, c, c.BaseSHA, []string{rules.SettingsFile})
		if err != nil {
			return nil, fmt.Errorf("read %s at base: %w", rules.SettingsFile, err)
		}
		if data, err := fs.ReadFile(settings, rules.SettingsFile); err == nil {
			// Errors in the file are reported with its line by LoadRepo below.
			if s, err := rules.ParseSettings(rules.SettingsFile, data); err == nil {
				dir = s.RulesDir
			}
		}
	}
	fsys, err := t.Tree.Tree(ctx, c, c.BaseSHA, rules.SourcePaths(dir))
	if err != nil {
		return nil, fmt.Errorf("read rules at base: %w", err)
	}
	return rules.LoadRepo(fsys, t.Opts)
}
