package fakeforge

import (
	"strings"

	"github.com/reviewerbot/reviewer/rules"
)

// HeadContent is a changed file as a fake forge serves it at a head, for the context the
// pipeline reads around the hunks: rebuilt from the fake's reading of that head's diff,
// its lines at their new numbers and the lines the diff does not show left empty. ok is
// false for a file the diff does not change, or deletes.
func HeadContent(files []*File, path string) (string, bool) {
	for _, f := range files {
		if f.NewPath != path || f.Deleted {
			continue
		}
		var lines []string
		for _, l := range f.Lines {
			if l.Kind == '-' {
				continue
			}
			for len(lines) < l.New {
				lines = append(lines, "")
			}
			lines[l.New-1] = l.Content
		}
		return strings.Join(lines, "\n") + "\n", true
	}
	return "", false
}

// RulesPath reports whether p is where the bot reads rules, settings or instructions,
// which it must only ever read at the base, never at a head the change controls.
func RulesPath(p string) bool {
	for _, r := range rules.SourcePaths("") {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}
