// Command gendiff writes the generated benchmark diff to stdout, so the whole command can
// be timed on it as a process:
//
//	go run ./reviewer/internal/difftest/gendiff -files 1000 -lines 100 > /tmp/100k.diff
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

func main() {
	files := flag.Int("files", 1000, "number of files")
	lines := flag.Int("lines", 100, "changed lines per file")
	flag.Parse()
	if _, err := os.Stdout.Write(difftest.Generate(*files, *lines)); err != nil {
		fmt.Fprintln(os.Stderr, "gendiff:", err)
		os.Exit(1)
	}
}
