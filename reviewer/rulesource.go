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
	fsys, err := t.Tree.Tree(ctx, c, c.BaseSHA, rules.SourcePaths(t.Opts.RulesDir))
	if err != nil {
		return nil, fmt.Errorf("read rules at base: %w", err)
	}
	if t.Opts.RulesDir == "" {
		// The settings, read with the rest, may keep the rules elsewhere: read that too.
		if data, err := fs.ReadFile(fsys, rules.SettingsFile); err == nil {
			// Errors in the file are reported with its line by LoadRepo below.
			if s, err := rules.ParseSettings(rules.SettingsFile, data); err == nil && s.RulesDir != "" && s.RulesDir != rules.DefaultRulesDir {
				more, err := t.Tree.Tree(ctx, c, c.BaseSHA, []string{s.RulesDir})
				if err != nil {
					return nil, fmt.Errorf("read rules at base: %w", err)
				}
				fsys = overlay{fsys, more}
			}
		}
	}
	return rules.LoadRepo(fsys, t.Opts)
}

// overlay reads a name from the first file system that has it.
type overlay []fs.FS

func (o overlay) Open(name string) (fs.File, error) {
	var err error
	for _, f := range o {
		var file fs.File
		if file, err = f.Open(name); err == nil {
			return file, nil
		}
	}
	return nil, err
}
