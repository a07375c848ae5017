package diff

import "sort"

// The hunk ranges below are half-open [lo, hi) line ranges. A side with no lines ("-5,0")
// names the line after which the hunk sits, so its empty range starts one line later. Parse
// checks that hunks come in order, do not overlap, and leave unchanged stretches of the same
// length on both sides, so the lookups can binary-search the ranges and map between hunks by
// offset.

func oldLo(h *Hunk) int {
	if h.OldLines == 0 {
		return h.OldStart + 1
	}
	return h.OldStart
}

func oldHi(h *Hunk) int { return oldLo(h) + h.OldLines }

func newLo(h *Hunk) int {
	if h.NewLines == 0 {
		return h.NewStart + 1
	}
	return h.NewStart
}

func newHi(h *Hunk) int { return newLo(h) + h.NewLines }

// HunkOfNew returns the index in f.Hunks of the hunk that holds new-file line line as an
// added or context line. Two lines can share one review comment range only if they are in the
// same hunk. It takes O(log hunks).
func (f *File) HunkOfNew(line int) (int, bool) {
	i := sort.Search(len(f.Hunks), func(i int) bool { return newHi(&f.Hunks[i]) > line })
	if i < len(f.Hunks) && newLo(&f.Hunks[i]) <= line {
		return i, true
	}
	return 0, false
}

// HunkOfOld returns the index in f.Hunks of the hunk that holds old-file line line as a
// deleted or context line. It takes O(log hunks).
func (f *File) HunkOfOld(line int) (int, bool) {
	i := sort.Search(len(f.Hunks), func(i int) bool { return oldHi(&f.Hunks[i]) > line })
	if i < len(f.Hunks) && oldLo(&f.Hunks[i]) <= line {
		return i, true
	}
	return 0, false
}

// CommentableNew reports whether new-file line line is in the diff, as an added or context
// line of a hunk: the lines a forge accepts a comment on for the new side (GitHub side RIGHT,
// GitLab new_line).
func (f *File) CommentableNew(line int) bool {
	_, ok := f.HunkOfNew(line)
	return ok
}

// CommentableOld reports whether old-file line line is in the diff, as a deleted or context
// line of a hunk (GitHub side LEFT, GitLab old_line).
func (f *File) CommentableOld(line int) bool {
	_, ok := f.HunkOfOld(line)
	return ok
}

// OldToNew maps old-file line oldLine to its line in the new file. A context line inside a hunk
// maps to its NewLine; a deleted line has no counterpart and gives false. A line outside every
// hunk is unchanged, and in a unified diff its new number is exact by offset arithmetic: oldLine
// plus the lines added minus the lines deleted by the hunks before it. Whether the line exists
// at all, past the last hunk, the diff cannot say; such lines are mapped too. Lines below 1
// give false.
func (f *File) OldToNew(oldLine int) (int, bool) {
	if oldLine < 1 {
		return 0, false
	}
	i := sort.Search(len(f.Hunks), func(i int) bool { return oldHi(&f.Hunks[i]) > oldLine })
	if i < len(f.Hunks) && oldLo(&f.Hunks[i]) <= oldLine {
		h := &f.Hunks[i]
		// Every old line before this one takes at least one entry in h.Lines.
		for j := oldLine - oldLo(h); j < len(h.Lines); j++ {
			if l := &h.Lines[j]; l.OldLine == oldLine {
				if l.Kind == Context {
					return l.NewLine, true
				}
				return 0, false
			}
		}
		return 0, false
	}
	if i == 0 {
		return oldLine, true
	}
	prev := &f.Hunks[i-1]
	return oldLine + newHi(prev) - oldHi(prev), true
}

// NewToOld maps new-file line newLine to its line in the old file: the reverse of OldToNew. An
// added line gives false.
func (f *File) NewToOld(newLine int) (int, bool) {
	if newLine < 1 {
		return 0, false
	}
	i := sort.Search(len(f.Hunks), func(i int) bool { return newHi(&f.Hunks[i]) > newLine })
	if i < len(f.Hunks) && newLo(&f.Hunks[i]) <= newLine {
		h := &f.Hunks[i]
		for j := newLine - newLo(h); j < len(h.Lines); j++ {
			if l := &h.Lines[j]; l.NewLine == newLine {
				if l.Kind == Context {
					return l.OldLine, true
				}
				return 0, false
			}
		}
		return 0, false
	}
	if i == 0 {
		return newLine, true
	}
	prev := &f.Hunks[i-1]
	return newLine + oldHi(prev) - newHi(prev), true
}

// AddedLines returns the number of added lines in the file's hunks.
func (f *File) AddedLines() int { return f.count(Added) }

// DeletedLines returns the number of deleted lines in the file's hunks.
func (f *File) DeletedLines() int { return f.count(Deleted) }

func (f *File) count(k LineKind) int {
	n := 0
	for i := range f.Hunks {
		for j := range f.Hunks[i].Lines {
			if f.Hunks[i].Lines[j].Kind == k {
				n++
			}
		}
	}
	return n
}
