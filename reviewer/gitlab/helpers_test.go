package gitlab_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/gitlab"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegitlab"
)

// The adapter's tests run against the fake GitLab of reviewertest/fakegitlab, seeded with
// the payloads of testdata/ (see testdata/README.md at the module root): the merge request,
// its versions, its diff pages and discussions are served as recorded; the notes are
// loaded into the fake's state, with the drafts, the notes the bot writes, statuses and
// members; the repository's files,
// its history (merge base, compare) and a resolved discussion are answered by the handlers
// below.

const (
	project = "gitlab-org/gitlab-ee"
	iid     = 14656
	botID   = 42
	token   = "glpat-test-token"

	// The latest version in merge_request.versions.list.target-moved.json.
	baseSHA  = "eeb57dffe83deb686a60a71c16c32f71046868fd"
	startSHA = "7c9c2ead8a320fb7ba0b4e234bd9529a2614e306"
	headSHA  = "33e2ee8579fda5bc36accc9c6fbd0b4fefda9e30"

	// Earlier heads of the merge request, for merge_base and compare (hand-written): the
	// head's parent, and a head a force-push replaced, whose history meets the head's only
	// at the base.
	parentSHA    = "0e9f3a1c5b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f"
	rewrittenSHA = "9a8b7c6d5e4f30211f2e3d4c5b6a79881a2b3c4d"
)

// parents is the fake repository's history: each commit's first parent.
var parents = map[string]string{
	headSHA:      parentSHA,
	parentSHA:    baseSHA,
	rewrittenSHA: baseSHA,
	startSHA:     baseSHA,
	baseSHA:      "",
}

// rawFiles are the files the fake repository holds at the base.
var rawFiles = map[string]string{
	".reviewer/rules/go-wrap-errors.md": "---\nid: go-wrap-errors\n---\nWrap errors.\n",
	".reviewer/rules/style/no-todo.md":  "---\nid: no-todo\n---\nNo TODO without an issue.\n",
	".reviewer.yaml":                    "ignore: [\"vendor/**\"]\n",
}

// change is the merge request every test reviews.
func change() reviewer.Change {
	return reviewer.Change{Forge: "gitlab", Repo: project, Number: iid}
}

type fake struct {
	*fakegitlab.Server
	t      *testing.T
	prefix string
}

// request is one recorded request, its path below /api/v4.
type request struct {
	endpoint, method, path string
	query                  url.Values
	body                   map[string]any
}

type failure = fakegitlab.Failure

// newFake starts a fake GitLab whose API is at prefix+/api/v4.
func newFake(t *testing.T, prefix string) *fake {
	t.Helper()
	f := &fake{Server: fakegitlab.New(t, fakegitlab.Options{Prefix: prefix, Project: project, IID: iid, Token: token, BotID: botID}), t: t, prefix: prefix}
	diffs := [][]byte{readTestdata(t, "merge_request.diffs.page1.json"), readTestdata(t, "merge_request.diffs.page2.json")}
	var entries []map[string]any
	for _, page := range diffs {
		var es []map[string]any
		if err := json.Unmarshal(page, &es); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, es...)
	}
	f.PushEntries(baseSHA, startSHA, headSHA, entries)
	f.Record("get merge request", false, readTestdata(t, "merge_request.get.json"))
	f.Record("list versions", false, readTestdata(t, "merge_request.versions.list.target-moved.json"))
	f.Record("list diffs", false, diffs...)
	// Discussions page by keyset: the next page only in a Link header.
	f.Record("list discussions", true, readTestdata(t, "discussions.list.page1.json"), readTestdata(t, "discussions.list.page2.json"))
	f.LoadNotes(readTestdata(t, "notes.list.json"))
	f.HandleFunc("resolve discussion", f.resolved)
	f.HandleFunc("list tree", f.tree)
	f.HandleFunc("raw file", f.rawFile)
	f.HandleFunc("merge base", f.mergeBase)
	f.HandleFunc("compare", f.compare)
	return f
}

