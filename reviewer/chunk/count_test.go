package chunk_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	tiktoken "github.com/pkoukk/tiktoken-go"
	tiktoken_loader "github.com/pkoukk/tiktoken-go-loader"

	"github.com/reviewerbot/reviewer/reviewer/chunk"
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

var loadEncodings = sync.OnceValues(func() (map[string]*tiktoken.Tiktoken, error) {
	tiktoken.SetBpeLoader(tiktoken_loader.NewOfflineLoader())
	encs := map[string]*tiktoken.Tiktoken{}
	for _, name := range []string{"cl100k_base", "o200k_base"} {
		enc, err := tiktoken.GetEncoding(name)
		if err != nil {
			return nil, err
		}
		encs[name] = enc
	}
	return encs, nil
})

// fixtureDiffs returns the non-empty diffs under testdata/diffs by path.
func fixtureDiffs(t testing.TB) map[string]string {
	t.Helper()
	root := filepath.Join("..", "..", "testdata", "diffs")
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !strings.HasSuffix(path, ".diff") && !strings.HasSuffix(path, ".patch") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if len(b) > 0 {
			rel, _ := filepath.Rel(root, path)
			out[filepath.ToSlash(rel)] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCountAgainstTokenizers checks Count against the real cl100k_base and o200k_base
// tokenizers on every fixture diff: it must never undercount by more than 10%.
func TestCountAgainstTokenizers(t *testing.T) {
	if testing.Short() {
		t.Skip("tokenizes every fixture with two BPE encodings")
	}
	encs, err := loadEncodings()
	if err != nil {
		t.Fatal(err)
	}
	texts := fixtureDiffs(t)
	texts["generated/difftest-50x40"] = string(difftest.Generate(50, 40))
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, encName := range []string{"cl100k_base", "o200k_base"} {
		enc := encs[encName]
		var ratios []float64
		for _, name := range names {
			text := texts[name]
			actual := len(enc.EncodeOrdinary(text))
			est := chunk.Count(text)
			r := float64(est) / float64(actual)
			ratios = append(ratios, r)
			t.Logf("%s %-60s real %7d est %7d ratio %.3f", encName, name, actual, est, r)
			if r < 0.90 {
				t.Errorf("%s: %s: Count = %d, real %d tokens: ratio %.3f below 0.90", encName, name, est, actual, r)
			}
		}
		slices.Sort(ratios)
		t.Logf("%s: %d fixtures, ratio estimate/real min %.3f median %.3f max %.3f",
			encName, len(ratios), ratios[0], ratios[len(ratios)/2], ratios[len(ratios)-1])
	}
}

func TestCountSubadditive(t *testing.T) {
	texts := []string{"", "a", " x", "\n", "12345678", "fooBar baz", "\tif err != nil {\n\t\treturn err\n\t}\n", "日本語 text ＵＮ", "a = b >>> 3;  // x"}
	for _, a := range texts {
		for _, b := range texts {
			if ab := chunk.Count(a + b); ab > chunk.Count(a)+chunk.Count(b) {
				t.Errorf("Count(%q+%q) = %d > %d + %d", a, b, ab, chunk.Count(a), chunk.Count(b))
			}
		}
	}
	if n := testing.AllocsPerRun(10, func() { chunk.Count(texts[6]) }); n != 0 {
		t.Errorf("Count allocates %v times", n)
	}
}
