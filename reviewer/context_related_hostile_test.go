package reviewer_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/chunk"
)

// TestReviewContextRelatedLabelMasked: a secret shaped like an identifier (an AWS key id)
// on a changed line and elsewhere in the file makes that other place related code; the
// excerpt's label names the identifiers shared, and must not carry the secret the
// masker hides in the lines themselves, neither to the model nor into the egress record.
func TestReviewContextRelatedLabelMasked(t *testing.T) {
	t.Parallel()
	patch, err := os.ReadFile("testdata/context/related-secret.diff")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/context/related-secret.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	repo := &headRepo{patch: patch, head: fstest.MapFS{"svc/store.go": {Data: src}}}
	model := &fakeModel{answer: func(string) (reviewer.Reply, error) { return reviewer.Reply{Requests: 1}, nil }}
	rv := reviewer.New(repo, ruleFS{fsys: fstest.MapFS{}}, reviewer.Options{
		Model:   model,
		Context: reviewer.ContextOptions{Enabled: true},
		Chunk:   chunk.Options{Context: chunk.ContextOptions{WholeFileTokens: 1}},
	}, nil)
	res, err := rv.Review(t.Context(), reviewer.Request{Change: reviewer.Change{Forge: "local", Repo: "r", BaseSHA: "base", HeadSHA: "head"}})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "AKIA2E0A8F3B244C9986"
	sent := model.sent()
	if !strings.Contains(sent, "related code") {
		t.Fatalf("no related code was sent, the test shows nothing:\n%s", sent)
	}
	if strings.Contains(sent, secret) {
		t.Errorf("the secret was sent to the model:\n%s", sent)
	}
	for _, e := range res.Egress {
		for _, f := range e.Files {
			for _, c := range f.Context {
				if strings.Contains(c, secret) {
					t.Errorf("the egress record of %s holds the secret: %q", f.Path, c)
				}
			}
		}
	}
}
