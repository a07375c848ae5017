package diff

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	godiff "github.com/sourcegraph/go-diff/diff"
)

// ParseError is the error Parse returns for a malformed diff. It names the line of the input
// (1-based) and, when known, the file whose diff was being read.
type ParseError struct {
	// Line is the 1-based line number in the input where the problem was found.
	Line int
	// Path is the file being parsed, "" when the problem is outside any file.
	Path string
	// Err says what is wrong.
	Err error
}

// Error returns `parse diff: line N (file "path"): what is wrong`.
func (e *ParseError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("parse diff: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("parse diff: line %d (file %q): %v", e.Line, e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads a unified diff: the output of git diff, git format-patch (mail headers and the
// diffstat before the first file are skipped, and so is a trailing "-- " signature), hg diff,
// svn diff, or a plain diff -u with ---/+++ headers. Text between files that is not part of a
// diff (svn's "Index:" and "====" lines, hg's "diff -r" line) is skipped, as git apply does; a
// hunk whose lines do not match the counts in its header is an error, and so is a file header
// that no hunk follows, which is what a diff cut short inside its headers leaves. Empty or
// blank input gives no files and no error (so does a format-patch of a commit that changes
// nothing); a UTF-8 byte order mark at the start is skipped.
//
// Input that is not a diff at all gives an *InputError: text with no diff in it (ErrNoDiff),
// binary data (ErrBinary), and a diff coloured by git diff --color=always (ErrColor; see
// StripColor).
//
// Paths lose git's a/ and b/ prefixes, and the i/ w/ c/ o/ (and 1/ 2/) pairs that
// diff.mnemonicPrefix writes, but only when the "diff --git" line (or, without one, the ---/+++
// pair) shows such a pair, so the paths of a --no-prefix diff are kept as they are.
//
// Every file must be reviewed under a path of its own. A format-patch series that changes a
// file in more than one patch numbers each patch against a different version of the file, so
// it is an error: review the combined diff instead.
//
// github.com/sourcegraph/go-diff reads each file's header lines: the names on the ---/+++
// lines, and the names of a git file without hunks. The rest is read here (the package doc
// says why): where a file's headers end, what git's extended headers and binary markers say,
// and the hunks, split by the counts in their headers, so that CRLF endings and "\ No newline
// at end of file" markers are kept, every line gets exact old/new numbers, and a line that
// merely starts with "--- " or "diff " inside a hunk is still content. Line.Content shares
// memory with data, which Parse takes over: the caller must not modify data afterwards.
//
// Parse never panics. A malformed diff gives a *ParseError naming the input line and the file.
func Parse(data []byte) ([]*File, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	if len(data) == 0 {
		return nil, nil
	}
	if err := checkInput(data); err != nil {
		return nil, err
	}
	// No copy: on the largest diffs a second copy of the input was a fifth of the review's
	// peak memory. The caller hands data over (see above).
	p := &parser{src: unsafe.String(&data[0], len(data))} //nolint:gosec // data is not modified after: Parse takes it over
	files, err := p.parse()
	if err != nil || len(files) == 0 {
		if berr := checkBinary(data); berr != nil {
			return nil, berr
		}
	}
	if err == nil && len(files) == 0 {
		err = checkNoDiff(data)
	}
	return files, err
}

type parser struct {
	src    string
	pos    int // byte offset of the next unread line
	lineNo int // 1-based number of the next unread line, minus one

	// lines is an arena for every Line of the diff: allocated once, with room for every
	// line of the input that is left, so hunks take sub-slices of it.
	lines []Line

	// hdr is the buffer go-diff reads every file's header through: go-diff would make
	// one of 4 KiB per file, a fifth of what parsing the 100k-line diff allocated.
	hdr *bufio.Reader

	// ext holds the extended header lines of the file being read, reused from file to file.
	ext []string
}

// peek returns the next line without its "\n" (a trailing "\r" is kept).
func (p *parser) peek() (string, bool) {
	if p.pos >= len(p.src) {
		return "", false
	}
	rest := p.src[p.pos:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		return rest[:i], true
	}
	return rest, true
}

// peek2 returns the line after the next one.
func (p *parser) peek2() (string, bool) {
	rest := p.src[p.pos:]
	i := strings.IndexByte(rest, '\n')
	if i < 0 {
		return "", false
	}
	rest = rest[i+1:]
	if rest == "" {
		return "", false
	}
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		return rest[:j], true
	}
	return rest, true
}

// next consumes the next line and returns it without its "\n".
func (p *parser) next() (string, bool) {
	if p.pos >= len(p.src) {
		return "", false
	}
	rest := p.src[p.pos:]
	p.lineNo++
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		p.pos += i + 1
		return rest[:i], true
	}
	p.pos = len(p.src)
	return rest, true
}

