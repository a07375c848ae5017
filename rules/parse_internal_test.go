package rules

import (
	"io/fs"
	"path"
	"regexp"
	"testing"
)

// FuzzParse checks that Parse never panics, whatever the rules file, and that the
// prefilter analysis of any pattern Parse accepts does not panic either (newPrefilter's
// safety net would hide that, so the analysis is called directly).
func FuzzParse(f *testing.F) {
	entries, err := fs.ReadDir(builtinFS, "builtin")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile(path.Join("builtin", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("---\nid: x\npattern: '" + wideAlternation(258) + "'\nmessage: m\n---\n"))
	f.Add([]byte("---\nid: x\n...\nfoo: 1\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Add([]byte("\xef\xbb\xbf---\r\nid: x\r\n---\r\nbody"))
	f.Add([]byte("---\nid: &a x\ntitle: *a\nexamples: {bad: [*a]}\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse("fuzz.md", data)
		if err != nil {
			if r != nil {
				t.Errorf("Parse returned a rule and an error: %v", err)
			}
			return
		}
		if r.Pattern == "" {
			return
		}
		if _, err := regexp.Compile(r.Pattern); err != nil {
			t.Fatalf("Parse accepted pattern %q, which does not compile: %v", r.Pattern, err)
		}
		buildPrefilter(r.Pattern)
	})
}
