package fakeforge

import (
	"crypto/sha1" //nolint:gosec // GitLab's line codes are the SHA-1 of the path; no security rests on them.
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Rev is one state of a change on a fake forge: the commits a push leaves (GitLab's diff
// version: base, start and head) and the diff from base to head, as `git diff` prints it.
type Rev struct {
	Base, Start, Head string
	Diff              string
}

// File is the fakes' own reading of one file of a diff, written independently of the
// adapters and of reviewer/diff: what each forge knows of the lines a comment may sit on.
type File struct {
	OldPath, NewPath string
	NewFile, Deleted bool
	OldMode, NewMode string
	// Patch is the file's hunks, as GitHub's patch and GitLab's diff field carry them.
	Patch string
	Lines []Line
}

// Line is one line of a hunk.
type Line struct {
	Kind     byte // '+', '-' or ' '
	Old, New int  // 0 on the side the line is not on
	Content  string
	Hunk     int
	// Pos is GitHub's diff position: lines below the file's first hunk header, later
	// hunk headers included.
	Pos int
	// Code is GitLab's line code: sha1(new path), then the running old and new counters.
	Code string
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@`)

// ParseDiff reads the files of a git diff. It knows the headers the test diffs use:
// modified, added and deleted files.
func ParseDiff(text string) ([]*File, error) {
	var (
		files  []*File
		cur    *File
		o, n   int
		hunk   int
		pos    int
		inHunk bool
	)
	var patch strings.Builder
	flush := func() {
		if cur != nil {
			cur.Patch = patch.String()
		}
		patch.Reset()
	}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "diff --git "):
			flush()
			a, b, ok := strings.Cut(strings.TrimPrefix(l, "diff --git a/"), " b/")
			if !ok {
				return nil, fmt.Errorf("diff header %q", l)
			}
			cur = &File{OldPath: a, NewPath: b}
			files = append(files, cur)
			inHunk, hunk, pos = false, -1, 0
			continue
		case cur == nil:
			if l == "" {
				continue
			}
			return nil, fmt.Errorf("diff line %q before any file", l)
		}
		if m := hunkHeader.FindStringSubmatch(l); m != nil {
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
				cur.NewFile, cur.OldMode, cur.NewMode = true, "0", strings.TrimPrefix(l, "new file mode ")
			case strings.HasPrefix(l, "deleted file mode "):
				cur.Deleted, cur.OldMode, cur.NewMode = true, strings.TrimPrefix(l, "deleted file mode "), "0"
			case strings.HasPrefix(l, "index "):
				if f := strings.Fields(l); len(f) == 3 {
					cur.OldMode, cur.NewMode = f[2], f[2]
				}
			}
			continue
		}
		patch.WriteString(l + "\n")
		pos++
		if l == "" || l[0] == '\\' {
			continue
		}
		fl := Line{Kind: l[0], Content: l[1:], Hunk: hunk, Pos: pos,
			Code: fmt.Sprintf("%s_%d_%d", SHA1Hex(cur.NewPath), o, n)}
		switch l[0] {
		case '+':
			fl.New = n
			n++
		case '-':
			fl.Old = o
			o++
		case ' ':
			fl.Old, fl.New = o, n
			o++
			n++
		default:
			return nil, fmt.Errorf("diff line %q in a hunk", l)
		}
		cur.Lines = append(cur.Lines, fl)
	}
	flush()
	return files, nil
}

// SHA1Hex is the hex SHA-1 of s.
func SHA1Hex(s string) string {
	sum := sha1.Sum([]byte(s)) //nolint:gosec // see the import
	return hex.EncodeToString(sum[:])
}

// FindFile returns the file of files whose new path is path, or nil.
func FindFile(files []*File, path string) *File {
	for _, f := range files {
		if f.NewPath == path {
			return f
		}
	}
	return nil
}

// At returns the index of the line numbered n on side ("RIGHT"/"new" is the new file,
// "LEFT"/"old" the old one), or -1.
func (f *File) At(side string, n int) int {
	for i, l := range f.Lines {
		if side == "LEFT" || side == "old" {
			if l.Kind != '+' && l.Old == n {
				return i
			}
		} else if l.Kind != '-' && l.New == n {
			return i
		}
	}
	return -1
}

// Span returns the contents of the lines first..last of one hunk on side, or false.
func (f *File) Span(side string, first, last int) ([]string, bool) {
	i, j := f.At(side, first), f.At(side, last)
	if i < 0 || j < 0 || i > j || f.Lines[i].Hunk != f.Lines[j].Hunk {
		return nil, false
	}
	var out []string
	for k := i; k <= j; k++ {
		if f.OnSide(side, k) {
			out = append(out, f.Lines[k].Content)
		}
	}
	return out, true
}

// OnSide says whether line i is on side.
func (f *File) OnSide(side string, i int) bool {
	if side == "LEFT" || side == "old" {
		return f.Lines[i].Kind != '+'
	}
	return f.Lines[i].Kind != '-'
}

// Number is line i's number on side.
func (f *File) Number(side string, i int) int {
	if side == "LEFT" || side == "old" {
		return f.Lines[i].Old
	}
	return f.Lines[i].New
}

// Find returns the first and last line numbers where code (consecutive lines on side, in
// one hunk) is, or false: how a forge follows a comment's lines to a new diff.
func (f *File) Find(side string, code []string) (first, last int, ok bool) {
	for i := range f.Lines {
		if !f.OnSide(side, i) {
			continue
		}
		k, j := 0, i
		lastIdx := -1
		for ; j < len(f.Lines) && k < len(code); j++ {
			if !f.OnSide(side, j) {
				continue
			}
			if f.Lines[j].Hunk != f.Lines[i].Hunk || f.Lines[j].Content != code[k] {
				break
			}
			lastIdx = j
			k++
		}
		if k == len(code) {
			return f.Number(side, i), f.Number(side, lastIdx), true
		}
	}
	return 0, 0, false
}