func (p *parser) errorf(line int, path, format string, args ...any) error {
	return &ParseError{Line: line, Path: path, Err: fmt.Errorf(format, args...)}
}

func (p *parser) parse() ([]*File, error) {
	var files []*File
	// last is the file just read, while nothing else has been read after it: a hunk-like
	// line right after its last hunk means that hunk's header counts were too small.
	var last *File
	// seen holds, by the path it is reviewed under, the latest file read.
	var seen map[string]*File
	for {
		line, ok := p.peek()
		if !ok {
			return files, nil
		}
		startLine := p.lineNo + 1
		var f *File
		var err error
		switch {
		case strings.HasPrefix(line, "diff --git "):
			f, err = p.parseGitFile()
		case strings.HasPrefix(line, "--- ") && p.nextIsPlusHeader():
			f, err = p.parseUnifiedFile()
		case strings.HasPrefix(line, "@@ -"):
			return nil, p.errorf(p.lineNo+1, "", "hunk header %q without a file header", trimCR(line))
		default:
			if last != nil && len(last.Hunks) > 0 && isStrayHunkLine(line) {
				h := last.Hunks[len(last.Hunks)-1]
				return nil, p.errorf(p.lineNo+1, last.Path(), "hunk %s has more lines than its header says", hunkHeader(h))
			}
			last = nil
			p.next()
			continue
		}
		if err != nil {
			return nil, err
		}
		if seen == nil {
			seen = make(map[string]*File)
		}
		if err := checkRepeat(seen, last, f, startLine); err != nil {
			return nil, err
		}
		files = append(files, f)
		last = f
	}
}

// checkRepeat records f in seen and fails when an earlier file has the same path. A
// format-patch series (git format-patch --stdout A..B, a forge's .patch of a change) holds one
// diff per commit, each numbered against the file as the commit before left it: findings on a
// later patch's lines would land on the wrong lines, and the file would count twice. Merging
// the patches would need the intermediate contents, which a diff does not carry.
//
// One git diff names each path once, with one exception: a type change (a file becoming a
// symlink or a submodule, or back) is written as the deletion of the path directly followed by
// its addition. prev is the file read just before f, nil when other text came between them.
func checkRepeat(seen map[string]*File, prev, f *File, line int) error {
	path := f.Path()
	if earlier, ok := seen[path]; ok && (earlier != prev || !isTypeChange(prev, f)) {
		return &ParseError{Line: line, Err: fmt.Errorf(
			"%q is changed by several patches of a series; review the combined diff (git diff BASE..HEAD) instead", path)}
	}
	seen[path] = f
	return nil
}

// isTypeChange reports whether del and add are the two halves git writes for a path whose file
// type changed.
func isTypeChange(del, add *File) bool {
	if del.Status != StatusDeleted || add.Status != StatusAdded || del.OldPath != add.NewPath {
		return false
	}
	oldType, ok1 := fileType(del.OldMode)
	newType, ok2 := fileType(add.NewMode)
	return ok1 && ok2 && oldType != newType
}

// fileType returns the S_IFMT bits of a git mode: regular file, symlink or gitlink.
func fileType(mode string) (uint64, bool) {
	m, err := strconv.ParseUint(mode, 8, 32)
	if err != nil {
		return 0, false
	}
	return m & 0o170000, true
}

// isStrayHunkLine reports whether a line right after a complete hunk looks like more of it.
// "-- " (a format-patch signature), "--- " (the next file's header) and "\" are not.
func isStrayHunkLine(line string) bool {
	if line == "" {
		return false
	}
	switch line[0] {
	case '+', ' ':
		return true
	case '-':
		l := trimCR(line)
		return l != "-- " && l != "--" && !strings.HasPrefix(l, "--- ")
	}
	return false
}

