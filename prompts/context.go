package prompts

import (
	"strconv"
)

// Excerpt is a run of lines of a file's head version shown beside its hunks as context:
// code to read, never to review.
type Excerpt struct {
	// Start is the line number of Lines[0], from 1.
	Start int
	// Label says what the excerpt is: "whole file", "enclosing scope", "file header".
	Label string
	Lines []string
}

// LineRange is a range of new-file line numbers, both ends included.
type LineRange struct{ Start, End int }

// HunkRanges returns the new-file lines that hunks show, in the order of the hunks.
func HunkRanges(hunks []Hunk) []LineRange {
	out := make([]LineRange, 0, len(hunks))
	for i := range hunks {
		if h := &hunks[i]; h.NewLines > 0 {
			out = append(out, LineRange{h.NewStart, h.NewStart + h.NewLines - 1})
		}
	}
	return out
}

// AppendContext appends the context of the file at path to dst exactly as Render writes
// it into the CONTEXT block, before it removes its nonce: a line "FILE path", then each
// excerpt under a line "== lines A-B: label", its lines numbered "42: code". Lines that
// inDiff covers are in the DIFF block already and are replaced by one line "40-45: in
// the DIFF block". It appends nothing for a file without excerpts.
func AppendContext(dst []byte, path string, excerpts []Excerpt, inDiff []LineRange) []byte {
	if len(excerpts) == 0 {
		return dst
	}
	dst = append(dst, "FILE "...)
	dst = append(dst, cleanLine(path)...)
	dst = append(dst, '\n')
	for _, e := range excerpts {
		end := e.Start + len(e.Lines) - 1
		dst = append(dst, "== lines "...)
		dst = appendRange(dst, e.Start, end)
		dst = append(dst, ": "...)
		dst = append(dst, cleanLine(e.Label)...)
		dst = append(dst, '\n')
		for i := 0; i < len(e.Lines); {
			n := e.Start + i
			if last := shownUntil(inDiff, n); last >= n {
				last = min(last, end)
				dst = appendRange(dst, n, last)
				dst = append(dst, ": in the DIFF block\n"...)
				i += last - n + 1
				continue
			}
			dst = strconv.AppendInt(dst, int64(n), 10)
			dst = append(dst, ": "...)
			dst = append(dst, cleanLine(e.Lines[i])...)
			dst = append(dst, '\n')
			i++
		}
	}
	return dst
}

func appendRange(dst []byte, a, b int) []byte {
	dst = strconv.AppendInt(dst, int64(a), 10)
	if b != a {
		dst = append(dst, '-')
		dst = strconv.AppendInt(dst, int64(b), 10)
	}
	return dst
}

// shownUntil returns the last line of the range that holds line n, or 0.
func shownUntil(rs []LineRange, n int) int {
	last := 0
	for _, r := range rs {
		if r.Start <= n && n <= r.End {
			last = max(last, r.End)
		}
	}
	return last
}

// ContextBlockBytes is the length in bytes of the CONTEXT block's delimiter lines and the
// blank line after them, which Render adds once when any file has context.
const ContextBlockBytes = len("<<<UNTRUSTED_") + NonceLen + len("_CONTEXT\n") + len("UNTRUSTED_") + NonceLen + len("_CONTEXT>>>\n\n")
