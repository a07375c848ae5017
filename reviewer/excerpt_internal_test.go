package reviewer

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// TestExcerptSpans: an excerpt starts on the finding's line, on its side, holds at most
// maxExcerptLines lines, and stops at the first line the diff does not hold; a line too
// long to show is replaced as the model sees it.
func TestExcerptSpans(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", maxLineBytes+1)
	d := `diff --git a/a.txt b/a.txt
--- a/a.txt
+++ b/a.txt
@@ -1,3 +1,8 @@
 one
-two
+MARK 2
+three
+four
+five
+six
+` + long + `
 end
@@ -20,2 +25,2 @@
 twenty
-old
+new
`
	files, err := diff.Parse([]byte(d))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		f          Finding
		want       []string
		wantMasked bool
	}{
		{"one line", Finding{Path: "a.txt", Line: 2}, []string{"MARK 2"}, false},
		{"a range, cut at four lines", Finding{Path: "a.txt", Line: 2, EndLine: 8}, []string{"MARK 2", "three", "four", "five"}, false},
		{"old side", Finding{Path: "a.txt", Line: 2, Side: SideOld}, []string{"two"}, false},
		{"old side context", Finding{Path: "a.txt", Line: 1, EndLine: 3, Side: SideOld}, []string{"one", "two", "end"}, false},
		{"a long line", Finding{Path: "a.txt", Line: 7}, []string{"«line of 5001 bytes, not shown»"}, true},
		{"stops at a gap", Finding{Path: "a.txt", Line: 8, EndLine: 26}, []string{"end"}, false},
		{"second hunk", Finding{Path: "a.txt", Line: 26}, []string{"new"}, false},
		{"not in the diff", Finding{Path: "a.txt", Line: 12}, nil, false},
		{"another file", Finding{Path: "b.txt", Line: 2}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := excerpts(files, []Finding{tt.f}, newMasks(redact.New()))
			ex, ok := got[SpanOf(&tt.f)]
			if ok != (tt.want != nil) {
				t.Fatalf("excerpt found: %v, want %v (%+v)", ok, tt.want != nil, got)
			}
			if diff := cmp.Diff(tt.want, ex.Lines); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if ex.Masked != tt.wantMasked {
				t.Errorf("masked %v, want %v", ex.Masked, tt.wantMasked)
			}
		})
	}
}