func (p *parser) nextIsPlusHeader() bool {
	l, ok := p.peek2()
	return ok && strings.HasPrefix(l, "+++ ")
}

// gitHeaderPrefixes are the extended header lines git writes after "diff --git".
var gitHeaderPrefixes = []string{
	"index ", "new file mode ", "deleted file mode ", "old mode ", "new mode ",
	"similarity index ", "dissimilarity index ", "rename from ", "rename to ",
	"copy from ", "copy to ", "rename old ", "rename new ",
}

func isGitHeader(line string) bool {
	for _, pre := range gitHeaderPrefixes {
		if strings.HasPrefix(line, pre) {
			return true
		}
	}
	return false
}

// parseGitFile reads one file of a git diff: the "diff --git" line, its extended headers,
// the ---/+++ lines or a binary marker, and the hunks.
func (p *parser) parseGitFile() (*File, error) {
	startLine := p.lineNo + 1
	start := p.pos
	first, _ := p.next()
	args := trimCR(strings.TrimPrefix(first, "diff --git "))
	f := &File{}
	h := gitHeader{args: args, startLine: startLine}
	h.oldName, h.newName, _ = splitGitArgs(args)
	h.oldPrefix, h.newPrefix, _ = prefixPair(h.oldName, h.newName)
	// The best name we have until the headers are read, for error messages.
	hint := strings.TrimPrefix(h.newName, h.newPrefix)
	if hint == "" {
		hint = args
	}

	ext := p.ext[:0]
	for {
		line, ok := p.peek()
		if !ok || !isGitHeader(line) {
			break
		}
		p.next()
		ext = append(ext, trimCR(line))
	}
	p.ext = ext
	end := p.pos
	if line, ok := p.peek(); ok {
		switch {
		case strings.HasPrefix(line, "--- "):
			l2, ok := p.peek2()
			if !ok || !strings.HasPrefix(l2, "+++ ") {
				return nil, p.errorf(p.lineNo+2, hint, "file header %q is not followed by a +++ line", trimCR(line))
			}
			p.next()
			if err := p.checkHeaderName(line, "--- ", hint); err != nil {
				return nil, err
			}
			p.next()
			if err := p.checkHeaderName(l2, "+++ ", hint); err != nil {
				return nil, err
			}
			h.minus, h.plus = line, l2
			end = p.pos
		case strings.HasPrefix(line, "Binary files ") && strings.HasSuffix(trimCR(line), " differ"):
			p.next()
			f.Binary = true
			end = p.pos
		case trimCR(line) == "GIT binary patch":
			p.next()
			f.Binary = true
			end = p.pos
			p.skipBinaryPatch()
		}
	}

	if err := f.applyGitHeaders(ext); err != nil {
		return nil, &ParseError{Line: startLine, Path: hint, Err: err}
	}
	h.seg, h.hdr = p.src[start:end], p.headerReader()
	if err := f.setGitNames(&h); err != nil {
		return nil, err
	}
	if h.minus == "" {
		if line, ok := p.peek(); ok && strings.HasPrefix(line, "@@ -") {
			return nil, p.errorf(p.lineNo+1, f.Path(), "hunk header %q without ---/+++ lines", trimCR(line))
		}
		return f, nil
	}
	// git writes ---/+++ lines only for a file with hunks: without one, the diff was cut.
	// The "diff --git" line names the file even when the +++ line was cut inside its name.
	if err := p.needHunk(hint, h.plus, true); err != nil {
		return nil, err
	}
	if err := p.parseHunks(f); err != nil {
		return nil, err
	}
	return f, nil
}

// checkHeaderName fails when the ---/+++ line just read names no file: "+++ " alone is
// what a diff cut inside that header leaves, and must not read as a deleted file.
func (p *parser) checkHeaderName(line, prefix, hint string) error {
	if name, _ := headerName(line, prefix); name == "" {
		return p.errorf(p.lineNo, hint, "file header %q names no file (was the diff cut short?)", trimCR(line))
	}
	return nil
}

