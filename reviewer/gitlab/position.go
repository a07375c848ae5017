package gitlab

import (
	"crypto/sha1" //nolint:gosec // GitLab's line codes are defined with SHA-1; no security rests on them.
	"encoding/hex"
	"fmt"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
)

// line is one line of a file's diff as GitLab addresses it.
type line struct {
	kind diff.LineKind
	// old and new are the line's numbers on each side it exists on, 0 on the other.
	old, new int
	// codeOld and codeNew are GitLab's running old/new counters at the line, the numbers in
	// its line code: an added line carries the number the next old line has, a removed line
	// the number the next new line has.
	codeOld, codeNew int
}

// locate finds line n of side in f's hunks. Lines between hunks are not looked for: the
// pipeline only comments on lines of a hunk, and GitLab only shows those.
func locate(f *diff.File, side reviewer.Side, n int) (line, bool) {
	if n < 1 {
		return line{}, false
	}
	for i := range f.Hunks {
		h := &f.Hunks[i]
		o, nw := h.OldStart, h.NewStart
		for _, l := range h.Lines {
			var hit bool
			if side == reviewer.SideOld {
				hit = l.Kind != diff.Added && l.OldLine == n
			} else {
				hit = l.Kind != diff.Deleted && l.NewLine == n
			}
			if hit {
				return line{kind: l.Kind, old: l.OldLine, new: l.NewLine, codeOld: o, codeNew: nw}, true
			}
			switch l.Kind {
			case diff.Added:
				nw++
			case diff.Deleted:
				o++
			default:
				o++
				nw++
			}
		}
	}
	return line{}, false
}

// lineCode is GitLab's name of a diff line: the SHA-1 of the file's path, then the line's
// old and new counters ("<sha1>_<old>_<new>").
func lineCode(path string, l line) string {
	sum := sha1.Sum([]byte(path)) //nolint:gosec // see the import
	return fmt.Sprintf("%s_%d_%d", hex.EncodeToString(sum[:]), l.codeOld, l.codeNew)
}

// position builds the text position of a finding: the version's three SHAs, both paths,
// and the line (the last line of a range, which GitLab's suggestions count from) as
// new_line only when added, old_line only when removed, both for a context line. A range
// adds line_range with the line codes of its first and last lines.
func position(v *version, f *diff.File, fd reviewer.Finding) (*gl.PositionOptions, error) {
	side := fd.Side
	if side == "" {
		side = reviewer.SideNew
	}
	last := max(fd.EndLine, fd.Line)
	end, ok := locate(f, side, last)
	if !ok {
		return nil, fmt.Errorf("%s line %d is not in GitLab's diff of %s", side, last, fd.Path)
	}
	oldPath, newPath := f.OldPath, f.NewPath
	if oldPath == "" {
		oldPath = newPath
	}
	if newPath == "" {
		newPath = oldPath
	}
	p := &gl.PositionOptions{
		BaseSHA:      gl.Ptr(v.base),
		StartSHA:     gl.Ptr(v.start),
		HeadSHA:      gl.Ptr(v.head),
		PositionType: gl.Ptr("text"),
		OldPath:      gl.Ptr(oldPath),
		NewPath:      gl.Ptr(newPath),
	}
	p.OldLine, p.NewLine = numbers(end)
	if last > fd.Line {
		start, ok := locate(f, side, fd.Line)
		if !ok {
			return nil, fmt.Errorf("%s line %d is not in GitLab's diff of %s", side, fd.Line, fd.Path)
		}
		p.LineRange = &gl.LineRangeOptions{
			Start: rangeEnd(newPath, start),
			End:   rangeEnd(newPath, end),
		}
	}
	return p, nil
}

// numbers returns old_line and new_line for l: nil where the line does not exist.
func numbers(l line) (oldLine, newLine *int64) {
	if l.old > 0 {
		oldLine = gl.Ptr(int64(l.old))
	}
	if l.new > 0 {
		newLine = gl.Ptr(int64(l.new))
	}
	return oldLine, newLine
}

func rangeEnd(path string, l line) *gl.LinePositionOptions {
	typ := "old"
	if l.kind == diff.Added {
		typ = "new"
	}
	e := &gl.LinePositionOptions{LineCode: gl.Ptr(lineCode(path, l)), Type: gl.Ptr(typ)}
	e.OldLine, e.NewLine = numbers(l)
	return e
}
