package gitlab_test

import (
	"errors"
	"io/fs"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
)

// TestReadFileOneFile: the model's read_file reads one file through the API. A path
// that is a directory reads nothing under it: a request per file would spend the rate
// limit, and the model names the path.
func TestReadFileOneFile(t *testing.T) {
	t.Parallel()
	f := newFake(t, "")
	c := f.client(t, nil)
	ws := reviewer.TreeWorkspace(c, change())
	if data, err := ws.ReadFile(t.Context(), baseSHA, ".reviewer/rules", 1<<20); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile(.reviewer/rules), a directory = %q, %v; want fs.ErrNotExist", data, err)
	}
	if n := c.APICalls(); n != 1 {
		t.Errorf("ReadFile of a directory made %d API calls, want 1 (the raw file, not found)", n)
	}
	data, err := ws.ReadFile(t.Context(), baseSHA, ".reviewer.yaml", 1<<20)
	if err != nil || string(data) != rawFiles[".reviewer.yaml"] {
		t.Errorf("ReadFile(.reviewer.yaml) = %q, %v", data, err)
	}
}
