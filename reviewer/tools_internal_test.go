package reviewer

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// The tools' logic (limits, masking, withholding, hostile arguments) against an
// in-memory workspace; reviewer/git tests the git side on a real repository.

// plantedToken is a GitHub token the masker knows.
var plantedToken = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"

// memWorkspace is a Workspace, Lister and Grepper over files by revision.
type memWorkspace struct {
	revs  map[string]map[string]string
	reads []string // "rev:path" of every ReadFile
}

func (w *memWorkspace) ReadFile(_ context.Context, rev, p string, limit int) ([]byte, error) {
	w.reads = append(w.reads, rev+":"+p)
	s, ok := w.revs[rev][p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	if len(s) > limit {
		return nil, ErrTooLarge
	}
	return []byte(s), nil
}

func (w *memWorkspace) ListDir(_ context.Context, rev, dir string) ([]string, error) {
	seen := map[string]bool{}
	for p := range w.revs[rev] {
		rest := p
		if dir != "." {
			var ok bool
			if rest, ok = strings.CutPrefix(p, dir+"/"); !ok {
				continue
			}
		}
		name, _, isDir := strings.Cut(rest, "/")
		if isDir {
			name += "/"
		}
		seen[name] = true
	}
	if len(seen) == 0 {
		return nil, fs.ErrNotExist
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, nil
}

func (w *memWorkspace) Grep(_ context.Context, rev string, q GrepQuery) ([]GrepHit, error) {
	if q.Extended {
		return nil, fmt.Errorf("extended patterns are tested on git")
	}
	var paths []string
	for p := range w.revs[rev] {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var hits []GrepHit
	for _, p := range paths {
		if q.Glob != "" {
			if ok, _ := path.Match(q.Glob, p); !ok {
				continue
			}
		}
		for i, l := range strings.Split(w.revs[rev][p], "\n") {
			if strings.Contains(l, q.Pattern) && len(hits) < q.MaxHits {
				hits = append(hits, GrepHit{Path: p, Line: i + 1, Text: l})
			}
		}
	}
	return hits, nil
}

func testWorkspace() *memWorkspace {
	var long strings.Builder
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&long, "line %d\n", i)
	}
	return &memWorkspace{revs: map[string]map[string]string{
		"headsha": {
			"src/app.go":        "package app\n\nfunc Run() {\n\tconnect()\n}\n",
			"src/db.go":         "package app\n\nvar token = \"" + plantedToken + "\"\n\nfunc connect() {}\n",
			".env":              "DB_PASSWORD=connect-hunter2\n",
			"secrets/keep.go":   "package secrets // connect\n",
			"gen/big.txt":       long.String(),
			"docs/notes.md":     "connect here\n",
			"src/" + "x.key":    "-----BEGIN PRIVATE KEY-----\n",
			"src/bin.dat":       "a\x00b",
			"src/empty.go":      "",
			"src/connect_ok.go": "package app // connect\n",
		},
		"basesha": {
			"src/app.go": "package app\n\nfunc Run() {}\n",
		},
	}}
}

func testTools(t *testing.T, ws Workspace, opts ToolOptions) *toolSet {
	t.Helper()
	opts.Enabled, opts.Workspace = true, ws
	s := newToolSet(opts, nil, Change{HeadSHA: "headsha", BaseSHA: "basesha"},
		Filter{Ignore: []string{"secrets/**"}}, redact.New())
	if s == nil {
		t.Fatal("no tools")
	}
	return s
}

func call(name string, args any) ToolCall {
	b, _ := json.Marshal(args)
	return ToolCall{ID: "call_" + name, Name: name, Arguments: string(b)}
}

func TestToolRead(t *testing.T) {
	t.Parallel()
	ws := testWorkspace()
	tb := testTools(t, ws, ToolOptions{}).chunk()
	got := tb.Call(t.Context(), []ToolCall{
		call("read_file", map[string]any{"path": "src/db.go"}),
		call("read_file", map[string]any{"path": "src/app.go", "rev": "base", "start_line": 3, "end_line": 3}),
		call("read_file", map[string]any{"path": "gen/big.txt", "start_line": 10, "end_line": 1000000000}),
	})
	if strings.Contains(got[0], plantedToken) || !strings.Contains(got[0], "3  var token = ") {
		t.Errorf("read of src/db.go: want line 3 with the token masked:\n%s", got[0])
	}
	if !strings.Contains(got[0], "5  func connect() {}") || !strings.Contains(got[0], "<<<UNTRUSTED_") {
		t.Errorf("read of src/db.go not numbered and fenced:\n%s", got[0])
	}
	if !strings.Contains(got[1], "3  func Run() {}") || strings.Contains(got[1], "1  package") {
		t.Errorf("base line 3 only:\n%s", got[1])
	}
	if !strings.Contains(got[2], "409  line 409") || strings.Contains(got[2], "410  line 410") ||
		!strings.Contains(got[2], "at most 400 lines per read") {
		t.Errorf("a huge range is cut at 400 lines:\n%s", got[2][len(got[2])-300:])
	}
	want := []EgressFile{
		{Path: "src/db.go", Reads: []string{"read_file head lines 1-5"}},
		{Path: "src/app.go", Reads: []string{"read_file base lines 3-3"}},
		{Path: "gen/big.txt", Reads: []string{"read_file head lines 10-409"}},
	}
	if diff := cmp.Diff(want, tb.egress()); diff != "" {
		t.Errorf("egress (-want +got):\n%s", diff)
	}
}

// TestToolWithheld: a withheld or filtered file is never read, listed or searched.
func TestToolWithheld(t *testing.T) {
	t.Parallel()
	ws := testWorkspace()
	tb := testTools(t, ws, ToolOptions{}).chunk()
	got := tb.Call(t.Context(), []ToolCall{
		call("read_file", map[string]any{"path": ".env"}),
		call("read_file", map[string]any{"path": "secrets/keep.go"}),
		call("read_file", map[string]any{"path": "src/x.key"}),
		call("list_dir", map[string]any{"path": ""}),
		call("list_dir", map[string]any{"path": "secrets"}),
		call("search", map[string]any{"pattern": "connect"}),
	})
	for i := range 3 {
		if !strings.Contains(got[i], "withheld from review") {
			t.Errorf("call %d read a withheld file:\n%s", i, got[i])
		}
	}
	// Search reads the files of its hits whole, to mask them; never a withheld one.
	if slices.ContainsFunc(ws.reads, func(r string) bool {
		return !strings.HasPrefix(r, "headsha:src/") && r != "headsha:docs/notes.md" || strings.HasSuffix(r, ".key")
	}) {
		t.Errorf("the workspace was asked for withheld files: %v", ws.reads)
	}
	if strings.Contains(got[3], ".env") || strings.Contains(got[3], "secrets/") || !strings.Contains(got[3], "2 entries withheld") ||
		!strings.Contains(got[3], "src/") {
		t.Errorf("root listing shows a withheld entry:\n%s", got[3])
	}
	if !strings.Contains(got[4], "withheld from review") {
		t.Errorf("a filtered directory was listed:\n%s", got[4])
	}
	if strings.Contains(got[5], "hunter2") || strings.Contains(got[5], "secrets/keep.go") || strings.Contains(got[5], ".env") ||
		!strings.Contains(got[5], "src/app.go:4: \tconnect()") || !strings.Contains(got[5], "2 matches in files withheld") {
		t.Errorf("search shows a withheld file's hit:\n%s", got[5])
	}
}

// TestToolHostileArguments: what the model writes is refused with a reason, never used.
func TestToolHostileArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call ToolCall
		want string
	}{
		{"traversal", call("read_file", map[string]any{"path": "../etc/passwd"}), "must be clean"},
		{"inner traversal", call("read_file", map[string]any{"path": "src/../.env"}), "must be clean"},
		{"absolute", call("read_file", map[string]any{"path": "/etc/passwd"}), "relative"},
		{"option", call("read_file", map[string]any{"path": "--output=/tmp/x"}), "relative"},
		{"pathspec magic", call("read_file", map[string]any{"path": ":(top)src/app.go"}), "relative"},
		{"dot segment", call("read_file", map[string]any{"path": "./src/app.go"}), "must be clean"},
		{"control", call("read_file", map[string]any{"path": "src/app.go\nx"}), "control character"},
		{"empty", call("read_file", map[string]any{"path": ""}), "path is empty"},
		{"root", call("read_file", map[string]any{"path": "."}), "path is empty"},
		{"bad rev", call("read_file", map[string]any{"path": "src/app.go", "rev": "HEAD~3"}), `rev must be "head" or "base"`},
		{"past end", call("read_file", map[string]any{"path": "src/app.go", "start_line": 99}), "past the end: the file has 5 lines"},
		{"backwards", call("read_file", map[string]any{"path": "src/app.go", "start_line": 3, "end_line": 2}), "before start_line"},
		{"binary", call("read_file", map[string]any{"path": "src/bin.dat"}), "binary file"},
		{"missing", call("read_file", map[string]any{"path": "src/nope.go"}), "no such file"},
		{"not json", ToolCall{Name: "read_file", Arguments: `{"path":`}, "arguments are not valid"},
		{"wrong type", ToolCall{Name: "read_file", Arguments: `{"path":["a"]}`}, "arguments are not valid"},
		{"huge arguments", ToolCall{Name: "read_file", Arguments: `{"path":"` + strings.Repeat("a", 5000) + `"}`}, "arguments too long"},
		{"unknown tool", ToolCall{Name: "shell", Arguments: `{"cmd":"rm -rf /"}`}, "no such tool"},
		{"short pattern", call("search", map[string]any{"pattern": "ab"}), "at least 3"},
		{"long pattern", call("search", map[string]any{"pattern": strings.Repeat("a", 300)}), "longer than"},
		{"glob traversal", call("search", map[string]any{"pattern": "connect", "path_glob": "../**"}), "must not hold .."},
		{"glob magic", call("search", map[string]any{"pattern": "connect", "path_glob": ":(exclude)x"}), "relative"},
		{"bad glob", call("search", map[string]any{"pattern": "connect", "path_glob": "src/[a"}), "not a valid glob"},
		{"regex symbol", call("find_definition", map[string]any{"symbol": "(a+)+$"}), "one identifier"},
		{"qualified symbol", call("find_definition", map[string]any{"symbol": "pkg.Run"}), "one identifier"},
		{"list traversal", call("list_dir", map[string]any{"path": "src/../.."}), "must be clean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws := testWorkspace()
			tb := testTools(t, ws, ToolOptions{})
			got := tb.chunk().Call(t.Context(), []ToolCall{tt.call})[0]
			if !strings.Contains(got, "error: ") || !strings.Contains(got, tt.want) {
				t.Errorf("got\n%s\nwant an error saying %q", got, tt.want)
			}
			if len(ws.reads) > 0 && tt.name != "past end" && tt.name != "backwards" && tt.name != "binary" && tt.name != "missing" {
				t.Errorf("the workspace was read: %v", ws.reads)
			}
		})
	}
}

