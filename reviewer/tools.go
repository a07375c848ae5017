package reviewer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/reviewerbot/reviewer/prompts"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// ToolSpec is a tool the model may call: its name, what it does, and the JSON schema of
// its arguments.
type ToolSpec struct {
	Name        string
	Description string
	Parameters  json.RawMessage
}

// ToolCall is one call the model asked for; Arguments is the JSON text it wrote.
type ToolCall struct {
	ID, Name, Arguments string
}

// Toolbox is what a Model may let the model call while it reviews one chunk. The
// pipeline sets Prompt.Tools when tools are on and a Workspace is at hand; a Model whose
// endpoint cannot call tools ignores it and answers from the prompt alone.
type Toolbox interface {
	// Offer returns the tools for the next request of the exchange, counting it as a
	// round. It returns nil once a limit is reached: that request must then ask for the
	// final answer (tool_choice "none").
	Offer() []ToolSpec
	// Call runs one round of calls and returns the content of one tool message per call,
	// in order: the output masked, fenced as untrusted data and cut to the limits. A call
	// that fails says so in its content; Call never fails as a whole.
	Call(ctx context.Context, calls []ToolCall) []string
}

// Defaults of ToolOptions.
const (
	DefaultToolRounds            = 4
	DefaultToolCalls             = 12
	DefaultToolOutputTokens      = 16000
	DefaultChangeToolCalls       = 80
	DefaultChangeToolOutputToken = 100000
)

// ToolOptions turn on the model's tools and bound them. The zero value of a limit picks
// its default.
type ToolOptions struct {
	// Enabled offers the tools when the endpoint supports tool calls.
	Enabled bool
	// Workspace reads the repository; nil uses the DiffSource when it is a TreeReader
	// (read_file and list_dir only). Search and find_definition need a Grepper.
	Workspace Workspace
	// MaxRounds, MaxCalls and MaxOutputTokens bound one chunk's exchange: requests that
	// offer tools, tool calls, and the estimated tokens of the tool output.
	MaxRounds, MaxCalls, MaxOutputTokens int
	// ChangeMaxCalls and ChangeMaxOutputTokens bound the whole change.
	ChangeMaxCalls, ChangeMaxOutputTokens int
}

func (o ToolOptions) withDefaults() ToolOptions {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxRounds, DefaultToolRounds)
	def(&o.MaxCalls, DefaultToolCalls)
	def(&o.MaxOutputTokens, DefaultToolOutputTokens)
	def(&o.ChangeMaxCalls, DefaultChangeToolCalls)
	def(&o.ChangeMaxOutputTokens, DefaultChangeToolOutputToken)
	return o
}

// Bounds of one call, whatever the budgets leave: the model's arguments are hostile.
const (
	maxToolArgs      = 4 << 10
	maxReadBytes     = 1 << 20
	maxReadLines     = 400
	maxLineRunes     = 400
	maxListEntries   = 300
	maxSearchHits    = 50
	maxDefHits       = 20
	maxPathLen       = 1024
	maxPattern       = 200
	minPattern       = 3
	maxResultTokens  = 6000
	maxHitFileBytes  = 4 << 20 // what one search reads of its hits' files, to mask them whole
	grepOverfetch    = 4       // hits asked of the Grepper per hit kept: some are withheld
	binarySniffBytes = 8000
)

// toolSet is the tools of one change, with the change-wide budget their chunks share.
type toolSet struct {
	ws     Workspace
	list   Lister  // nil: list_dir is not offered
	grep   Grepper // nil: search and find_definition are not offered
	c      Change
	filter Filter
	red    *redact.Redactor
	opts   ToolOptions
	specs  []ToolSpec

	mu            sync.Mutex
	calls, tokens int

	tracer Tracer // nil: no span for each round of calls
}

