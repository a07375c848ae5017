package prompts

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// SchemaVersion names the templates and the answer format; bump it whenever either
// changes. Response caches key on the rendered messages, which change with the templates
// anyway; the version also goes into the delimiter token, so two versions never share one.
const SchemaVersion = "3"

// Roles of the rendered messages.
const (
	RoleSystem = "system"
	RoleUser   = "user"
)

// Rule is a rule of the team, as the model sees it.
type Rule struct {
	ID    string
	Title string
	// Severity is "info", "warning" or "error".
	Severity string
	// Body is the rule's Markdown guidance.
	Body string
}

// Line kinds, the markers of a unified diff.
const (
	KindContext byte = ' '
	KindAdded   byte = '+'
	KindDeleted byte = '-'
)

// Line is one diff line.
type Line struct {
	// Kind is KindAdded, KindDeleted or KindContext.
	Kind byte
	// OldLine numbers a deleted line, NewLine an added or context line; the other is
	// ignored.
	OldLine, NewLine int
	// Content is the line without its marker and line ending.
	Content string
}

// Hunk is one @@ section of a file's diff, or a window of one.
type Hunk struct {
	OldStart, OldLines int
	NewStart, NewLines int
	// Section is the text after the closing @@, often the enclosing function.
	Section string
	Lines   []Line
}

// File is a file of the change, with the hunks sent for review (possibly not all of them).
type File struct {
	// Path is the path after the change; OldPath the path before it when it differs
	// (renames and copies), else "".
	Path, OldPath string
	// Status is "modified", "added", "deleted", "renamed" or "copied".
	Status string
	// Rules are the ids of the input's rules that apply to the file, in the order given;
	// the file's "rules:" line lists them, so the system message, which lists each rule
	// once for every chunk with the same rules, stays the same.
	Rules []string
	Hunks []Hunk
	// Context is code of the file's head version shown in the CONTEXT block, to read
	// around the hunks: excerpts in line order, none overlapping.
	Context []Excerpt
}

// Change is the context of the change under review.
type Change struct {
	Title, Description string
	// Instructions are the repository's extra review instructions (.reviewer.yaml). They are
	// read from the base branch, but still rendered as data the model must not obey
	// blindly.
	Instructions string
}

// Input is everything one prompt is rendered from.
type Input struct {
	// Rules are the rules that apply to the files. Render sorts them by id; a second rule
	// with an id already seen is dropped.
	Rules  []Rule
	Change Change
	Files  []File
}

// Message is one chat message.
type Message struct {
	// Role is RoleSystem or RoleUser.
	Role    string
	Content string
}

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("prompts").Option("missingkey=error").ParseFS(templateFS, "templates/*.tmpl"))

// Render renders in into two messages: the system message (instructions, then the rules
// sorted by id) and the user message (the delimiter nonce, the change context, then the
// files). The output depends only on in, so identical inputs render identical messages
// for response caches. It fails only on a line of an unknown kind.
func Render(in Input) ([]Message, error) {
	system, err := RenderSystem(in.Rules)
	if err != nil {
		return nil, err
	}
	user, err := renderUser(Nonce(in), in.Change, in.Files)
	if err != nil {
		return nil, err
	}
	return []Message{{Role: RoleSystem, Content: system}, {Role: RoleUser, Content: user}}, nil
}

// RenderSystem renders the system message alone: the stable prefix that Render puts first
// for rules. Chunking uses it to size a chunk's prefix once per rule set.
func RenderSystem(rules []Rule) (string, error) {
	sorted := slices.Clone(rules)
	slices.SortStableFunc(sorted, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })
	sorted = slices.CompactFunc(sorted, func(a, b Rule) bool { return a.ID == b.ID })
	for i := range sorted {
		r := &sorted[i]
		r.ID, r.Title, r.Severity = cleanLine(r.ID), cleanLine(r.Title), cleanLine(r.Severity)
		r.Body = flattenHeadings(strings.TrimSpace(cleanText(r.Body)))
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "system.tmpl", struct{ Rules []Rule }{sorted}); err != nil {
		return "", fmt.Errorf("render system prompt: %w", err)
	}
	return b.String(), nil
}

// NonceLen is the length of Nonce's result: 16 hex digits, 64 bits.
const NonceLen = 16

// Nonce returns the token Render puts into every delimiter line of in's user message:
// the first NonceLen hex digits of SHA-256 over everything in renders, the untrusted text
// included. Text cannot hold the hash of itself, so it cannot forge or close a block: a
// delimiter look-alike in it lacks the nonce. Being derived from in, the nonce is the
// same for the same input, which response caches keyed on the messages need, and
// different for any other.
func Nonce(in Input) string {
	h := nonceHash{h: sha256.New()}
	h.str(SchemaVersion)
	h.num(len(in.Rules))
	for _, r := range in.Rules {
		h.str(r.ID)
		h.str(r.Title)
		h.str(r.Severity)
		h.str(r.Body)
	}
	h.str(in.Change.Title)
	h.str(in.Change.Description)
	h.str(in.Change.Instructions)
	h.num(len(in.Files))
	for i := range in.Files {
		f := &in.Files[i]
		h.str(f.Path)
		h.str(f.OldPath)
		h.str(f.Status)
		h.num(len(f.Rules))
		for _, id := range f.Rules {
			h.str(id)
		}
		h.num(len(f.Hunks))
		for j := range f.Hunks {
			hk := &f.Hunks[j]
			h.num(hk.OldStart)
			h.num(hk.OldLines)
			h.num(hk.NewStart)
			h.num(hk.NewLines)
			h.str(hk.Section)
			h.num(len(hk.Lines))
			for _, l := range hk.Lines {
				h.buf = append(h.buf, l.Kind)
				h.num(l.OldLine)
				h.num(l.NewLine)
				h.str(l.Content)
			}
		}
		h.num(len(f.Context))
		for _, e := range f.Context {
			h.num(e.Start)
			h.str(e.Label)
			h.num(len(e.Lines))
			for _, l := range e.Lines {
				h.str(l)
			}
		}
	}
	return hex.EncodeToString(h.sum())[:NonceLen]
}

