package diff

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The reasons Parse gives, wrapped in an *InputError, for input that is not a diff at all. A
// caller that knows where the input came from (a file, stdin) can say so, with errors.Is.
var (
	// ErrNoDiff is text that holds no diff: a README, a log, a commit message.
	ErrNoDiff = errors.New("no diff")
	// ErrBinary is input that is not text: an image, an archive, a UTF-16 file.
	ErrBinary = errors.New("binary data")
	// ErrColor is a diff with the ANSI colour codes of git diff --color=always (or of
	// color.ui=always); StripColor removes them.
	ErrColor = errors.New("ANSI colour codes")
)

// InputError says why input is not a diff at all: text with no diff in it, binary data, or a
// coloured diff. Parse returns it inside a *ParseError, which gives the line.
type InputError struct {
	// Reason is ErrNoDiff, ErrBinary or ErrColor.
	Reason error
	// Detail says what was found, as `it starts with "# My project"`.
	Detail string
}

// Error returns `reason: detail`.
func (e *InputError) Error() string { return fmt.Sprintf("%v: %s", e.Reason, e.Detail) }

// Unwrap returns the reason.
func (e *InputError) Unwrap() error { return e.Reason }

func inputError(line int, reason error, detail string) error {
	return &ParseError{Line: line, Err: &InputError{Reason: reason, Detail: detail}}
}

// sniffLen is how much of the input is looked at for binary data: git's own heuristic
// (buffer_is_binary) looks for a NUL byte in the first 8000 bytes.
const sniffLen = 8000

var utf8BOM = []byte("\xef\xbb\xbf")

// checkInput refuses input that cannot be a diff, whatever follows: UTF-16, a NUL byte
// before the first hunk (where only headers and text can be), and colour codes (every line
// of a diff starts with a letter or a diff marker, never an escape). A NUL in a hunk is
// content: git diff --text and diff -a write them.
func checkInput(data []byte) error {
	if err := checkHead(data); err != nil {
		return err
	}
	if i := colorLine(data); i >= 0 {
		return inputError(lineOf(data, i), ErrColor, "git diff --color=always (or color.ui=always) wrote them; give git diff --no-color")
	}
	return nil
}

// checkHead refuses UTF-16, and a NUL byte in the first sniffLen bytes before any hunk.
func checkHead(data []byte) error {
	head := data[:min(len(data), sniffLen)]
	if bytes.HasPrefix(head, []byte("\xff\xfe")) || bytes.HasPrefix(head, []byte("\xfe\xff")) {
		return inputError(1, ErrBinary, "it is UTF-16 text (Windows PowerShell's > writes it); write the diff with git diff --output=FILE")
	}
	if i := bytes.IndexByte(head, 0); i >= 0 && !afterHunk(data, i) {
		return inputError(lineOf(data, i), ErrBinary, fmt.Sprintf("it holds a NUL byte before any hunk, and starts with the bytes % x", head[:min(len(head), 8)]))
	}
	return nil
}

// afterHunk reports whether byte offset i of data comes after the start of a hunk header.
func afterHunk(data []byte, i int) bool {
	if bytes.HasPrefix(data, []byte("@@ ")) {
		return true
	}
	h := bytes.Index(data[:i], []byte("\n@@ "))
	return h >= 0
}

// checkBinary explains input that gave no file, or an error, by what it starts with: a first
// line that is not text (not UTF-8, or with control characters) is not the start of a diff
// or of a mail or message before one, and its bytes say more than any parse error would.
func checkBinary(data []byte) error {
	first, _, _ := bytes.Cut(data[:min(len(data), sniffLen)], []byte("\n"))
	if isText(first) {
		return nil
	}
	return inputError(1, ErrBinary, fmt.Sprintf("it does not start with text but with the bytes % x", data[:min(len(data), 8)]))
}

// checkNoDiff explains why input that gave no file is not an empty diff. Blank input is an
// empty diff, and so is a format-patch of a commit that changes nothing (its "From <id> Mon
// Sep 17 00:00:00 2001" line says what it is).
func checkNoDiff(data []byte) error {
	lineNo := 0
	for line := range strings.SplitSeq(string(data), "\n") {
		lineNo++
		line = trimCR(line)
		if strings.TrimSpace(line) == "" {
			continue
		}
		if isMboxFrom(line) {
			return nil
		}
		detail := fmt.Sprintf("it starts with %q", clip(line))
		if strings.HasPrefix(line, "Only in ") {
			detail += " (diff -r without -N names new and deleted files without their lines: use diff -ruN)"
		}
		return inputError(lineNo, ErrNoDiff, detail)
	}
	return nil
}

// isMboxFrom reports whether line is the first line git format-patch writes for a commit.
func isMboxFrom(line string) bool {
	id, ok := strings.CutSuffix(strings.TrimPrefix(line, "From "), " Mon Sep 17 00:00:00 2001")
	if !ok || id == "" || len(id) == len(line) {
		return false
	}
	for _, c := range id {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// isText reports whether b is UTF-8 text without control characters other than tab, form
// feed, vertical tab, CR, LF and escape; a rune cut by the end of b counts as text.
func isText(b []byte) bool {
	if !validPrefix(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b {
			return false
		}
	}
	return true
}

// validPrefix reports whether b is valid UTF-8 but for a rune cut short at its end.
func validPrefix(b []byte) bool {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return len(b) < utf8.UTFMax && !utf8.FullRune(b)
		}
		b = b[size:]
	}
	return true
}

// lineOf returns the 1-based line of data that byte offset i is on.
func lineOf(data []byte, i int) int {
	return bytes.Count(data[:i], []byte("\n")) + 1
}

// colorLine returns the offset of the first line that starts with an escape sequence
// (ESC [), -1 when none does. No line of a diff can: hunk lines start with " ", "+", "-" or
// "\", and headers with a letter.
func colorLine(data []byte) int {
	if bytes.HasPrefix(data, []byte("\x1b[")) {
		return 0
	}
	if i := bytes.Index(data, []byte("\n\x1b[")); i >= 0 {
		return i + 1
	}
	return -1
}

// StripColor removes the colour codes git diff --color=always writes (SGR sequences, ESC [
// params m, and the erase-to-end-of-line ESC [ K some tools add) when data is a coloured
// diff, one with a line that starts with such a code; it reports whether it removed any.
// Other input, binary data included, is returned unchanged, so that a file whose own text
// holds escapes keeps them in a plain diff. In a coloured diff they cannot be told from
// git's and are removed too.
func StripColor(data []byte) ([]byte, bool) {
	if colorLine(data) < 0 || checkHead(data) != nil {
		return data, false
	}
	out := make([]byte, 0, len(data))
	for {
		i := bytes.IndexByte(data, 0x1b)
		if i < 0 {
			return append(out, data...), true
		}
		out = append(out, data[:i]...)
		data = data[i:]
		n := escapeLen(data)
		if n == 0 {
			// A lone ESC, or a sequence that is not colour: keep it as it is.
			out = append(out, data[0])
			n = 1
		}
		data = data[n:]
	}
}

// escapeLen returns the length of the SGR or EL sequence at the start of b (ESC [, digits,
// ";" or ":", then "m" or "K"), 0 when b does not start with one.
func escapeLen(b []byte) int {
	if len(b) < 3 || b[0] != 0x1b || b[1] != '[' {
		return 0
	}
	for i := 2; i < len(b); i++ {
		switch c := b[i]; {
		case c >= '0' && c <= '9', c == ';', c == ':':
		case c == 'm', c == 'K':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}
