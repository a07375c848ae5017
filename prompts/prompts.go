package prompts

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/template"
)

// SchemaVersion names the templates and the answer format. Bump it whenever a template or
// the answer schema changes: response caches key on it, so a cached answer to an old
// prompt is never reused for a new one.
const SchemaVersion = "1"

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
	Hunks  []Hunk
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
// sorted by id) and the user message (the change context, then the files). The output
// depends only on in. It fails only on a line of an unknown kind.
func Render(in Input) ([]Message, error) {
	system, err := RenderSystem(in.Rules)
	if err != nil {
		return nil, err
	}
	user, err := renderUser(in.Change, in.Files)
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
		r.Body = strings.TrimSpace(cleanText(r.Body))
	}
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, "system.tmpl", struct{ Rules []Rule }{sorted}); err != nil {
		return "", fmt.Errorf("render system prompt: %w", err)
	}
	return b.String(), nil
}

type userData struct {
	Change Change
	Files  []fileData
}

type fileData struct {
	Path, OldPath, Status string
	Hunks                 []hunkData
}

type hunkData struct {
	OldStart, OldLines, NewStart, NewLines int
	Section                                string
	// Body is the hunk's lines, rendered by appendLines.
	Body string
}

func renderUser(c Change, files []File) (string, error) {
	data := userData{Change: Change{
		Title:        strings.TrimSpace(cleanLine(c.Title)),
		Description:  strings.TrimSpace(cleanText(c.Description)),
		Instructions: strings.TrimSpace(cleanText(c.Instructions)),
	}}
	size := 1024 + len(data.Change.Title) + len(data.Change.Description) + len(data.Change.Instructions)
	var body []byte
	data.Files = make([]fileData, len(files))
	for i := range files {
		f := &files[i]
		fd := fileData{Path: cleanLine(f.Path), Status: cleanLine(f.Status), Hunks: make([]hunkData, len(f.Hunks))}
		if f.OldPath != "" && f.OldPath != f.Path {
			fd.OldPath = cleanLine(f.OldPath)
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
				Section: strings.TrimSpace(cleanLine(h.Section)),
				Body:    string(body),
			}
			size += len(body) + 64
		}
		data.Files[i] = fd
	}
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
// "42   code" or "o17 - code", sanitized, with a trailing newline. It allocates nothing
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
// writes it: without the delimiter marker, control and invisible characters escaped.
func Sanitize(s string) string { return cleanLine(s) }