func TestToolLimits(t *testing.T) {
	t.Parallel()
	read := call("read_file", map[string]any{"path": "src/app.go"})
	t.Run("rounds", func(t *testing.T) {
		t.Parallel()
		tb := testTools(t, testWorkspace(), ToolOptions{MaxRounds: 2}).chunk()
		var offers []int
		for range 3 {
			offers = append(offers, len(tb.Offer()))
		}
		if diff := cmp.Diff([]int{4, 4, 0}, offers); diff != "" {
			t.Errorf("tools offered per round (-want +got):\n%s", diff)
		}
	})
	t.Run("calls per chunk", func(t *testing.T) {
		t.Parallel()
		tb := testTools(t, testWorkspace(), ToolOptions{MaxCalls: 2}).chunk()
		got := tb.Call(t.Context(), []ToolCall{read, read, read})
		if strings.Contains(got[1], "limit reached") || !strings.Contains(got[2], "Tool call limit reached") {
			t.Errorf("want the third call refused:\n%s", strings.Join(got, "\n---\n"))
		}
		if tb.Offer() != nil {
			t.Error("tools still offered after the call limit")
		}
	})
	t.Run("calls per change", func(t *testing.T) {
		t.Parallel()
		s := testTools(t, testWorkspace(), ToolOptions{ChangeMaxCalls: 3})
		a, b := s.chunk(), s.chunk()
		a.Call(t.Context(), []ToolCall{read, read})
		got := b.Call(t.Context(), []ToolCall{read, read})
		if strings.Contains(got[0], "limit reached") || !strings.Contains(got[1], "limit reached") {
			t.Errorf("want the change's fourth call refused:\n%s", strings.Join(got, "\n---\n"))
		}
		if b.Offer() != nil || s.chunk().Offer() != nil {
			t.Error("tools still offered after the change's call limit")
		}
	})
	t.Run("output tokens", func(t *testing.T) {
		t.Parallel()
		s := testTools(t, testWorkspace(), ToolOptions{MaxOutputTokens: 300, ChangeMaxOutputTokens: 500})
		tb := s.chunk()
		got := tb.Call(t.Context(), []ToolCall{call("read_file", map[string]any{"path": "gen/big.txt"})})[0]
		if !strings.Contains(got, "[output cut at the tool output limit]") || !strings.Contains(got, "1  line 1\n") {
			t.Errorf("want the read cut at the limit:\n%s", got)
		}
		if tb.tokens > 300 {
			t.Errorf("chunk spent %d tokens, limit 300", tb.tokens)
		}
		if tb.Offer() != nil {
			t.Error("tools still offered after the output limit")
		}
		other := s.chunk()
		got = other.Call(t.Context(), []ToolCall{call("read_file", map[string]any{"path": "gen/big.txt"})})[0]
		if s.tokens > 500 || !strings.Contains(got, "output cut") {
			t.Errorf("change spent %d tokens, limit 500:\n%s", s.tokens, got)
		}
	})
}