// needHunk fails when the ---/+++ lines just read, the last of them plus, are not followed
// by a hunk: at the end of the input (the diff was cut inside its headers), before a
// combined diff's "@@@" hunk, or, when always is set, before anything else.
func (p *parser) needHunk(path, plus string, always bool) error {
	line, ok := p.peek()
	switch {
	case !ok:
		return p.errorf(p.lineNo, path, "the input ends after the file header %q, before any hunk (was the diff cut short?)", trimCR(plus))
	case strings.HasPrefix(line, "@@@"):
		return p.errorf(p.lineNo+1, path, "hunk header %q is from a combined diff of a merge, which cannot be reviewed: diff against one parent (git diff HEAD^1 HEAD)", clip(trimCR(line)))
	case always && !strings.HasPrefix(line, "@@ "):
		return p.errorf(p.lineNo+1, path, "file header %q is followed by %q, not by a hunk", trimCR(plus), clip(trimCR(line)))
	}
	return nil
}

// skipBinaryPatch consumes the base85 data of a "GIT binary patch": a "literal"/"delta" line,
// data lines and an empty line, once for each direction.
func (p *parser) skipBinaryPatch() {
	for range 2 {
		line, ok := p.peek()
		if !ok {
			return
		}
		l := trimCR(line)
		if !strings.HasPrefix(l, "literal ") && !strings.HasPrefix(l, "delta ") {
			return
		}
		p.next()
		for {
			line, ok := p.next()
			if !ok || trimCR(line) == "" {
				break
			}
		}
	}
}

// applyGitHeaders sets status, modes, similarity and rename/copy paths from git's extended
// header lines.
func (f *File) applyGitHeaders(ext []string) error {
	for _, h := range ext {
		switch {
		case strings.HasPrefix(h, "new file mode "):
			f.Status = StatusAdded
			f.NewMode = strings.TrimPrefix(h, "new file mode ")
		case strings.HasPrefix(h, "deleted file mode "):
			f.Status = StatusDeleted
			f.OldMode = strings.TrimPrefix(h, "deleted file mode ")
		case strings.HasPrefix(h, "old mode "):
			f.OldMode = strings.TrimPrefix(h, "old mode ")
		case strings.HasPrefix(h, "new mode "):
			f.NewMode = strings.TrimPrefix(h, "new mode ")
		case strings.HasPrefix(h, "similarity index "):
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(h, "similarity index "), "%"))
			if err != nil || n < 0 || n > 100 {
				return fmt.Errorf("bad similarity index %q", h)
			}
			f.Similarity = n
		case strings.HasPrefix(h, "rename from "):
			f.Status = StatusRenamed
			f.OldPath = unquotePath(strings.TrimPrefix(h, "rename from "))
		case strings.HasPrefix(h, "rename to "):
			f.Status = StatusRenamed
			f.NewPath = unquotePath(strings.TrimPrefix(h, "rename to "))
		case strings.HasPrefix(h, "rename old "):
			f.Status = StatusRenamed
			f.OldPath = unquotePath(strings.TrimPrefix(h, "rename old "))
		case strings.HasPrefix(h, "rename new "):
			f.Status = StatusRenamed
			f.NewPath = unquotePath(strings.TrimPrefix(h, "rename new "))
		case strings.HasPrefix(h, "copy from "):
			f.Status = StatusCopied
			f.OldPath = unquotePath(strings.TrimPrefix(h, "copy from "))
		case strings.HasPrefix(h, "copy to "):
			f.Status = StatusCopied
			f.NewPath = unquotePath(strings.TrimPrefix(h, "copy to "))
		case strings.HasPrefix(h, "index "):
			// "index abc..def 100644": the mode, when present, is unchanged on both sides.
			if i := strings.LastIndexByte(h, ' '); i > len("index ") {
				mode := h[i+1:]
				if f.OldMode == "" && f.Status != StatusAdded {
					f.OldMode = mode
				}
				if f.NewMode == "" && f.Status != StatusDeleted {
					f.NewMode = mode
				}
			}
		}
	}
	f.Submodule = f.OldMode == "160000" || f.NewMode == "160000"
	return nil
}

// gitHeader is what setGitNames needs of one file's git header.
type gitHeader struct {
	seg       string // the header text, from "diff --git" to the +++ line, for go-diff
	hdr       *bufio.Reader
	args      string // what follows "diff --git "
	startLine int
	// oldName and newName are the names on the "diff --git" line, with their prefixes;
	// oldPrefix and newPrefix are those prefixes when they form a pair git writes.
	oldName, newName     string
	oldPrefix, newPrefix string
	// minus and plus are the ---/+++ lines, "" when the file has none.
	minus, plus string
}

