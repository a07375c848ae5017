package fakegithub

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakeforge"
)

// lineToken is a line of a head as interdiff compares them: a base line, known by its
// number (its content only when a diff shows it), or a line a diff added.
type lineToken struct {
	base    int
	content string
	known   bool
}

func (a lineToken) same(b lineToken) bool {
	return (a.base > 0 && a.base == b.base) || (a.known && b.known && a.content == b.content)
}

// interdiff is `git diff -U0 A B` of two heads on one base, worked out from the diffs
// base..A and base..B (modified and added files): a base line outside both diffs' hunks is
// the same in both heads and its content is unknown, so lines are compared by base line
// number or by content, and the diff is printed without context lines.
func (f *Server) interdiff(a, b Rev) string {
	fa, fb := f.parse(a.Diff), f.parse(b.Diff)
	var paths []string
	for _, fl := range append(slices.Clone(fa), fb...) {
		if !slices.Contains(paths, fl.NewPath) {
			paths = append(paths, fl.NewPath)
		}
	}
	var out strings.Builder
	for _, path := range paths {
		x, y := fakeforge.FindFile(fa, path), fakeforge.FindFile(fb, path)
		known := map[int]string{}
		last := 0
		for _, fl := range []*fakeforge.File{x, y} {
			if fl == nil {
				continue
			}
			for _, l := range fl.Lines {
				if l.Kind != '+' {
					known[l.Old] = l.Content
					last = max(last, l.Old)
				}
			}
		}
		left, inLeft := headLines(x, y, known, last)
		right, inRight := headLines(y, x, known, last)
		hunks := f.hunksU0(left, right)
		if len(hunks) == 0 {
			continue
		}
		mode := "100644"
		fmt.Fprintf(&out, "diff --git a/%s b/%s\n", path, path)
		minus, plus := "a/"+path, "b/"+path
		switch {
		case !inLeft:
			fmt.Fprintf(&out, "new file mode %s\n", mode)
			minus = "/dev/null"
		case !inRight:
			fmt.Fprintf(&out, "deleted file mode %s\n", mode)
			plus = "/dev/null"
		}
		fmt.Fprintf(&out, "index %s..%s", fakeforge.SHA1Hex(a.Head + path)[:7], fakeforge.SHA1Hex(b.Head + path)[:7])
		if inLeft && inRight {
			out.WriteString(" " + mode)
		}
		fmt.Fprintf(&out, "\n--- %s\n+++ %s\n%s", minus, plus, hunks)
	}
	return out.String()
}

// headLines is a file's lines in a head whose diff from the base is fl (nil: unchanged),
// up to base line last, and whether the file is there; other is the other head's diff.
func headLines(fl, other *fakeforge.File, known map[int]string, last int) ([]lineToken, bool) {
	if (fl == nil && other != nil && other.NewFile) || (fl != nil && fl.Deleted) {
		return nil, false
	}
	var out []lineToken
	next := 1
	upTo := func(n int) {
		for ; next < n; next++ {
			c, ok := known[next]
			out = append(out, lineToken{base: next, content: c, known: ok})
		}
	}
	if fl != nil {
		for _, l := range fl.Lines {
			switch l.Kind {
			case '+':
				out = append(out, lineToken{content: l.Content, known: true})
			case ' ':
				upTo(l.Old)
				out = append(out, lineToken{base: l.Old, content: l.Content, known: true})
				next = l.Old + 1
			case '-':
				upTo(l.Old)
				next = l.Old + 1
			}
		}
	}
	upTo(last + 1)
	return out, true
}

// hunksU0 prints the hunks, without context, that turn a into b: a longest common
// subsequence, deletions before insertions, as git prints them.
func (f *Server) hunksU0(a, b []lineToken) string {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i].same(b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	line := func(prefix byte, t lineToken) string {
		if !t.known {
			f.log.Problem("interdiff: base line %d changed but no diff shows it", t.base)
		}
		return string(prefix) + t.content + "\n"
	}
	span := func(start, n int) string {
		if n == 1 {
			return strconv.Itoa(start + 1)
		}
		if n == 0 {
			return strconv.Itoa(start) + ",0"
		}
		return strconv.Itoa(start+1) + "," + strconv.Itoa(n)
	}
	keep := func(i, j int) bool {
		return i < len(a) && j < len(b) && a[i].same(b[j]) && lcs[i][j] == lcs[i+1][j+1]+1
	}
	var out strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if keep(i, j) {
			i, j = i+1, j+1
			continue
		}
		var del, ins []string
		i0, j0 := i, j
		for (i < len(a) || j < len(b)) && !keep(i, j) {
			if i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]) {
				del = append(del, line('-', a[i]))
				i++
			} else {
				ins = append(ins, line('+', b[j]))
				j++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n%s%s", span(i0, len(del)), span(j0, len(ins)), strings.Join(del, ""), strings.Join(ins, ""))
	}
	return out.String()
}