// nonceHash feeds length-prefixed fields to a hash through a buffer, so that no two
// inputs encode alike and a large diff costs few writes.
type nonceHash struct {
	h   hash.Hash
	buf []byte
}

func (n *nonceHash) str(s string) {
	n.buf = binary.AppendUvarint(n.buf, uint64(len(s)))
	n.buf = append(n.buf, s...)
	if len(n.buf) >= 64<<10 {
		n.h.Write(n.buf)
		n.buf = n.buf[:0]
	}
}

func (n *nonceHash) num(v int) { n.buf = binary.AppendVarint(n.buf, int64(v)) }

func (n *nonceHash) sum() []byte {
	n.h.Write(n.buf)
	return n.h.Sum(nil)
}

type userData struct {
	Nonce  string
	Change Change
	// Context is the CONTEXT block's text, all files' AppendContext; "" for none.
	Context string
	Files   []fileData
}

type fileData struct {
	Path, OldPath, Status string
	// Rules is the "rules:" list, ids joined by ", "; "" when none applies.
	Rules string
	Hunks []hunkData
}

type hunkData struct {
	OldStart, OldLines, NewStart, NewLines int
	Section                                string
	// Body is the hunk's lines, rendered by appendLines.
	Body string
}

func renderUser(nonce string, c Change, files []File) (string, error) {
	line := func(s string) string { return withoutNonce(cleanLine(s), nonce) }
	text := func(s string) string { return withoutNonce(cleanText(s), nonce) }
	data := userData{Nonce: nonce, Change: Change{
		Title:        strings.TrimSpace(line(c.Title)),
		Description:  strings.TrimSpace(text(c.Description)),
		Instructions: strings.TrimSpace(text(c.Instructions)),
	}}
	size := 1024 + len(data.Change.Title) + len(data.Change.Description) + len(data.Change.Instructions)
	var body, ctx []byte
	data.Files = make([]fileData, len(files))
	for i := range files {
		f := &files[i]
		fd := fileData{Path: line(f.Path), Status: line(f.Status), Hunks: make([]hunkData, len(f.Hunks))}
		if len(f.Rules) > 0 {
			ids := make([]string, len(f.Rules))
			for k, id := range f.Rules {
				ids[k] = line(id)
			}
			fd.Rules = strings.Join(ids, ", ")
		}
		if f.OldPath != "" && f.OldPath != f.Path {
			fd.OldPath = line(f.OldPath)
		}
		for j := range f.Hunks {
			h := &f.Hunks[j]
			var err error
			body, err = appendLines(body[:0], h.Lines)
			if err != nil {
				return "", fmt.Errorf("render %s: %w", f.Path, err)
			}
			fd.Hunks[j] = hunkData{
				OldStart: h.OldStart, OldLines: h.OldLines, NewStart: h.NewStart, NewLines: h.NewLines,
				Section: strings.TrimSpace(line(h.Section)),
				Body:    withoutNonce(string(body), nonce),
			}
			size += len(body) + 64
		}
		data.Files[i] = fd
		ctx = AppendContext(ctx, f.Path, f.Context, HunkRanges(f.Hunks))
	}
	data.Context = withoutNonce(string(ctx), nonce)
	size += len(data.Context)
	var b bytes.Buffer
	b.Grow(size)
	if err := templates.ExecuteTemplate(&b, "user.tmpl", data); err != nil {
		return "", fmt.Errorf("render user prompt: %w", err)
	}
	return b.String(), nil
}

// appendLines appends the numbered lines of a hunk to dst, one per line.
func appendLines(dst []byte, lines []Line) ([]byte, error) {
	for _, l := range lines {
		var err error
		if dst, err = AppendLine(dst, l); err != nil {
			return nil, err
		}
	}
	return dst, nil
}

// AppendLine appends l to dst exactly as Render writes it into a hunk: "42 + code",
// "42   code" or "o17 - code", with control and invisible characters escaped and a
// trailing newline (Render also removes its nonce, which text practically never holds). It allocates nothing
// when dst has room and the line needs no sanitizing, so chunking can size every line.
func AppendLine(dst []byte, l Line) ([]byte, error) {
	switch l.Kind {
	case KindAdded, KindContext:
		dst = strconv.AppendInt(dst, int64(l.NewLine), 10)
	case KindDeleted:
		dst = append(dst, 'o')
		dst = strconv.AppendInt(dst, int64(l.OldLine), 10)
	default:
		return dst, fmt.Errorf("line kind %q: want '+', '-' or ' '", l.Kind)
	}
	dst = append(dst, ' ', l.Kind, ' ')
	dst = append(dst, cleanLine(l.Content)...)
	return append(dst, '\n'), nil
}

// Sanitize returns single-line untrusted text (a path, a hunk's section) as Render
// writes it: control and invisible characters escaped as [U+XXXX].
func Sanitize(s string) string { return cleanLine(s) }