// newToolSet returns the tools of change c, or nil when they are off or nothing can read
// the repository at the change's head.
func newToolSet(opts ToolOptions, diffs DiffSource, c Change, filter Filter, red *redact.Redactor) *toolSet {
	if !opts.Enabled || c.HeadSHA == "" {
		return nil
	}
	ws := opts.Workspace
	if ws == nil {
		tr, ok := diffs.(TreeReader)
		if !ok {
			return nil
		}
		ws = TreeWorkspace(tr, c)
	}
	s := &toolSet{ws: ws, c: c, filter: filter, red: red, opts: opts.withDefaults()}
	s.list, _ = ws.(Lister)
	s.grep, _ = ws.(Grepper)
	for _, t := range prompts.Tools() {
		if s.grep == nil && (t.Name == toolSearch || t.Name == toolDefinition) || s.list == nil && t.Name == toolList {
			continue
		}
		s.specs = append(s.specs, ToolSpec{Name: t.Name, Description: t.Description, Parameters: t.Parameters})
	}
	return s
}

// The tools' names, as prompts/templates/tools.json has them.
const (
	toolRead       = "read_file"
	toolSearch     = "search"
	toolList       = "list_dir"
	toolDefinition = "find_definition"
)

// chunk returns the toolbox of one request for a chunk.
func (s *toolSet) chunk() *chunkTools {
	return &chunkTools{set: s, reads: map[string][]string{}}
}

// take reserves one call of the change's budget.
func (s *toolSet) take() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls >= s.opts.ChangeMaxCalls || s.tokens >= s.opts.ChangeMaxOutputTokens {
		return false
	}
	s.calls++
	return true
}

// spend takes want tokens of the change's budget, or what is left of it: then all is
// false and the budget is spent.
func (s *toolSet) spend(want int) (got int, all bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	left := s.opts.ChangeMaxOutputTokens - s.tokens
	if want <= left {
		s.tokens += want
		return want, true
	}
	s.tokens = s.opts.ChangeMaxOutputTokens
	return max(left, 0), false
}

func (s *toolSet) left() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls < s.opts.ChangeMaxCalls && s.tokens < s.opts.ChangeMaxOutputTokens
}

// chunkTools is the Toolbox of one chunk's exchange.
type chunkTools struct {
	set *toolSet

	mu                    sync.Mutex
	rounds, calls, tokens int
	// reads is what the tools sent, by masked path, for the egress record.
	reads map[string][]string
	order []string
}

var _ Toolbox = (*chunkTools)(nil)

// Offer implements Toolbox.
func (t *chunkTools) Offer() []ToolSpec {
	t.mu.Lock()
	defer t.mu.Unlock()
	o := t.set.opts
	if t.rounds >= o.MaxRounds || t.calls >= o.MaxCalls || t.tokens >= o.MaxOutputTokens || !t.set.left() {
		return nil
	}
	t.rounds++
	return t.set.specs
}

// Call implements Toolbox.
func (t *chunkTools) Call(ctx context.Context, calls []ToolCall) []string {
	ctx, sp := startSpan(ctx, t.set.tracer, SpanToolsRound)
	sp.SetAttributes(slog.Int("calls", len(calls)))
	defer sp.End(nil)
	out := make([]string, len(calls))
	for i, tc := range calls {
		name := tc.Name
		summary, text := "", ""
		switch {
		case !t.takeCall():
			summary, text = "not run", "Tool call limit reached: answer with what you have."
		default:
			var err error
			summary, text, err = t.run(ctx, tc)
			if err != nil {
				text = "error: " + err.Error()
			}
			text = t.fit(text)
		}
		content, err := prompts.RenderToolResult(prompts.ToolResult{Name: clipRunes(name, 64), Summary: summary, Text: text})
		if err != nil {
			content = "error: the tool result could not be shown"
		}
		out[i] = content
	}
	return out
}

func (t *chunkTools) takeCall() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls >= t.set.opts.MaxCalls || t.tokens >= t.set.opts.MaxOutputTokens || !t.set.take() {
		return false
	}
	t.calls++
	return true
}