// setGitNames fills in the paths of a git file. Rename and copy headers, already applied,
// take precedence because they carry the paths without prefixes.
func (f *File) setGitNames(h *gitHeader) error {
	hasFileHeader := h.minus != ""
	oldName, newName := h.oldName, h.newName
	// Without ---/+++ lines, go-diff names the file only for the shapes git writes for a file
	// with no hunks (a new or deleted empty file, a mode change, a rename or copy, a binary
	// file), and gives no file, not an error, for the rest; the "diff --git" line names it.
	fd, err := parseHeaders(h.hdr, h.seg)
	switch {
	case err == nil && (fd.OrigName != "" || fd.NewName != ""):
		oldName, newName = fd.OrigName, fd.NewName
	case hasFileHeader:
		// go-diff rejects what it cannot read as a timestamp after the names; we never use
		// the timestamp, so read the names ourselves.
		oldName, _ = headerName(h.minus, "--- ")
		newName, _ = headerName(h.plus, "+++ ")
	}
	// git writes a/ and b/ (or, with diff.mnemonicPrefix, i/ w/ and the like) unless told
	// otherwise (--no-prefix); strip them only when the "diff --git" line shows a pair, so
	// that a real top-level directory "a" or "w" survives --no-prefix.
	if h.oldPrefix != "" {
		oldName = strings.TrimPrefix(oldName, h.oldPrefix)
		newName = strings.TrimPrefix(newName, h.newPrefix)
	}
	if oldName == "/dev/null" {
		oldName = ""
	}
	if newName == "/dev/null" {
		newName = ""
	}
	switch f.Status {
	case StatusRenamed, StatusCopied:
		if f.OldPath == "" {
			f.OldPath = oldName
		}
		if f.NewPath == "" {
			f.NewPath = newName
		}
	case StatusAdded:
		f.NewPath = newName
	case StatusDeleted:
		f.OldPath = oldName
	default:
		f.OldPath, f.NewPath = oldName, newName
		if hasFileHeader && oldName == "" && newName != "" {
			f.Status = StatusAdded
		} else if hasFileHeader && newName == "" && oldName != "" {
			f.Status = StatusDeleted
		}
	}
	if f.OldPath == "" && f.NewPath == "" {
		return &ParseError{Line: h.startLine, Err: fmt.Errorf("no file name in %q", "diff --git "+h.args)}
	}
	return nil
}

// parseHeaders runs go-diff on one file's header lines.
//
// br is reset onto seg and handed to go-diff, whose bufio.NewReader keeps a *bufio.Reader of
// at least its default size as it is: one buffer serves every file of a diff.
func parseHeaders(br *bufio.Reader, seg string) (*godiff.FileDiff, error) {
	br.Reset(strings.NewReader(seg))
	return godiff.NewFileDiffReader(br).ReadAllHeaders()
}

// headerReader returns the parser's buffer for parseHeaders.
func (p *parser) headerReader() *bufio.Reader {
	if p.hdr == nil {
		p.hdr = bufio.NewReader(strings.NewReader(""))
	}
	return p.hdr
}

