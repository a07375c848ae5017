//go:build !cgo

package treesitter

// available is false without cgo: the grammars are C, so none is compiled in.
const available = false

// Enclosing reports no scope: this build has no parser (see Lang).
func Enclosing(string, []byte, int) (start, end int, ok bool) { return 0, 0, false }

// Header reports no header: this build has no parser (see Lang).
func Header(string, []byte) (start, end int, ok bool) { return 0, 0, false }

// Constructor reports no constructor: this build has no parser (see Lang).
func Constructor(string, []byte, int) (start, end int, ok bool) { return 0, 0, false }