// fit cuts text, at a line break where it can, to what the chunk's and the change's
// output budgets have left; a budget that cut an output is spent.
func (t *chunkTools) fit(text string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	const note = "\n[output cut at the tool output limit]"
	room := t.set.opts.MaxOutputTokens - t.tokens
	need := chunk.Count(text)
	if need > min(room, maxResultTokens) {
		text = cutTokens(text, min(room, maxResultTokens)-chunk.Count(note)) + note
		if room <= maxResultTokens {
			t.tokens = t.set.opts.MaxOutputTokens
		}
		need = chunk.Count(text)
	}
	got, all := t.set.spend(need)
	if !all {
		text = cutTokens(text, got-chunk.Count(note)) + note
	}
	t.tokens = min(t.tokens+chunk.Count(text), max(t.tokens, t.set.opts.MaxOutputTokens))
	return text
}

// cutTokens returns the longest prefix of whole lines of s estimated at most n tokens.
func cutTokens(s string, n int) string {
	if n <= 0 {
		return ""
	}
	end := 0
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '\n')
		next := len(s)
		if j >= 0 {
			next = i + j + 1
		}
		if chunk.Count(s[:next]) > n {
			break
		}
		end, i = next, next
	}
	return s[:end]
}

// record notes what was sent of a file for the egress record.
func (t *chunkTools) record(maskedPath, what string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.reads[maskedPath]; !ok {
		t.order = append(t.order, maskedPath)
	}
	t.reads[maskedPath] = append(t.reads[maskedPath], what)
}

// egress returns the files the tools sent from, in the order first sent.
func (t *chunkTools) egress() []EgressFile {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]EgressFile, 0, len(t.order))
	for _, p := range t.order {
		out = append(out, EgressFile{Path: p, Reads: slices.Clone(t.reads[p])})
	}
	return out
}

// run runs one call and returns a summary of what was asked and the output.
func (t *chunkTools) run(ctx context.Context, tc ToolCall) (summary, text string, err error) {
	if len(tc.Arguments) > maxToolArgs {
		return "refused", "", errors.New("arguments too long")
	}
	args := []byte(tc.Arguments)
	if len(bytes.TrimSpace(args)) == 0 {
		args = []byte("{}")
	}
	switch tc.Name {
	case toolRead:
		var a struct {
			Path      string `json:"path"`
			Rev       string `json:"rev"`
			StartLine int    `json:"start_line"`
			EndLine   int    `json:"end_line"`
		}
		if err := json.Unmarshal(args, &a); err != nil {
			return "refused", "", fmt.Errorf("arguments are not valid: %w", err)
		}
		return t.read(ctx, a.Path, a.Rev, a.StartLine, a.EndLine)
	case toolList:
		if t.set.list == nil {
			break
		}
		var a struct {
			Path string `json:"path"`
			Rev  string `json:"rev"`
		}
		if err := json.Unmarshal(args, &a); err != nil {
			return "refused", "", fmt.Errorf("arguments are not valid: %w", err)
		}
		return t.list(ctx, a.Path, a.Rev)
	case toolSearch, toolDefinition:
		if t.set.grep == nil {
			break
		}
		var a struct {
			Pattern  string `json:"pattern"`
			PathGlob string `json:"path_glob"`
			Symbol   string `json:"symbol"`
		}
		if err := json.Unmarshal(args, &a); err != nil {
			return "refused", "", fmt.Errorf("arguments are not valid: %w", err)
		}
		if tc.Name == toolSearch {
			return t.search(ctx, a.Pattern, a.PathGlob)
		}
		return t.definition(ctx, a.Symbol)
	}
	return "refused", "", errors.New("no such tool")
}

// rev maps the model's "head" or "base" onto the change's commit.
func (t *chunkTools) rev(r string) (name, sha string, err error) {
	switch r {
	case "", "head":
		return "head", t.set.c.HeadSHA, nil
	case "base":
		if t.set.c.BaseSHA == "" {
			return "", "", errors.New("the base revision is not known")
		}
		return "base", t.set.c.BaseSHA, nil
	}
	return "", "", errors.New(`rev must be "head" or "base"`)
}