// parseUnifiedFile reads one file of a plain unified diff: "--- old", "+++ new", hunks.
func (p *parser) parseUnifiedFile() (*File, error) {
	startLine := p.lineNo + 1
	start := p.pos
	p.next()
	p.next()
	seg := p.src[start:p.pos]
	minus, plus, _ := strings.Cut(strings.TrimSuffix(seg, "\n"), "\n")
	var oldName, newName, oldStamp, newStamp string
	if fd, err := parseHeaders(p.headerReader(), seg); err == nil {
		oldName, newName = fd.OrigName, fd.NewName
	} else {
		// go-diff rejects what it cannot read as a timestamp after the names (hg's "Thu Jan
		// 01 00:00:00 1970 +0000", svn's "(revision 10)"); we never use the timestamp.
		oldName, oldStamp = headerName(minus, "--- ")
		newName, newStamp = headerName(plus, "+++ ")
	}
	// diff -ru a b, hg, and tools imitating git write a/ and b/; strip them only as a pair,
	// or as git's mnemonic prefixes. svn writes paths as they are, and marks the missing
	// side of an added or deleted file "(nonexistent)" (before svn 1.9, an added file's old
	// side was "(revision 0)").
	switch {
	case isSVNStamp(oldStamp) && isSVNStamp(newStamp):
		if oldStamp == "(nonexistent)" || oldStamp == "(revision 0)" {
			oldName = "/dev/null"
		}
		if newStamp == "(nonexistent)" {
			newName = "/dev/null"
		}
	case oldName == "/dev/null" && strings.HasPrefix(newName, "b/"):
		newName = strings.TrimPrefix(newName, "b/")
	case newName == "/dev/null" && strings.HasPrefix(oldName, "a/"):
		oldName = strings.TrimPrefix(oldName, "a/")
	default:
		if oldPrefix, newPrefix, ok := prefixPair(oldName, newName); ok {
			oldName = strings.TrimPrefix(oldName, oldPrefix)
			newName = strings.TrimPrefix(newName, newPrefix)
		}
	}
	f := &File{}
	switch {
	case oldName == "" || newName == "":
		// A "+++ " cut before its name ends up here too.
		return nil, &ParseError{Line: startLine, Err: errors.New("file header without a file name")}
	case oldName == "/dev/null" && newName == "/dev/null":
		return nil, &ParseError{Line: startLine, Err: errors.New("both file names are /dev/null")}
	case oldName == "/dev/null":
		f.Status, f.NewPath = StatusAdded, newName
	case newName == "/dev/null":
		f.Status, f.OldPath = StatusDeleted, oldName
	default:
		f.OldPath, f.NewPath = oldName, newName
	}
	// Other tools may write ---/+++ without a hunk (svn, before its "Property changes"
	// block): only the end of the input and a combined diff are sure to be wrong.
	if err := p.needHunk(f.Path(), plus, false); err != nil {
		return nil, err
	}
	if err := p.parseHunks(f); err != nil {
		return nil, err
	}
	return f, nil
}

// parseHunks reads the hunks that follow a file's ---/+++ lines.
func (p *parser) parseHunks(f *File) error {
	for {
		line, ok := p.peek()
		if !ok || !strings.HasPrefix(line, "@@ ") {
			return nil
		}
		headerLine := p.lineNo + 1
		p.next()
		header := trimCR(line)
		h, err := parseHunkHeader(header)
		if err != nil {
			return p.errorf(headerLine, f.Path(), "hunk header %q: %v", header, err)
		}
		if n := len(f.Hunks); n > 0 {
			if err := checkOrder(&f.Hunks[n-1], &h); err != nil {
				return p.errorf(headerLine, f.Path(), "hunk header %q: %v", header, err)
			}
		} else if oldLo(&h) != newLo(&h) {
			return p.errorf(headerLine, f.Path(), "hunk header %q: %d unchanged lines before it in the old file but %d in the new",
				header, oldLo(&h)-1, newLo(&h)-1)
		}
		if err := p.parseHunkBody(f, &h, header); err != nil {
			return err
		}
		f.Hunks = append(f.Hunks, h)
	}
}

// checkOrder checks that hunk h starts after prev ends and that the unchanged stretch between
// them has the same length on both sides, which makes line mapping between hunks exact.
func checkOrder(prev, h *Hunk) error {
	oldGap := oldLo(h) - oldHi(prev)
	newGap := newLo(h) - newHi(prev)
	if oldGap < 0 || newGap < 0 {
		return errors.New("overlaps the previous hunk or comes before it")
	}
	if oldGap != newGap {
		return fmt.Errorf("%d unchanged lines after the previous hunk in the old file but %d in the new", oldGap, newGap)
	}
	return nil
}

