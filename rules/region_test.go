package rules_test

import (
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/rules"
)

func TestRegionScanner(t *testing.T) {
	t.Parallel()
	// Each line starts with T (in Rust tests) or . (not), then a space, then the line.
	tests := []struct {
		name    string
		section string
		lines   string
	}{
		{"test module in the hunk", "", `
. fn parse(s: &str) -> u32 {
.     s.parse().unwrap()
. }
. 
T #[cfg(test)]
T mod tests {
T     use super::*;
T     fn it() { parse("1").unwrap(); }
T }
. fn after() {}`},
		{"heading is the test module", "mod tests {", `
T     #[test]
T     fn x() { y().unwrap(); }
T }
. pub fn z() {}`},
		{"heading is a test function", "fn test_colors() {", `
T     let args = parse_low_raw(["--colors"]).unwrap();`},
		{"attribute on a single test function", "impl Flag for Colors {", `
.     fn doc(&self) -> &str { "" }
. }
. 
T #[cfg(test)]
T #[test]
T // a comment between attribute and item
T fn colors() {
T     parse().unwrap();
T }
. impl Flag for Other {`},
		{"ordinary heading", "impl<'a> GlobBuilder<'a> {", `
.         let tokens = p.branches.pop().unwrap();`},
		{"pub(crate) test module", "", `
T #[cfg(test)]
T pub(crate) mod tests {
T     fn helper() -> u8 { 1.try_into().unwrap() }`},
		{"text at column 0 inside a raw string does not end the module", "mod tests {", `
T     const S: &str = r"
T For the Doctor Watsons of this world,
T ";
T     fn t() { m().unwrap(); }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := rules.NewRegionScanner(tt.section)
			for _, l := range strings.Split(strings.TrimPrefix(tt.lines, "\n"), "\n") {
				want, line := l[0] == 'T', l[2:]
				if got := s.Next(line) == rules.RegionRustTests; got != want {
					t.Errorf("line %q: in Rust tests %v, want %v", line, got, want)
				}
			}
		})
	}
}

func TestExcludeRegions(t *testing.T) {
	t.Parallel()
	r, err := rules.Parse("r.md", []byte("---\nid: x\nexclude_regions: [rust-tests]\n---\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !r.Excludes(rules.RegionRustTests) || r.Excludes(0) {
		t.Errorf("Excludes: want true in Rust tests only")
	}
	_, err = rules.Parse("r.md", []byte("---\nid: x\nexclude_regions: [go-tests]\n---\n"))
	if err == nil || err.Error() != `r.md:3: exclude_regions: unknown region "go-tests" (known: rust-tests)` {
		t.Errorf("unknown region: err %v", err)
	}
}