// checkPath refuses a path that is not a clean relative path of the repository, or that
// the withheld list or the filter leaves out.
func (t *chunkTools) checkPath(p string) error {
	switch {
	case p == "", p == ".":
		// "." would ask a TreeReader for every file of the repository.
		return errors.New("path is empty")
	case len(p) > maxPathLen:
		return errors.New("path too long")
	case !utf8.ValidString(p) || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }):
		return errors.New("path holds a control character or a backslash")
	case strings.HasPrefix(p, "/"), strings.HasPrefix(p, "-"), strings.HasPrefix(p, ":"):
		return errors.New("path must be relative to the repository root")
	case path.Clean(p) != p || slices.Contains(strings.Split(p, "/"), ".."):
		return errors.New("path must be clean, without . or .. segments")
	}
	if why, ok := t.withheld(p); ok {
		return fmt.Errorf("withheld from review: %s", why)
	}
	return nil
}

// withheld says why p may not be shown: the withheld list, the default noise list or an
// ignore glob, as for the change's own files.
func (t *chunkTools) withheld(p string) (string, bool) {
	if why, ok := redact.Withheld(p); ok {
		return why, true
	}
	if why, _ := t.set.filter.pathReason(p); why != "" {
		return why, true
	}
	return "", false
}

// maskedPath is p as the model sees it: a secret in a file name is masked too.
func (t *chunkTools) maskedPath(p string) string {
	m, _ := t.set.red.String(p)
	return m
}

// mask masks lines of the file at p, numbered from their line numbers, exactly as the
// diff's lines of a file at p would be.
func (t *chunkTools) mask(p string, nums []int, lines []string) []string {
	h := diff.Hunk{Lines: make([]diff.Line, len(lines))}
	for i, l := range lines {
		h.Lines[i] = diff.Line{Content: l, OldLine: nums[i], NewLine: nums[i], Kind: diff.Context}
	}
	f := &diff.File{OldPath: p, NewPath: p, Hunks: []diff.Hunk{h}}
	mf, _ := t.set.red.File(f)
	out := make([]string, len(lines))
	for i, l := range mf.Hunks[0].Lines {
		out[i] = clipRunes(l.Content, maxLineRunes)
	}
	return out
}

func (t *chunkTools) read(ctx context.Context, p, r string, start, end int) (summary, text string, err error) {
	revName, sha, err := t.rev(r)
	if err != nil {
		return "refused", "", err
	}
	if err := t.checkPath(p); err != nil {
		return "refused", "", err
	}
	mp := t.maskedPath(p)
	summary = mp + " at " + revName
	data, err := t.set.ws.ReadFile(ctx, sha, p, maxReadBytes)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return summary, "", errors.New("no such file")
	case errors.Is(err, ErrTooLarge):
		return summary, "", errors.New("file too large to read")
	case err != nil:
		return summary, "", errors.New("the file could not be read")
	case bytes.IndexByte(data[:min(len(data), binarySniffBytes)], 0) >= 0:
		return summary, "", errors.New("binary file")
	}
	lines := strings.Split(strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")
	if len(data) == 0 {
		lines = nil
	}
	if start < 1 {
		start = 1
	}
	if end <= 0 || end > len(lines) {
		end = len(lines)
	}
	switch {
	case len(lines) == 0:
		return summary, "(empty file)", nil
	case start > len(lines):
		return summary, "", fmt.Errorf("start_line %d is past the end: the file has %d lines", start, len(lines))
	case end < start:
		return summary, "", errors.New("end_line is before start_line")
	}
	cut := end-start+1 > maxReadLines
	if cut {
		end = start + maxReadLines - 1
	}
	// The whole file is masked, then the range taken: a key's body is known by its
	// header, which may lie before the range.
	nums := make([]int, len(lines))
	for i := range nums {
		nums[i] = i + 1
	}
	masked := t.mask(p, nums, lines)
	var b strings.Builder
	for n := start; n <= end; n++ {
		b.WriteString(strconv.Itoa(n))
		b.WriteString("  ")
		b.WriteString(masked[n-1])
		b.WriteByte('\n')
	}
	if cut {
		fmt.Fprintf(&b, "[lines after %d not shown: at most %d lines per read]\n", end, maxReadLines)
	}
	span := fmt.Sprintf("lines %d-%d", start, end)
	t.record(mp, toolRead+" "+revName+" "+span)
	return fmt.Sprintf("%s %s of %d", summary, span, len(lines)), b.String(), nil
}

