// Package golden compares test output with golden files kept in testdata, and rewrites them
// when the tests run with -update:
//
//	go test ./... -update
//
// Every package with tests imports this package from at least one test file (a blank
// import is enough), so that the -update flag is defined in every test binary and
// `go test ./... -update` works across the module.
package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Check compares got with the file at path. With -update it writes got to path instead.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file: %v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the output (-want +got):\n%s\nrun go test -update to accept the new output", path, cmp.Diff(string(want), string(got)))
	}
}
