package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readRev reads a diff of testdata/forge/ as the change at the given commits.
func readRev(t testing.TB, name, base, start, head string) forgeRev {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "forge", name))
	if err != nil {
		t.Fatal(err)
	}
	return forgeRev{Base: base, Start: start, Head: head, Diff: string(data)}
}

// bulkDiff is a change adding one file whose n lines each turn verify off: n findings of
// the built-in py-tls-verify-disabled rule.
func bulkDiff(n int) string {
	var b strings.Builder
	b.WriteString("diff --git a/app/bulk.py b/app/bulk.py\nnew file mode 100644\nindex 0000000..3b18e51\n--- /dev/null\n+++ b/app/bulk.py\n")
	fmt.Fprintf(&b, "@@ -0,0 +1,%d @@\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "+r%d = requests.get(\"https://h%d.example.com/\", verify=False)\n", i, i)
	}
	return b.String()
}