// parseHunkBody reads the lines of one hunk, as many as its header counts.
func (p *parser) parseHunkBody(f *File, h *Hunk, header string) error {
	if p.lines == nil {
		// One allocation for every line left in the input: no hunk can need more.
		p.lines = make([]Line, 0, strings.Count(p.src[p.pos:], "\n")+1)
	}
	first := len(p.lines)
	oldLeft, newLeft := h.OldLines, h.NewLines
	oldNo, newNo := h.OldStart, h.NewStart
	for oldLeft > 0 || newLeft > 0 {
		raw, ok := p.next()
		if !ok {
			return p.errorf(p.lineNo, f.Path(), "hunk %s ends early: %d old and %d new lines missing at end of input", header, oldLeft, newLeft)
		}
		var l Line
		if raw == "" {
			// A context line whose lone space was stripped, as some tools do; git apply
			// accepts it too.
			raw = " "
		}
		switch raw[0] {
		case ' ':
			if oldLeft == 0 || newLeft == 0 {
				return p.errorf(p.lineNo, f.Path(), "hunk %s has more context lines than its header says", header)
			}
			l = Line{Kind: Context, OldLine: oldNo, NewLine: newNo}
			oldNo++
			newNo++
			oldLeft--
			newLeft--
		case '-':
			if oldLeft == 0 {
				return p.errorf(p.lineNo, f.Path(), "hunk %s has more deleted lines than its header says", header)
			}
			l = Line{Kind: Deleted, OldLine: oldNo}
			oldNo++
			oldLeft--
		case '+':
			if newLeft == 0 {
				return p.errorf(p.lineNo, f.Path(), "hunk %s has more added lines than its header says", header)
			}
			l = Line{Kind: Added, NewLine: newNo}
			newNo++
			newLeft--
		case '\\':
			if len(p.lines) == first {
				return p.errorf(p.lineNo, f.Path(), "hunk %s: %q before any line", header, trimCR(raw))
			}
			p.lines[len(p.lines)-1].NoNewline = true
			continue
		default:
			return p.errorf(p.lineNo, f.Path(), "hunk %s has too few lines: %d old and %d new lines missing before %q",
				header, oldLeft, newLeft, clip(trimCR(raw)))
		}
		content := raw[1:]
		if n := len(content); n > 0 && content[n-1] == '\r' {
			content = content[:n-1]
			l.CRLF = true
		}
		l.Content = content
		p.lines = append(p.lines, l)
	}
	// The marker for the hunk's last line comes after the counts are used up.
	if line, ok := p.peek(); ok && strings.HasPrefix(line, `\`) {
		p.next()
		if len(p.lines) == first {
			return p.errorf(p.lineNo, f.Path(), "hunk %s: %q without a line before it", header, trimCR(line))
		}
		p.lines[len(p.lines)-1].NoNewline = true
	}
	h.Lines = p.lines[first:len(p.lines):len(p.lines)]
	return nil
}

// maxLineNumber bounds hunk header numbers so that arithmetic on them cannot overflow.
const maxLineNumber = 1 << 31

// parseHunkHeader parses "@@ -a[,b] +c[,d] @@[ section]".
func parseHunkHeader(s string) (Hunk, error) {
	var h Hunk
	rest, ok := strings.CutPrefix(s, "@@ -")
	if !ok {
		return h, errors.New(`want "@@ -"`)
	}
	var err error
	if h.OldStart, h.OldLines, rest, err = parseRange(rest); err != nil {
		return h, fmt.Errorf("old range: %w", err)
	}
	if rest, ok = strings.CutPrefix(rest, " +"); !ok {
		return h, errors.New(`want " +" after the old range`)
	}
	if h.NewStart, h.NewLines, rest, err = parseRange(rest); err != nil {
		return h, fmt.Errorf("new range: %w", err)
	}
	if rest, ok = strings.CutPrefix(rest, " @@"); !ok {
		return h, errors.New(`want " @@" after the new range`)
	}
	if rest != "" && rest[0] != ' ' {
		return h, errors.New(`want a space or the end of the line after " @@"`)
	}
	h.Section = strings.TrimPrefix(rest, " ")
	return h, nil
}

// parseRange parses "start[,count]" and returns what follows it.
func parseRange(s string) (start, count int, rest string, err error) {
	start, rest, err = parseNumber(s)
	if err != nil {
		return 0, 0, "", err
	}
	count = 1
	if r, ok := strings.CutPrefix(rest, ","); ok {
		if count, rest, err = parseNumber(r); err != nil {
			return 0, 0, "", err
		}
	}
	if start == 0 && count != 0 {
		return 0, 0, "", fmt.Errorf("start 0 with %d lines", count)
	}
	if start+count > maxLineNumber {
		return 0, 0, "", errors.New("number too large")
	}
	return start, count, rest, nil
}

func parseNumber(s string) (int, string, error) {
	i, n := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		if n > maxLineNumber {
			return 0, "", errors.New("number too large")
		}
		i++
	}
	if i == 0 {
		return 0, "", errors.New("want a number")
	}
	return n, s[i:], nil
}

// hunkHeader formats a hunk's header the way git writes it, without the section.
func hunkHeader(h Hunk) string {
	return fmt.Sprintf("@@ -%d,%d +%d,%d @@", h.OldStart, h.OldLines, h.NewStart, h.NewLines)
}

// splitGitArgs splits what follows "diff --git " into the two names, unquoting C-quoted ones.
// Unquoted names with spaces are ambiguous; the split is taken where both halves name the same
// path under their a/ and b/ prefixes, else at " b/".
func splitGitArgs(args string) (oldName, newName string, ok bool) {
	if strings.HasPrefix(args, `"`) {
		end := closingQuote(args)
		if end < 0 || end+2 > len(args) || args[end+1] != ' ' {
			return "", "", false
		}
		oldName = unquotePath(args[:end+1])
		return oldName, unquotePath(args[end+2:]), true
	}
	if strings.HasSuffix(args, `"`) {
		if i := strings.Index(args, ` "`); i >= 0 {
			return args[:i], unquotePath(args[i+1:]), true
		}
	}
	if len(args)%2 == 1 {
		mid := len(args) / 2
		a, b := args[:mid], args[mid+1:]
		if args[mid] == ' ' && len(a) >= 2 && a[1] == '/' && a[1:] == b[1:] {
			return a, b, true
		}
		if args[mid] == ' ' && a == b {
			return a, b, true
		}
	}
	for _, pair := range prefixPairs {
		if strings.HasPrefix(args, pair[0]) {
			if i := strings.Index(args, " "+pair[1]); i >= 0 {
				return args[:i], args[i+1:], true
			}
		}
	}
	if i := strings.Index(args, " b/"); i >= 0 {
		return args[:i], args[i+1:], true
	}
	if i := strings.IndexByte(args, ' '); i >= 0 {
		return args[:i], args[i+1:], true
	}
	return "", "", false
}

