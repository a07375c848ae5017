package diff_test

import (
	"testing"

	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// TestQuotePathRoundTrip: a path QuotePath writes in a header, Parse reads back as it was.
func TestQuotePathRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"a.go", "dir with space/a.go", "日本語/ファイル.txt", `say "hi".txt`, `back\slash`, "tab\there", "nl\nhere", "bell\a.txt"} {
		q := diff.QuotePath("a/" + p)
		r := diff.QuotePath("b/" + p)
		d := "diff --git " + q + " " + r + "\nnew file mode 100644\n--- /dev/null\n+++ " + r + "\n@@ -0,0 +1 @@\n+x\n"
		files, err := diff.Parse([]byte(d))
		if err != nil {
			t.Errorf("%q: %v\n%s", p, err, d)
			continue
		}
		if len(files) != 1 || files[0].NewPath != p {
			t.Errorf("%q came back as %+v", p, files)
		}
	}
	if got := diff.QuotePath("/dev/null"); got != "/dev/null" {
		t.Errorf("QuotePath(/dev/null) = %q", got)
	}
}
