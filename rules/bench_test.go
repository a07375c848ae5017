package rules_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/reviewerbot/reviewer/rules"
)

// corpus is realistic code: this package's own Go files and the files in
// testdata/code, as (path, lines) pairs.
type corpusFile struct {
	path  string
	lines []string
}

func loadCorpus(tb testing.TB) []corpusFile {
	tb.Helper()
	var files []string
	for _, pattern := range []string{"*.go", "testdata/code/*"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			tb.Fatal(err)
		}
		files = append(files, m...)
	}
	var out []corpusFile
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, corpusFile{path: filepath.ToSlash(f), lines: strings.Split(string(data), "\n")})
	}
	return out
}

// benchPaths returns n paths shaped like those of a large change across a polyglot
// repository.
func benchPaths(n int) []string {
	dirs := []string{"", "cmd/reviewer/", "internal/store/", "web/src/components/", "services/api/app/",
		"src/main/java/com/example/orders/", "crates/core/src/", "deploy/", "docs/", "vendor/github.com/x/y/",
		"tests/", "web/src/__tests__/"}
	names := []string{"main.go", "store_test.go", "Button.tsx", "index.ts", "views.py", "test_views.py",
		"OrderService.java", "lib.rs", "Dockerfile", "values.yaml", "README.md", "util.js", "go.sum", ".env.prod"}
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d/%s", dirs[i%len(dirs)], i/len(dirs)%7, names[(i*7+i/3)%len(names)])
	}
	return out
}

func builtinSet(tb testing.TB) *rules.Set {
	tb.Helper()
	builtin, err := rules.Builtin()
	if err != nil {
		tb.Fatal(err)
	}
	return rules.NewSet(builtin, rules.Settings{})
}

// BenchmarkForPath measures selecting the rules for every file of a 1,000-file change.
func BenchmarkForPath(b *testing.B) {
	set := builtinSet(b)
	paths := benchPaths(1000)
	set.ForPath(paths[0]) // build the index outside the loop
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range paths {
			_ = set.ForPath(p)
			_ = set.PatternRulesFor(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/file")
}

// BenchmarkFind runs every applicable built-in pattern rule over 100,000 added lines of
// realistic code, as the CLI does: rules chosen once per file, then Find per line.
// "regexp" runs the same regexps without the prefilter, for comparison.
func BenchmarkFind(b *testing.B) {
	set := builtinSet(b)
	corpus := loadCorpus(b)
	type job struct {
		rules []*rules.Rule
		lines []string
	}
	var jobs []job
	total := 0
	for i := 0; total < 100_000; i++ {
		f := corpus[i%len(corpus)]
		jobs = append(jobs, job{set.PatternRulesFor(f.path), f.lines})
		total += len(f.lines)
	}
	b.Run("prefilter", func(b *testing.B) {
		hits := 0
		for b.Loop() {
			hits = 0
			for _, j := range jobs {
				for _, line := range j.lines {
					for _, r := range j.rules {
						if _, _, ok := r.Find(line); ok {
							hits++
						}
					}
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(total), "ns/line")
		b.ReportMetric(float64(hits), "hits")
	})
	b.Run("regexp", func(b *testing.B) {
		type compiled struct {
			res []interface{ MatchString(string) bool }
		}
		var cjobs []compiled
		for _, j := range jobs {
			var c compiled
			for _, r := range j.rules {
				c.res = append(c.res, regexp.MustCompile(r.Pattern))
			}
			cjobs = append(cjobs, c)
		}
		for b.Loop() {
			for k, j := range jobs {
				for _, line := range j.lines {
					for _, re := range cjobs[k].res {
						re.MatchString(line)
					}
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(total), "ns/line")
	})
}
