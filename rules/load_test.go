package rules_test

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/rules"
)

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

func ruleFile(id string) *fstest.MapFile {
	return file("---\nid: " + id + "\n---\nBody of " + id + ".\n")
}

func ids(rs []*rules.Rule) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID+"@"+r.Source)
	}
	return out
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		want    []string
		wantErr []string
	}{
		{
			name: "recursive, sorted, README skipped, other files ignored",
			fsys: fstest.MapFS{
				"r/b.md":          ruleFile("b"),
				"r/a.md":          ruleFile("zz-a"),
				"r/sub/c.md":      ruleFile("c"),
				"r/README.md":     file("# Our rules\nOne rule a file.\n"),
				"r/notes.txt":     file("not a rule"),
				"r/sub/readme.md": file("Lower-case readme, also skipped."),
				"other/x.md":      ruleFile("x"),
			},
			want: []string{"zz-a@r/a.md", "b@r/b.md", "c@r/sub/c.md"},
		},
		{
			name: "README with front matter is a rule",
			fsys: fstest.MapFS{"r/README.md": ruleFile("readme-rule")},
			want: []string{"readme-rule@r/README.md"},
		},
		{
			name: "duplicate ids name both files; bad files all reported",
			fsys: fstest.MapFS{
				"r/a.md":   ruleFile("same"),
				"r/b.md":   file("---\n\nid: same\n---\n"),
				"r/c.md":   file("no front matter"),
				"r/d/e.md": file("---\nid: e\npatern: x\n---\n"),
			},
			wantErr: []string{
				"r/c.md:1: no front matter: a rules file starts with a --- line, then YAML keys, then a closing --- line",
				`r/d/e.md:3: unknown key "patern" (did you mean "pattern"?); allowed keys: id, title, severity, paths, exclude, exclude_regions, pattern, secrets, unless, unless_block, inline, message, examples`,
				`r/b.md:3: duplicate rule id "same", also defined in r/a.md:2`,
			},
		},
		{
			name: "empty dir",
			fsys: fstest.MapFS{"r/sub": &fstest.MapFile{Mode: fs.ModeDir}},
			want: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := rules.Load(tt.fsys, "r")
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("Load: no error, want %q", tt.wantErr)
				}
				if diff := cmp.Diff(tt.wantErr, strings.Split(err.Error(), "\n")); diff != "" {
					t.Errorf("Load error (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("Load (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadMissingDir(t *testing.T) {
	t.Parallel()
	_, err := rules.Load(fstest.MapFS{}, "nope")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing dir: error %v, want fs.ErrNotExist", err)
	}
}
