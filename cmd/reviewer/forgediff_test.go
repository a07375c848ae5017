package main

import (
	"crypto/sha1" //nolint:gosec // GitLab's line codes are the SHA-1 of the path; no security rests on them.
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// forgeRev is one state of a change on a fake forge: the commits a push leaves (GitLab's
// diff version: base, start and head) and the diff from base to head, as `git diff` prints it.
type forgeRev struct {
	base, start, head string
	diff              string
}

// readRev reads a diff of testdata/forge/ as the change at the given commits.
func readRev(t testing.TB, name, base, start, head string) forgeRev {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "forge", name))
	if err != nil {
		t.Fatal(err)
	}
	return forgeRev{base: base, start: start, head: head, diff: string(data)}
}

// fdFile is the fakes' own reading of one file of a diff, written independently of the
// adapters and of reviewer/diff: what each forge knows of the lines a comment may sit on.
type fdFile struct {
	oldPath, newPath string
	newFile, deleted bool
	oldMode, newMode string
	// patch is the file's hunks, as GitHub's patch and GitLab's diff field carry them.
	patch string
	lines []fdLine
}

type fdLine struct {
	kind     byte // '+', '-' or ' '
	old, new int  // 0 on the side the line is not on
	content  string
	hunk     int
	// pos is GitHub's diff position: lines below the file's first hunk header, later
	// hunk headers included.
	pos int
	// code is GitLab's line code: sha1(new path), then the running old and new counters.
	code string
}

var fdHunk = regexp.MustCompile(`^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@`)

// parseForgeDiff reads the files of a git diff. It knows the headers the test diffs use:
// modified and added files.
func parseForgeDiff(t testing.TB, text string) []*fdFile {
	t.Helper()
	var (
		files  []*fdFile
		cur    *fdFile
		o, n   int
		hunk   int
		pos    int
		inHunk bool
	)
	var patch strings.Builder
	flush := func() {
		if cur != nil {
			cur.patch = patch.String()
		}
		patch.Reset()
	}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "diff --git "):
			flush()
			a, b, ok := strings.Cut(strings.TrimPrefix(l, "diff --git a/"), " b/")
			if !ok {
				t.Fatalf("diff header %q", l)
			}
			cur = &fdFile{oldPath: a, newPath: b}
			files = append(files, cur)
			inHunk, hunk, pos = false, -1, 0
			continue
		case cur == nil:
			t.Fatalf("diff line %q before any file", l)
		}
		if m := fdHunk.FindStringSubmatch(l); m != nil {
			o, _ = strconv.Atoi(m[1])
			n, _ = strconv.Atoi(m[2])
			if inHunk {
				pos++
			}
			inHunk = true
			hunk++
			patch.WriteString(l + "\n")
			continue
		}
		if !inHunk {
			switch {
			case strings.HasPrefix(l, "new file mode "):
				cur.newFile, cur.oldMode, cur.newMode = true, "0", strings.TrimPrefix(l, "new file mode ")
			case strings.HasPrefix(l, "deleted file mode "):
				cur.deleted, cur.oldMode, cur.newMode = true, strings.TrimPrefix(l, "deleted file mode "), "0"
			case strings.HasPrefix(l, "index "):
				if f := strings.Fields(l); len(f) == 3 {
					cur.oldMode, cur.newMode = f[2], f[2]
				}
			}
			continue
		}
		patch.WriteString(l + "\n")
		pos++
		if l == "" || l[0] == '\\' {
			continue
		}
		fl := fdLine{kind: l[0], content: l[1:], hunk: hunk, pos: pos,
			code: fmt.Sprintf("%s_%d_%d", sha1Hex(cur.newPath), o, n)}
		switch l[0] {
		case '+':
			fl.new = n
			n++
		case '-':
			fl.old = o
			o++
		case ' ':
			fl.old, fl.new = o, n
			o++
			n++
		default:
			t.Fatalf("diff line %q in a hunk", l)
		}
		cur.lines = append(cur.lines, fl)
	}
	flush()
	return files
}

func sha1Hex(s string) string {
	sum := sha1.Sum([]byte(s)) //nolint:gosec // see the import
	return hex.EncodeToString(sum[:])
}

func findFile(files []*fdFile, path string) *fdFile {
	for _, f := range files {
		if f.newPath == path {
			return f
		}
	}
	return nil
}

// bulkDiff is a change adding one file whose n lines each turn verify off: n findings of
// the built-in py-tls-verify-disabled rule.
func bulkDiff(n int) string {
	var b strings.Builder
	b.WriteString("diff --git a/app/bulk.py b/app/bulk.py\nnew file mode 100644\nindex 0000000..3b18e51\n--- /dev/null\n+++ b/app/bulk.py\n")
	fmt.Fprintf(&b, "@@ -0,0 +1,%d @@\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "+r%d = requests.get(\"https://h%d.example.com/\", verify=False)\n", i, i)
	}
	return b.String()
}
