// Package difftest generates large, realistic git diffs for benchmarks of the stages that
// read diffs (diff.Parse, the filter, chunking).
package difftest

import (
	"fmt"
	"strconv"
	"strings"
)

// lang is one language's file layout and line shapes; %s takes an identifier and %d a number.
type lang struct {
	dir, ext string
	lines    []string
}

var langs = []lang{
	{"internal/service", ".go", []string{
		"\tif err := s.%s(ctx, %d); err != nil {",
		"\t\treturn fmt.Errorf(\"%s: %%w\", err)",
		"\t}",
		"\tv%d := make([]string, 0, len(%s))",
		"func (s *Server) %s(ctx context.Context, n int) error {",
		"\treturn nil",
		"}",
		"",
	}},
	{"app/handlers", ".py", []string{
		"def %s(request, limit=%d):",
		"    result = session.query(%s).filter_by(id=request.id).first()",
		"    if result is None:",
		"        raise NotFound(\"%s %d\")",
		"    return jsonify(result.to_dict())",
		"",
	}},
	{"web/src/components", ".ts", []string{
		"export function %s(props: Props): number {",
		"  const items = props.items.filter((x) => x.id !== %d);",
		"  return items.reduce((a, b) => a + b.%s, 0);",
		"}",
		"import { %s } from './%s';",
		"",
	}},
	{"server/src/main/java/com/example", ".java", []string{
		"    public int %s(int n) {",
		"        return repository.count%s(n + %d);",
		"    }",
		"    private static final int LIMIT_%d = %d;",
		"    @Override",
		"",
	}},
	{"crates/core/src", ".rs", []string{
		"pub fn %s(n: usize) -> Result<usize, Error> {",
		"    let v: Vec<u32> = (0..%d).collect();",
		"    Ok(v.len() + %s(n)?)",
		"}",
		"    #[inline]",
		"",
	}},
}

var words = []string{"load", "store", "parse", "render", "fetch", "merge", "split", "count", "index", "flush", "retry", "close"}

// rng is a small xorshift generator, so the output never depends on math/rand's algorithms.
type rng uint64

func (r *rng) next() uint64 {
	x := uint64(*r)
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	*r = rng(x)
	return x
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) } //nolint:gosec // n > 0, the result < n

// Generate returns a git diff of files files with linesPerFile changed (added plus deleted)
// lines each, in a few hunks per file with context around and between the changes. Files
// cycle through Go, Python, TypeScript, Java and Rust; every 50th file is new. The output
// depends only on the arguments.
func Generate(files, linesPerFile int) []byte {
	r := rng(0x9e3779b97f4a7c15)
	var b strings.Builder
	b.Grow(files * linesPerFile * 50)
	for i := range files {
		l := langs[i%len(langs)]
		path := fmt.Sprintf("%s/mod%03d/%s_%04d%s", l.dir, i%97, words[i%len(words)], i, l.ext)
		line := func() string {
			tmpl := l.lines[r.intn(len(l.lines))]
			var args []any
			for j := 0; j+1 < len(tmpl); j++ {
				if tmpl[j] != '%' {
					continue
				}
				switch tmpl[j+1] {
				case 's':
					args = append(args, words[r.intn(len(words))]+strconv.Itoa(r.intn(100)))
				case 'd':
					args = append(args, r.intn(1000))
				}
				j++
			}
			return fmt.Sprintf(tmpl, args...)
		}
		fmt.Fprintf(&b, "diff --git a/%s b/%s\n", path, path)
		if i%50 == 49 {
			fmt.Fprintf(&b, "new file mode 100644\nindex 0000000..%07x\n--- /dev/null\n+++ b/%s\n", r.next()&0xfffffff, path)
			fmt.Fprintf(&b, "@@ -0,0 +1,%d @@\n", linesPerFile)
			for range linesPerFile {
				b.WriteString("+" + line() + "\n")
			}
			continue
		}
		fmt.Fprintf(&b, "index %07x..%07x 100644\n--- a/%s\n+++ b/%s\n", r.next()&0xfffffff, r.next()&0xfffffff, path, path)
		hunks := 1 + r.intn(4)
		oldNo, newNo := 1+r.intn(20), 0
		newNo = oldNo
		left := linesPerFile
		for h := range hunks {
			changed := left / (hunks - h)
			left -= changed
			var body strings.Builder
			oldN, newN := 0, 0
			ctx := func(n int) {
				for range n {
					body.WriteString(" " + line() + "\n")
					oldN++
					newN++
				}
			}
			ctx(3)
			for changed > 0 {
				del := min(changed, r.intn(4))
				add := min(changed-del, 1+r.intn(4))
				for range del {
					body.WriteString("-" + line() + "\n")
				}
				for range add {
					body.WriteString("+" + line() + "\n")
				}
				oldN += del
				newN += add
				changed -= del + add
				if changed > 0 {
					ctx(1 + r.intn(3))
				}
			}
			ctx(3)
			fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@ %s\n", oldNo, oldN, newNo, newN, line())
			b.WriteString(body.String())
			gap := 5 + r.intn(40)
			oldNo += oldN + gap
			newNo += newN + gap
		}
	}
	return []byte(b.String())
}