func TestToolSetOffered(t *testing.T) {
	t.Parallel()
	names := func(s *toolSet) []string {
		var out []string
		for _, sp := range s.specs {
			out = append(out, sp.Name)
		}
		return out
	}
	full := testTools(t, testWorkspace(), ToolOptions{})
	if diff := cmp.Diff([]string{"read_file", "search", "list_dir", "find_definition"}, names(full)); diff != "" {
		t.Errorf("git-like workspace (-want +got):\n%s", diff)
	}
	forge := TreeWorkspace(fakeTree{}, Change{})
	if diff := cmp.Diff([]string{"read_file"}, names(testTools(t, forge, ToolOptions{}))); diff != "" {
		t.Errorf("forge workspace (-want +got):\n%s", diff)
	}
	c := Change{HeadSHA: "h"}
	if newToolSet(ToolOptions{}, fakeTree{}, c, Filter{}, redact.New()) != nil {
		t.Error("tools offered while off")
	}
	if newToolSet(ToolOptions{Enabled: true}, fakeTree{}, Change{}, Filter{}, redact.New()) != nil {
		t.Error("tools offered without a head commit")
	}
	if s := newToolSet(ToolOptions{Enabled: true}, fakeTree{}, c, Filter{}, redact.New()); s == nil || len(s.specs) != 1 {
		t.Error("a DiffSource that reads trees gives no read_file")
	}
}

