package diff_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// The structure of reviewdog's expected parse results (reviewdog diff/diff.go), reduced to
// the fields both parsers share. reviewdog's line types are 0 context, 1 added, 2 deleted,
// the same values as diff.LineKind.
type rdFile struct {
	PathOld, PathNew string
	Hunks            []rdHunk
	Extended         []string
}

type rdHunk struct {
	StartLineOld, LineLengthOld int
	StartLineNew, LineLengthNew int
	Section                     string
	Lines                       []rdLine
}

type rdLine struct {
	Type             int
	Content          string
	LnumOld, LnumNew int
}

// TestParseMatchesReviewdog parses reviewdog's diff testdata and compares paths, hunk ranges
// and every line's kind, content and numbers with reviewdog's own expected results.
func TestParseMatchesReviewdog(t *testing.T) {
	t.Parallel()
	matches, err := filepath.Glob(filepath.Join(fixtureDir, "reviewdog-diff-testdata", "*.diff"))
	if err != nil {
		t.Fatal(err)
	}
	if len(matches) == 0 {
		t.Fatal("no reviewdog fixtures")
	}
	for _, path := range matches {
		rel := "reviewdog-diff-testdata/" + filepath.Base(path)
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			var want []rdFile
			if err := json.Unmarshal(readFixture(t, rel+".json"), &want); err != nil {
				t.Fatal(err)
			}
			files, err := diff.Parse(readFixture(t, rel))
			if err != nil {
				t.Fatal(err)
			}
			got := make([]rdFile, len(files))
			for i, f := range files {
				got[i] = toReviewdog(f)
			}
			for i := range want {
				applyReviewdogExceptions(&want[i], i, got)
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(rdFile{}, "Extended")); diff != "" {
				t.Errorf("parse of %s differs from reviewdog's (-want +got):\n%s", rel, diff)
			}
		})
	}
}

// applyReviewdogExceptions adjusts reviewdog's expectation where it differs from this
// package on purpose.
func applyReviewdogExceptions(want *rdFile, i int, got []rdFile) {
	// Exception "prefixes": reviewdog keeps git's a/ and b/ prefixes; this package strips
	// them, as the paths are repository-relative.
	want.PathOld = strings.TrimPrefix(want.PathOld, "a/")
	want.PathNew = strings.TrimPrefix(want.PathNew, "b/")
	// Exception "header-only paths": for a file with no ---/+++ lines (new or deleted empty
	// file) reviewdog leaves both paths empty and keeps only the raw extended headers; this
	// package takes the path from the "diff --git" line and leaves the side that does not
	// exist empty. The extended header names the path, so check it is the one we chose.
	if want.PathOld == "" && want.PathNew == "" && len(want.Extended) > 0 && i < len(got) {
		header := want.Extended[0]
		for _, p := range []string{got[i].PathOld, got[i].PathNew} {
			if p != "" && strings.HasSuffix(header, "b/"+p) {
				want.PathOld, want.PathNew = got[i].PathOld, got[i].PathNew
			}
		}
	}
	// Exception "/dev/null": reviewdog keeps /dev/null as a path; this package leaves the
	// path of the side that does not exist empty.
	if want.PathOld == "/dev/null" {
		want.PathOld = ""
	}
	if want.PathNew == "/dev/null" {
		want.PathNew = ""
	}
}

func toReviewdog(f *diff.File) rdFile {
	r := rdFile{PathOld: f.OldPath, PathNew: f.NewPath}
	for _, h := range f.Hunks {
		rh := rdHunk{
			StartLineOld: h.OldStart, LineLengthOld: h.OldLines,
			StartLineNew: h.NewStart, LineLengthNew: h.NewLines,
			Section: h.Section,
		}
		for _, l := range h.Lines {
			rh.Lines = append(rh.Lines, rdLine{Type: int(l.Kind), Content: l.Content, LnumOld: l.OldLine, LnumNew: l.NewLine})
		}
		r.Hunks = append(r.Hunks, rh)
	}
	return r
}
