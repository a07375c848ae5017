package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Load reads every rules file (*.md) under dir in fsys, recursively, in lexical order,
// and returns the rules in that order. dir is slash-separated, relative to the root of
// fsys ("." for the root).
//
// A README.md (in any case) that has no front matter is skipped, so a rules directory
// can explain itself to people; a README.md that starts with "---" is read as a rule
// like any other file.
//
// Load reports every problem in every file at once (see Parse), and a rule id used by
// more than one file as an error that names both. It returns an error wrapping
// fs.ErrNotExist when dir does not exist.
func Load(fsys fs.FS, dir string) ([]*Rule, error) {
	var (
		rules []*Rule
		errs  []error
	)
	walkErr := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			errs = append(errs, fmt.Errorf("read rules: %w", err))
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(p, ".md") {
			return nil
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			errs = append(errs, fmt.Errorf("read rules: %w", err))
			return nil
		}
		if strings.EqualFold(path.Base(p), "README.md") {
			if _, _, ok := splitFrontMatter(data); !ok {
				return nil
			}
		}
		r, err := Parse(p, data)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rules = append(rules, r)
		return nil
	})
	if walkErr != nil {
		return nil, fmt.Errorf("load rules from %s: %w", dir, walkErr)
	}
	if err := duplicateIDs(rules); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return rules, nil
}

// duplicateIDs reports every rule whose id an earlier rule in the list already uses.
func duplicateIDs(rules []*Rule) error { return joinErrors(duplicates(rules)) }

func duplicates(rules []*Rule) []*Error {
	first := map[string]*Rule{}
	var errs []*Error
	for _, r := range rules {
		if f, ok := first[r.ID]; ok {
			errs = append(errs, &Error{File: r.Source, Line: r.idLine,
				Msg: fmt.Sprintf("duplicate rule id %q, also defined in %s", r.ID, where(f))})
			continue
		}
		first[r.ID] = r
	}
	return errs
}

// where names a rule's file and, when known, the line of its id.
func where(r *Rule) string {
	if r.idLine > 0 {
		return fmt.Sprintf("%s:%d", r.Source, r.idLine)
	}
	return r.Source
}