type fakeTree struct{ DiffSource }

func (fakeTree) Tree(context.Context, Change, string, []string) (fs.FS, error) {
	return nil, fs.ErrNotExist
}

// BenchmarkToolRead reads 40 lines of a file just under the 1 MiB read limit: the whole
// file is masked on each read, since a key's header may lie before the range.
func BenchmarkToolRead(b *testing.B) {
	var src strings.Builder
	for i := 0; src.Len() < maxReadBytes-200; i++ {
		fmt.Fprintf(&src, "func handler%d(w http.ResponseWriter, r *http.Request) { log.Printf(\"%%s\", r.URL.Path) }\n", i)
	}
	ws := &memWorkspace{revs: map[string]map[string]string{"headsha": {"big.go": src.String()}}}
	s := newToolSet(ToolOptions{Enabled: true, Workspace: ws, MaxCalls: 1 << 30, ChangeMaxCalls: 1 << 30,
		MaxOutputTokens: 1 << 30, ChangeMaxOutputTokens: 1 << 30}, nil, Change{HeadSHA: "headsha"}, Filter{}, redact.New())
	c := call("read_file", map[string]any{"path": "big.go", "start_line": 100, "end_line": 139})
	b.ReportAllocs()
	for b.Loop() {
		ws.reads = ws.reads[:0]
		if out := s.chunk().Call(b.Context(), []ToolCall{c}); !strings.Contains(out[0], "139  func handler138") {
			b.Fatal(out[0])
		}
	}
}

// TestToolNamesOnOneLine: a file name may hold a line break (git allows it), which in a
// listing would start a line of its own that looks like another entry: such a name is
// quoted. A search leaves its hits out, as a read refuses its path.
func TestToolNamesOnOneLine(t *testing.T) {
	t.Parallel()
	ws := &memWorkspace{revs: map[string]map[string]string{"headsha": {
		"src/ok.go":                     "connect()\n",
		"src/evil\nsrc/fake.go:1: x.go": "connect()\n",
	}}}
	tb := testTools(t, ws, ToolOptions{}).chunk()
	got := tb.Call(t.Context(), []ToolCall{
		call("list_dir", map[string]any{"path": "src"}),
		call("search", map[string]any{"pattern": "connect"}),
	})
	for i, out := range got {
		for line := range strings.SplitSeq(out, "\n") {
			if strings.HasPrefix(line, "src/fake.go") || strings.HasPrefix(line, "fake.go") {
				t.Errorf("result %d has a line made by a file name:\n%s", i, out)
			}
		}
	}
	if !strings.Contains(got[0], `"evil\nsrc/"`) {
		t.Errorf("the listing does not show the name, quoted:\n%s", got[0])
	}
}
