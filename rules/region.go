package rules

import (
	"regexp"
	"slices"
	"strings"
)

// Regions is a set of kinds of code a line may sit in, as a RegionScanner tells them from
// the lines of a hunk. A rule's ExcludeRegions keeps its pattern out of them.
type Regions uint8

// RegionRustTests is Rust test code inside a source file: a #[cfg(test)] or #[test] item
// (usually `mod tests`), or an item named like one (`mod tests`, `fn test_x`).
const RegionRustTests Regions = 1 << iota

// regionNames are the names rules files use in exclude_regions.
var regionNames = map[string]Regions{"rust-tests": RegionRustTests}

func regionNameList() string {
	names := make([]string, 0, len(regionNames))
	for n := range regionNames {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// RegionScanner follows the regions of the lines of one hunk, read in order. It knows only
// what the hunk shows: its section heading (the text after the closing @@, which git takes
// from the nearest line above the hunk that starts with a letter, "_" or "$") and its own
// context and added lines. Rust tests are found by top-level items: rustfmt puts an item
// of a file at column 0 and what is inside it indented, so a line at column 0 that starts
// an item ends the previous one, and a "}" at column 0 closes it.
type RegionScanner struct {
	rustTests bool // inside a Rust test item
	pending   bool // a test attribute was seen; the next item is a test
}

var (
	rustItem      = regexp.MustCompile(`^(?:pub(?:\([\w: ]+\))?\s+)?(?:(?:async|const|unsafe|extern(?:\s+"\w+")?)\s+)*(?:fn|mod|impl|struct|enum|trait|type|const|static|use|union|macro_rules!)\b`)
	rustTestItem  = regexp.MustCompile(`^(?:pub(?:\([\w: ]+\))?\s+)?(?:mod\s+tests?\b|(?:(?:async|const|unsafe)\s+)*fn\s+test_)`)
	rustTestAttrs = regexp.MustCompile(`^#\[(?:cfg\(test\)|test|tokio::test\b|cfg\(all\(test\b)`)
)

// NewRegionScanner starts a scanner at a hunk with the given section heading.
func NewRegionScanner(section string) *RegionScanner {
	return &RegionScanner{rustTests: rustTestItem.MatchString(section)}
}

// Next takes the content of the hunk's next context or added line (deleted lines are not
// in the new file: skip them) and returns the regions that line is in.
func (s *RegionScanner) Next(line string) Regions {
	switch {
	case line == "" || line[0] == ' ' || line[0] == '\t':
		// Inside an item: no change.
	case rustTestAttrs.MatchString(line):
		s.pending = true
	case strings.HasPrefix(line, "#["), strings.HasPrefix(line, "//"), strings.HasPrefix(line, "/*"):
		// Another attribute or a comment between the attribute and its item.
	case line[0] == '}':
		// The item's closing line is still part of it.
		in := s.rustTests
		s.rustTests, s.pending = false, false
		if in {
			return RegionRustTests
		}
		return 0
	case rustItem.MatchString(line):
		s.rustTests = s.pending || rustTestItem.MatchString(line)
		s.pending = false
	}
	if s.rustTests || s.pending {
		return RegionRustTests
	}
	return 0
}

// Excludes reports whether the rule keeps out of a line in the given regions.
func (r *Rule) Excludes(in Regions) bool { return r.ExcludeRegions&in != 0 }
