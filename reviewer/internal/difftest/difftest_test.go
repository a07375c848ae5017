package difftest_test

import (
	"bytes"
	"strings"
	"testing"

	_ "github.com/reviewerbot/reviewer/internal/golden" // defines -update
	"github.com/reviewerbot/reviewer/reviewer/internal/difftest"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		files, linesPerFile int
		wantChanged         int
	}{
		{name: "small", files: 3, linesPerFile: 10, wantChanged: 30},
		{name: "with a new file", files: 60, linesPerFile: 25, wantChanged: 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := difftest.Generate(tt.files, tt.linesPerFile)
			if again := difftest.Generate(tt.files, tt.linesPerFile); !bytes.Equal(got, again) {
				t.Fatal("Generate is not deterministic")
			}
			if n := strings.Count(string(got), "diff --git "); n != tt.files {
				t.Errorf("got %d files, want %d", n, tt.files)
			}
			changed := 0
			for _, l := range strings.Split(string(got), "\n") {
				if (strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++ ")) ||
					(strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "--- ")) {
					changed++
				}
			}
			if changed != tt.wantChanged {
				t.Errorf("got %d changed lines, want %d", changed, tt.wantChanged)
			}
		})
	}
}
