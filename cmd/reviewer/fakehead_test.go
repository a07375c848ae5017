package main

import (
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/rules"
)

// headContent is a changed file as a fake forge serves it at a head it knows, for the
// context the pipeline reads around the hunks: rebuilt from the head's diff, its lines at
// their new numbers and the lines the diff does not show left empty. ok is false for a
// file the diff does not change at that head, or deletes.
func headContent(revs []forgeRev, ref, p string) (string, bool) {
	for _, rev := range revs {
		if rev.head != ref {
			continue
		}
		files, err := diff.Parse([]byte(rev.diff))
		if err != nil {
			return "", false
		}
		for _, f := range files {
			if f.NewPath != p || f.Status == diff.StatusDeleted {
				continue
			}
			var lines []string
			for _, h := range f.Hunks {
				for _, l := range h.Lines {
					if l.Kind == diff.Deleted {
						continue
					}
					for len(lines) < l.NewLine {
						lines = append(lines, "")
					}
					lines[l.NewLine-1] = l.Content
				}
			}
			return strings.Join(lines, "\n") + "\n", true
		}
	}
	return "", false
}

// isHead reports whether ref is the head of one of revs.
func isHead(revs []forgeRev, ref string) bool {
	for _, rev := range revs {
		if rev.head == ref {
			return true
		}
	}
	return false
}

// rulesPath reports whether p is where the bot reads rules, settings or instructions,
// which it must only ever read at the base, never at a head the change controls.
func rulesPath(p string) bool {
	for _, r := range rules.SourcePaths("") {
		if p == r || strings.HasPrefix(p, r+"/") {
			return true
		}
	}
	return false
}
