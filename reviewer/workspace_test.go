package reviewer_test

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
)

func TestFSWorkspace(t *testing.T) {
	t.Parallel()
	ws := reviewer.FSWorkspace(fstest.MapFS{
		"go/util.go":   {Data: []byte("package lib\n\nfunc (s *Server) Helper() int { return 1 }\nvar x = Helper()\n")},
		"py/mod.py":    {Data: []byte("def Helper(a):\n    return Helper2(a)\n")},
		"ts/app.ts":    {Data: []byte("export class Helper {}\nconst y = new Helper()\n")},
		"rs/lib.rs":    {Data: []byte("pub fn helper() {}\nstruct Helper;\n")},
		"bin/blob.dat": {Data: []byte("Helper\x00")},
	})
	ctx := t.Context()
	q, err := reviewer.DefinitionQuery("Helper", 10)
	if err != nil {
		t.Fatal(err)
	}
	hits, err := ws.(reviewer.Grepper).Grep(ctx, "head", q)
	if err != nil {
		t.Fatal(err)
	}
	want := []reviewer.GrepHit{
		{Path: "go/util.go", Line: 3, Text: "func (s *Server) Helper() int { return 1 }"},
		{Path: "py/mod.py", Line: 1, Text: "def Helper(a):"},
		{Path: "rs/lib.rs", Line: 2, Text: "struct Helper;"},
		{Path: "ts/app.ts", Line: 1, Text: "export class Helper {}"},
	}
	if diff := cmp.Diff(want, hits); diff != "" {
		t.Errorf("definitions (-want +got):\n%s", diff)
	}
	hits, err = ws.(reviewer.Grepper).Grep(ctx, "head", reviewer.GrepQuery{Pattern: "Helper", Glob: "**/*.py", MaxHits: 10})
	if err != nil || len(hits) != 2 || hits[1].Text != "    return Helper2(a)" {
		t.Errorf("fixed search in *.py: %+v, %v", hits, err)
	}
	names, err := ws.(reviewer.Lister).ListDir(ctx, "head", ".")
	if diff := cmp.Diff([]string{"bin/", "go/", "py/", "rs/", "ts/"}, names); err != nil || diff != "" {
		t.Errorf("ListDir (-want +got): %v\n%s", err, diff)
	}
	if _, err := ws.ReadFile(ctx, "head", "py/mod.py", 5); !errors.Is(err, reviewer.ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ws.ReadFile(ctx, "head", "py/nope.py", 5); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
}
