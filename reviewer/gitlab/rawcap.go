package gitlab

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/reviewerbot/reviewer/reviewer"
)

// maxRawFile bounds what one read of a raw file takes of GitLab's answer. client-go reads
// an answer whole into memory, and a change's author chooses the files: the model's
// read_file and the context around the hunks name them, and a file of a gigabyte would
// be read whole before any limit of the review could refuse it. Every limit of the
// review on one file (review.context.max_file_bytes, the tools' 1 MiB) is smaller by
// default.
const maxRawFile = 16 << 20

// rawCap is a RoundTripper that cuts the answers of the raw file endpoint at maxRawFile
// bytes: a longer one is an error wrapping reviewer.ErrTooLarge, refused from its
// Content-Length when it has one.
type rawCap struct{ next http.RoundTripper }

func (t rawCap) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "/repository/files/") || !strings.HasSuffix(req.URL.Path, "/raw") {
		return resp, err
	}
	if resp.ContentLength > maxRawFile {
		_ = resp.Body.Close()
		return nil, fmt.Errorf("raw file of %d bytes: %w", resp.ContentLength, reviewer.ErrTooLarge)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: maxRawFile}
	return resp, nil
}

// cappedBody fails once more than left bytes are read.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, fmt.Errorf("raw file over %d bytes: %w", maxRawFile, reviewer.ErrTooLarge)
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n, fmt.Errorf("raw file over %d bytes: %w", maxRawFile, reviewer.ErrTooLarge)
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }
