package scope

import "bytes"

// lineIndex holds where each line of a source starts.
type lineIndex struct {
	src    []byte
	starts []int // starts[i] is the offset of line i+1
}

func newLineIndex(src []byte) *lineIndex {
	li := &lineIndex{src: src}
	if len(src) == 0 {
		return li
	}
	li.starts = make([]int, 0, bytes.Count(src, []byte{'\n'})+1)
	li.starts = append(li.starts, 0)
	for i, b := range src {
		if b == '\n' && i+1 < len(src) {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

// count is the number of lines; a final line without a newline counts.
func (li *lineIndex) count() int { return len(li.starts) }

// line returns line n (from 1) without its line ending.
func (li *lineIndex) line(n int) []byte {
	s := li.starts[n-1]
	e := len(li.src)
	if n < len(li.starts) {
		e = li.starts[n]
	}
	l := li.src[s:e]
	l = bytes.TrimSuffix(l, []byte{'\n'})
	return bytes.TrimSuffix(l, []byte{'\r'})
}