// closingQuote returns the index of the quote that ends the C-quoted string at the start of s.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

// unquotePath decodes a C-quoted git path ("a/\346\227\245.txt", `"x\"y"`); other text is
// returned as it is. Git's escapes (\a \b \t \n \v \f \r \" \\ and three-digit octal) are a
// subset of Go's, so strconv.Unquote decodes them, octal bytes forming UTF-8.
func unquotePath(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}

// prefixPairs are the prefix pairs git puts on the old and new names: a/ b/ by default, and
// with diff.mnemonicPrefix the (i)ndex, (w)ork tree, (c)ommit and (o)bject, or 1/ 2/ for
// --no-index, in either order (-R swaps them). No pair repeats a prefix, so --no-prefix names,
// which differ only for renames and copies, are not mistaken for prefixed ones.
var prefixPairs = [...][2]string{
	{"a/", "b/"},
	{"i/", "w/"}, {"w/", "i/"},
	{"c/", "w/"}, {"w/", "c/"},
	{"c/", "i/"}, {"i/", "c/"},
	{"o/", "w/"}, {"w/", "o/"},
	{"1/", "2/"}, {"2/", "1/"},
}

// prefixPair returns the prefixes of oldName and newName when they form a pair git writes.
func prefixPair(oldName, newName string) (oldPrefix, newPrefix string, ok bool) {
	for _, pair := range prefixPairs {
		if strings.HasPrefix(oldName, pair[0]) && strings.HasPrefix(newName, pair[1]) {
			return pair[0], pair[1], true
		}
	}
	return "", "", false
}

// headerName splits a "--- " or "+++ " line, read as go-diff reads it, into the name and what
// follows the first TAB (a timestamp, or svn's revision).
func headerName(line, prefix string) (name, stamp string) {
	name, stamp, _ = strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, prefix)), "\t")
	return unquotePath(name), stamp
}

// isSVNStamp reports whether stamp is what svn writes after a name: "(revision 10)",
// "(working copy)", "(nonexistent)".
func isSVNStamp(stamp string) bool {
	return len(stamp) > 2 && stamp[0] == '(' && stamp[len(stamp)-1] == ')'
}

func trimCR(s string) string {
	return strings.TrimSuffix(s, "\r")
}

// clip shortens a line quoted in an error message.
func clip(s string) string {
	const limit = 60
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
