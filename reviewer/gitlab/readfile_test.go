package gitlab_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"sync/atomic"
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

// TestReadFileBounded: a file the change's author made huge is not read whole into
// memory, through the model's read_file or the context's reads: the answer is cut
// after 16 MiB, as too large, whether GitLab says its length or streams it.
func TestReadFileBounded(t *testing.T) {
	t.Parallel()
	for _, declared := range []bool{false, true} {
		t.Run(fmt.Sprintf("declared length %v", declared), func(t *testing.T) {
			t.Parallel()
			const size = 96 << 20
			f := newFake(t, "")
			var sent atomic.Int64
			f.HandleFunc("raw file", func(w http.ResponseWriter, _ *http.Request) {
				if declared {
					w.Header().Set("Content-Length", strconv.Itoa(size))
				}
				chunk := bytes.Repeat([]byte("a = 1\n"), 1<<14)
				for sent.Load() < size {
					n, err := w.Write(chunk)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
			})
			c := f.client(t, nil)
			_, err := reviewer.TreeWorkspace(c, change()).ReadFile(t.Context(), baseSHA, "big.txt", 1<<20)
			if !errors.Is(err, reviewer.ErrTooLarge) {
				t.Errorf("ReadFile of a huge file: %v, want reviewer.ErrTooLarge", err)
			}
			if _, err := c.Tree(t.Context(), change(), baseSHA, []string{"big.txt"}); !errors.Is(err, reviewer.ErrTooLarge) {
				t.Errorf("Tree of a huge file: %v, want reviewer.ErrTooLarge", err)
			}
			if got := sent.Load(); got >= size {
				t.Errorf("GitLab sent %d bytes: the whole file was read", got)
			}
		})
	}
}