// client returns an adapter pointed at the fake, with retries that record instead of sleep.
func (f *fake) client(t *testing.T, sleeps *[]time.Duration) *gitlab.Client {
	t.Helper()
	c, err := gitlab.New(gitlab.Options{
		BaseURL:    f.URL(),
		Token:      token,
		HTTPClient: f.Client(),
		MaxRetries: 2,
		Sleep: func(_ context.Context, d time.Duration) error {
			if sleeps != nil {
				*sleeps = append(*sleeps, d)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// calls returns the recorded requests to endpoint, or all of them for "".
func (f *fake) calls(endpoint string) []request {
	var out []request
	for _, r := range f.Calls(endpoint) {
		out = append(out, request{endpoint: r.Endpoint, method: r.Method, path: strings.TrimPrefix(r.Path, f.prefix+"/api/v4"), query: r.Query, body: r.Body})
	}
	return out
}

// pending returns the notes of the drafts that wait for a publish.
func (f *fake) pending() []string {
	var out []string
	for _, d := range f.Snapshot().Drafts {
		out = append(out, d.Note)
	}
	return out
}

// noteBodies returns the notes the fake holds, by id.
func (f *fake) noteBodies() map[int]string {
	out := map[int]string{}
	for id, n := range f.Snapshot().Notes {
		out[id] = n.Body
	}
	return out
}

func number(v any) (int, bool) {
	n, ok := v.(float64)
	return int(n), ok && n > 0
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// resolved answers a resolve with the one discussion of discussions.list.diff_note.json.
func (f *fake) resolved(w http.ResponseWriter, _ *http.Request) {
	var ds []json.RawMessage
	if err := json.Unmarshal(readTestdata(f.t, "discussions.list.diff_note.json"), &ds); err != nil {
		f.t.Error(err)
	}
	writeJSON(w, http.StatusOK, ds[0])
}

// tree lists .reviewer/rules in two pages; the repository holds no other directory.
func (f *fake) tree(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("path") != ".reviewer/rules" {
		fakegitlab.WriteError(w, http.StatusNotFound, "404 Tree Not Found")
		return
	}
	fakegitlab.WritePage(w, r, false, [][]byte{readTestdata(f.t, "repository.tree.page1.json"), readTestdata(f.t, "repository.tree.page2.json")})
}

func (f *fake) rawFile(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimSuffix(r.URL.EscapedPath(), "/raw")
	name, err := url.PathUnescape(p[strings.LastIndex(p, "/")+1:])
	if err != nil {
		f.t.Errorf("raw file: path %q: %v", p, err)
	}
	if r.URL.Query().Get("ref") != baseSHA {
		f.t.Errorf("raw file %s: ref %q, want the base %s", name, r.URL.Query().Get("ref"), baseSHA)
	}
	data, ok := rawFiles[name]
	if !ok {
		fakegitlab.WriteError(w, http.StatusNotFound, "404 File Not Found")
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(data))
}

// history returns sha and its ancestors, nearest first.
func history(sha string) []string {
	var out []string
	for ; sha != ""; sha = parents[sha] {
		out = append(out, sha)
	}
	return out
}

// mergeBase answers from parents: 400 naming the refs it does not know, as GitLab does,
// 404 when the two share no history.
func (f *fake) mergeBase(w http.ResponseWriter, r *http.Request) {
	refs := r.URL.Query()["refs[]"]
	if len(refs) != 2 {
		f.t.Errorf("merge base: refs[] = %q, want two", refs)
		fakegitlab.WriteError(w, http.StatusBadRequest, "Provide at least 2 refs")
		return
	}
	var unknown []string
	for _, r := range refs {
		if _, ok := parents[r]; !ok {
			unknown = append(unknown, r)
		}
	}
	if len(unknown) > 0 {
		noun := "ref"
		if len(unknown) > 1 {
			noun = "refs"
		}
		fakegitlab.WriteError(w, http.StatusBadRequest, "Could not find "+noun+": "+strings.Join(unknown, ", "))
		return
	}
	other := history(refs[1])
	for _, sha := range history(refs[0]) {
		if slices.Contains(other, sha) {
			writeJSON(w, http.StatusOK, fmt.Appendf(nil, `{"id":%q,"short_id":%q,"title":"commit","parent_ids":[%q]}`, sha, sha[:8], parents[sha]))
			return
		}
	}
	fakegitlab.WriteError(w, http.StatusNotFound, "404 Merge Base Not Found")
}

// compare answers between two known commits with diff entries of the diff pages: page 1's
// three modified files, and of page 2 an added, a deleted and a renamed-only file (a
// too_large one makes the comparison unusable: see TestCompareTooLarge). Only straight
// comparisons are expected.
func (f *fake) compare(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	if q.Get("straight") != "true" {
		f.t.Errorf("compare: straight = %q, want true", q.Get("straight"))
	}
	_, okFrom := parents[from]
	_, okTo := parents[to]
	if !okFrom || !okTo {
		fakegitlab.WriteError(w, http.StatusNotFound, "404 Ref Not Found")
		return
	}
	var page1, page2 []map[string]any
	if err := json.Unmarshal(readTestdata(f.t, "merge_request.diffs.page1.json"), &page1); err != nil {
		f.t.Fatal(err)
	}
	if err := json.Unmarshal(readTestdata(f.t, "merge_request.diffs.page2.json"), &page2); err != nil {
		f.t.Fatal(err)
	}
	diffs := page1
	for _, e := range page2 {
		switch e["new_path"] {
		case "LICENSE", "test/fields/fields.go", "_testdata/suggestions.txt":
			diffs = append(diffs, e)
		}
	}
	commit := map[string]any{"id": to, "short_id": to[:8], "title": "commit", "parent_ids": []string{parents[to]}}
	body, _ := json.Marshal(map[string]any{
		"commit": commit, "commits": []any{commit}, "diffs": diffs,
		"compare_timeout": false, "compare_same_ref": from == to,
		"web_url": f.URL() + "/" + project + "/-/compare/" + from + "..." + to,
	})
	writeJSON(w, http.StatusOK, body)
}
