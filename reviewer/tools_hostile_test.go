package reviewer

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer/redact"
)

// countingTree is a forge-like TreeReader and FileReader over many files: Tree reads every
// file under the paths it is asked for, one request each, as the forges' adapters do; it
// counts the files it read.
type countingTree struct {
	DiffSource
	files fstest.MapFS

	mu   sync.Mutex
	read int
}

func (c *countingTree) Tree(_ context.Context, _ Change, _ string, paths []string) (fs.FS, error) {
	out := fstest.MapFS{}
	for name, f := range c.files {
		for _, p := range paths {
			if name == p || strings.HasPrefix(name, p+"/") {
				c.mu.Lock()
				c.read++
				c.mu.Unlock()
				out[name] = f
			}
		}
	}
	return out, nil
}

func (c *countingTree) ReadFile(_ context.Context, _ Change, _, p string) ([]byte, error) {
	f, ok := c.files[p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	c.mu.Lock()
	c.read++
	c.mu.Unlock()
	return f.Data, nil
}

// TestToolReadDirectory: read_file on a directory, through a forge or a clone, must not
// read every file under it (one API request each, or every blob of it fetched and held in
// memory): a model steered by the change could otherwise spend the bot's rate limit or
// memory with a dozen calls.
func TestToolReadDirectory(t *testing.T) {
	t.Parallel()
	tr := &countingTree{files: fstest.MapFS{"src/app.go": {Data: []byte("package app\n")}}}
	for i := range 500 {
		tr.files[fmt.Sprintf("lib/pkg%d/x.go", i)] = &fstest.MapFile{Data: []byte("package x\n")}
	}
	c := Change{HeadSHA: "headsha", BaseSHA: "basesha"}
	s := newToolSet(ToolOptions{Enabled: true}, tr, c, Filter{}, redact.New())
	if s == nil {
		t.Fatal("no tools")
	}
	got := s.chunk().Call(t.Context(), []ToolCall{
		call("read_file", map[string]any{"path": "lib"}),
		call("read_file", map[string]any{"path": "src/app.go"}),
	})
	if !strings.Contains(got[0], "error: ") {
		t.Errorf("read_file of a directory:\n%s", got[0])
	}
	if !strings.Contains(got[1], "package app") {
		t.Errorf("read_file of a file:\n%s", got[1])
	}
	if tr.read > 1 {
		t.Errorf("two read_file calls read %d files: a directory was read whole", tr.read)
	}
}

// keyBodyLine is the i-th line of a made-up key body: 64 characters of base64 mixing
// upper and lower case and digits, as a real one does.
func keyBodyLine(i int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 64)
	x := uint32(2166136261 + i*7919)
	for j := range b {
		x = x*1664525 + 1013904223
		b[j] = alphabet[(x>>24)%64]
	}
	return string(b)
}

// TestToolSearchKeyBody: a key embedded in a file that is not withheld is masked in a
// read of it whole; a search that hits one line of its body must not show that line
// bare, though the line alone, without its BEGIN, does not look like a key. A model
// steered by the change could otherwise pull the key out one line per search.
func TestToolSearchKeyBody(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("tls:\n  key: |\n    -----BEGIN RSA PRIVATE KEY-----\n")
	for i := range 20 {
		b.WriteString("    " + keyBodyLine(i) + "\n")
	}
	b.WriteString("    -----END RSA PRIVATE KEY-----\n")
	ws := &memWorkspace{revs: map[string]map[string]string{"headsha": {"deploy/values.yaml": b.String()}}}
	tb := testTools(t, ws, ToolOptions{}).chunk()
	secret := keyBodyLine(7)
	got := tb.Call(t.Context(), []ToolCall{
		call("search", map[string]any{"pattern": secret[10:22]}),
		call("read_file", map[string]any{"path": "deploy/values.yaml"}),
	})
	if strings.Contains(got[1], secret) {
		t.Fatalf("read_file shows the key body:\n%s", got[1])
	}
	if strings.Contains(got[0], secret) || !strings.Contains(got[0], "deploy/values.yaml:11:") {
		t.Errorf("search shows a line of the key body bare, or not the hit:\n%s", got[0])
	}
}

// TestToolSearchMaskBound: masking whole files costs what the files weigh, so one
// search reads at most maxHitFileBytes of them; the hits past that are not shown.
func TestToolSearchMaskBound(t *testing.T) {
	t.Parallel()
	files := map[string]string{}
	filler := strings.Repeat("x = 1\n", 900<<10/6)
	for i := range 10 {
		files[fmt.Sprintf("src/f%d.go", i)] = "needle\n" + filler
	}
	ws := &memWorkspace{revs: map[string]map[string]string{"headsha": files}}
	got := testTools(t, ws, ToolOptions{}).chunk().Call(t.Context(), []ToolCall{call("search", map[string]any{"pattern": "needle"})})[0]
	if n := strings.Count(got, ":1: needle"); n == 0 || n > maxHitFileBytes/(900<<10) {
		t.Errorf("%d files' hits shown, want 1 to %d:\n%s", n, maxHitFileBytes/(900<<10), got)
	}
	if !strings.Contains(got, "matches in files too large to read, or not text, not shown") {
		t.Errorf("the hits past the bound are not said to be left out:\n%s", got)
	}
}