func (t *chunkTools) list(ctx context.Context, dir, r string) (summary, text string, err error) {
	revName, sha, err := t.rev(r)
	if err != nil {
		return "refused", "", err
	}
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	if dir != "." {
		if err := t.checkPath(dir); err != nil {
			return "refused", "", err
		}
	}
	mp := t.maskedPath(dir)
	summary = mp + " at " + revName
	names, err := t.set.list.ListDir(ctx, sha, dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return summary, "", errors.New("no such directory")
	case err != nil:
		return summary, "", errors.New("the directory could not be listed")
	}
	var b strings.Builder
	shown, hidden := 0, 0
	for _, name := range names {
		full := path.Join(dir, strings.TrimSuffix(name, "/"))
		if _, ok := t.withheld(full); ok {
			hidden++
			continue
		}
		if shown == maxListEntries {
			fmt.Fprintf(&b, "[more entries not shown: at most %d]\n", maxListEntries)
			break
		}
		entry := clipRunes(t.maskedPath(name), maxLineRunes)
		if strings.ContainsFunc(entry, unicode.IsControl) {
			// A name with a line break would read as two entries.
			entry = strconv.Quote(entry)
		}
		b.WriteString(entry)
		b.WriteByte('\n')
		shown++
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "[%d entries withheld from review]\n", hidden)
	}
	if shown == 0 && hidden == 0 {
		b.WriteString("(empty directory)\n")
	}
	t.record(mp, toolList+" "+revName)
	return summary, b.String(), nil
}

func (t *chunkTools) search(ctx context.Context, pattern, glob string) (summary, text string, err error) {
	switch {
	case utf8.RuneCountInString(pattern) < minPattern:
		return "refused", "", fmt.Errorf("pattern must be at least %d characters", minPattern)
	case len(pattern) > maxPattern:
		return "refused", "", fmt.Errorf("pattern longer than %d bytes", maxPattern)
	case !utf8.ValidString(pattern) || strings.ContainsAny(pattern, "\x00\n\r"):
		return "refused", "", errors.New("pattern must be one line of text")
	}
	if glob != "" {
		if err := checkGlob(glob); err != nil {
			return "refused", "", err
		}
	}
	summary = strconv.Quote(clipRunes(t.maskedPath(pattern), 80)) + " at head"
	if glob != "" {
		summary += " in " + t.maskedPath(glob)
	}
	hits, err := t.set.grep.Grep(ctx, t.set.c.HeadSHA, GrepQuery{Pattern: pattern, Glob: glob, MaxHits: maxSearchHits * grepOverfetch})
	if err != nil {
		return summary, "", errors.New("the search failed")
	}
	return summary, t.hits(ctx, toolSearch, hits, maxSearchHits), nil
}

// identifier is what find_definition accepts: one identifier of the languages it knows,
// so that the pattern built from it holds no regular expression syntax.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)

// declarations is an extended regular expression (POSIX, as git grep -E reads it) of a
// line declaring SYMBOL: after a declaring keyword of Go, Python, JavaScript/TypeScript,
// Rust, Ruby, Java/Kotlin, C#, Swift or PHP, optionally after a Go method's receiver.
const declarations = `(^|[^[:alnum:]_])(func|type|class|def|fn|struct|enum|trait|interface|module|function|const|let|var|val|typedef|union|protocol|record|object|impl)[[:space:]]+(\([^)]*\)[[:space:]]*)?[*&]?SYMBOL([^[:alnum:]_]|$)`

// DefinitionQuery is the search find_definition runs for symbol: lines declaring it in
// the languages it knows, an extended pattern safe to run, since symbol is one
// identifier. It fails for anything else.
func DefinitionQuery(symbol string, maxHits int) (GrepQuery, error) {
	if !identifier.MatchString(symbol) {
		return GrepQuery{}, errors.New("symbol must be one identifier: letters, digits and _")
	}
	return GrepQuery{Pattern: strings.ReplaceAll(declarations, "SYMBOL", symbol), Extended: true, MaxHits: maxHits}, nil
}

func (t *chunkTools) definition(ctx context.Context, symbol string) (summary, text string, err error) {
	q, err := DefinitionQuery(symbol, maxDefHits*grepOverfetch)
	if err != nil {
		return "refused", "", err
	}
	summary = symbol + " at head"
	hits, err := t.set.grep.Grep(ctx, t.set.c.HeadSHA, q)
	if err != nil {
		return summary, "", errors.New("the search failed")
	}
	return summary, t.hits(ctx, toolDefinition, hits, maxDefHits), nil
}

// hits renders search hits as "path:line: text", masked, without those in withheld or
// filtered files, at most limit of them.
func (t *chunkTools) hits(ctx context.Context, tool string, hits []GrepHit, limit int) string {
	var kept []GrepHit
	hidden, unmasked := 0, 0
	budget := maxHitFileBytes
	for _, h := range hits {
		if t.checkPath(h.Path) != nil {
			hidden++
			continue
		}
		if len(kept) < limit {
			kept = append(kept, h)
		}
	}
	var b strings.Builder
	for i := 0; i < len(kept); {
		j := i
		for j < len(kept) && kept[j].Path == kept[i].Path {
			j++
		}
		p := kept[i].Path
		// The hits are masked with the whole file, as read_file masks it: a line of a
		// key's body is known as one only by the header above it. A file that can not
		// be read whole shows none of its hits.
		whole, n, ok := t.maskedFile(ctx, p, min(maxReadBytes, budget))
		budget -= n
		var nums []int
		mp := t.maskedPath(p)
		for _, h := range kept[i:j] {
			if !ok || h.Line < 1 || h.Line > len(whole) {
				unmasked++
				continue
			}
			nums = append(nums, h.Line)
			fmt.Fprintf(&b, "%s:%d: %s\n", mp, h.Line, whole[h.Line-1])
		}
		if len(nums) > 0 {
			t.record(mp, tool+" head lines "+joinInts(nums))
		}
		i = j
	}
	switch {
	case len(kept) == 0 && hidden == 0:
		b.WriteString("(no matches)\n")
	case len(hits) > len(kept)+hidden:
		fmt.Fprintf(&b, "[more matches not shown: at most %d]\n", limit)
	}
	if hidden > 0 {
		fmt.Fprintf(&b, "[%d matches in files withheld from review not shown]\n", hidden)
	}
	if unmasked > 0 {
		fmt.Fprintf(&b, "[%d matches in files too large to read, or not text, not shown]\n", unmasked)
	}
	return b.String()
}

// maskedFile returns the lines of the file at p at the change's head, masked whole as
// read_file masks them, and the bytes it read; ok is false when it can not be read whole
// within limit bytes.
func (t *chunkTools) maskedFile(ctx context.Context, p string, limit int) (lines []string, n int, ok bool) {
	if limit <= 0 {
		return nil, 0, false
	}
	data, err := t.set.ws.ReadFile(ctx, t.set.c.HeadSHA, p, limit)
	if err != nil || bytes.IndexByte(data[:min(len(data), binarySniffBytes)], 0) >= 0 {
		return nil, len(data), false
	}
	raw := strings.Split(strings.TrimSuffix(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n"), "\n")
	nums := make([]int, len(raw))
	for i := range nums {
		nums[i] = i + 1
	}
	return t.mask(p, nums, raw), len(data), true
}

// checkGlob refuses a glob that is not a plain relative doublestar pattern.
func checkGlob(g string) error {
	switch {
	case len(g) > maxPathLen:
		return errors.New("path_glob too long")
	case strings.HasPrefix(g, "/"), strings.HasPrefix(g, "-"), strings.HasPrefix(g, ":"):
		return errors.New("path_glob must be relative to the repository root")
	case strings.ContainsFunc(g, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }):
		return errors.New("path_glob holds a control character or a backslash")
	case slices.Contains(strings.Split(g, "/"), ".."):
		return errors.New("path_glob must not hold .. segments")
	case !doublestar.ValidatePattern(g):
		return errors.New("path_glob is not a valid glob")
	}
	return nil
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// clipRunes cuts s to n runes, marking the cut.
func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
