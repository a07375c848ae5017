package github_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/diff"
	"github.com/reviewerbot/reviewer/reviewer/reviewertest/fakegithub"
)

func TestDiff(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	raw := readFixture(t, "rename-with-changes.diff")
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept"); got != "application/vnd.github.v3.diff" && got != "application/vnd.github.diff" {
			t.Errorf("Accept = %q, want the diff media type", got)
		}
		w.Header().Set("Content-Type", "application/vnd.github.diff; charset=utf-8")
		_, _ = w.Write(raw)
	})
	c := f.client(t)
	got, gaps, err := c.DiffWithGaps(t.Context(), testChange)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(raw) {
		t.Error("diff differs from what GitHub served")
	}
	if gaps != nil {
		t.Errorf("gaps = %v, want none", gaps)
	}
}

// TestDiffTooLarge covers GitHub's 406 for a diff too large for the diff media type:
// the diff is rebuilt from the paginated files API, and a file without a patch is a gap.
func TestDiffTooLarge(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusNotAcceptable, "Sorry, the diff exceeded the maximum number of lines (20000)",
			map[string]any{"resource": "PullRequest", "field": "diff", "code": "too_large"})
	})
	entry := fixtureItem(t, "diff-entry-items.json")
	const patch = "@@ -1,3 +1,4 @@\n a\n+b\n c\n d"
	files := []map[string]any{
		with(entry, "filename", "new.go", "status", "added", "additions", 2, "deletions", 0, "changes", 2, "patch", "@@ -0,0 +1,2 @@\n+package x\n+"),
		with(entry, "filename", "gone.go", "status", "removed", "additions", 0, "deletions", 1, "changes", 1, "patch", "@@ -1 +0,0 @@\n-package y"),
		with(entry, "filename", "pkg/moved.go", "previous_filename", "old/moved.go", "status", "renamed", "changes", 1, "patch", patch),
		with(entry, "filename", "pure/rename.txt", "previous_filename", "was/rename.txt", "status", "renamed", "additions", 0, "deletions", 0, "changes", 0, "patch", nil),
		with(entry, "filename", "dir with space/a b.go", "status", "modified", "changes", 1, "patch", patch),
		with(entry, "filename", "huge.sql", "status", "modified", "additions", 90000, "deletions", 0, "changes", 90000, "patch", nil),
	}
	// Enough modified files for two pages of 100.
	for i := range 140 {
		files = append(files, with(entry, "filename", fmt.Sprintf("gen/f%03d.go", i), "status", "modified", "changes", 1, "patch", patch))
	}
	for _, fl := range files {
		if fl["patch"] == nil {
			delete(fl, "patch")
		}
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347/files", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, files)
	})
	c := f.client(t)
	got, gaps, err := c.DiffWithGaps(t.Context(), testChange)
	if err != nil {
		t.Fatal(err)
	}
	wantGaps := []reviewer.FileCoverage{{Path: "huge.sql", Outcome: reviewer.OutcomeSkipped, Reason: "too large for GitHub's diff API"}}
	if d := cmp.Diff(wantGaps, gaps); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
	parsed, err := diff.Parse(got)
	if err != nil {
		t.Fatalf("diff.Parse of the rebuilt diff: %v\n%s", err, got)
	}
	type file struct {
		Old, New string
		Status   diff.Status
		Hunks    int
	}
	var summary []file
	for _, p := range parsed[:5] {
		summary = append(summary, file{p.OldPath, p.NewPath, p.Status, len(p.Hunks)})
	}
	wantFiles := []file{
		{"", "new.go", diff.StatusAdded, 1},
		{"gone.go", "", diff.StatusDeleted, 1},
		{"old/moved.go", "pkg/moved.go", diff.StatusRenamed, 1},
		{"was/rename.txt", "pure/rename.txt", diff.StatusRenamed, 0},
		{"dir with space/a b.go", "dir with space/a b.go", diff.StatusModified, 1},
	}
	if d := cmp.Diff(wantFiles, summary); d != "" {
		t.Errorf("parsed files (-want +got):\n%s\n%s", d, got)
	}
	if len(parsed) != len(files)-1 {
		t.Errorf("parsed %d files, want %d", len(parsed), len(files)-1)
	}
	if !parsed[4].CommentableNew(2) {
		t.Error("line 2 of the modified file is not commentable")
	}
	want := []string{
		"GET /repos/octocat/Hello-World/pulls/1347",
		"GET /repos/octocat/Hello-World/pulls/1347/files?per_page=100",
		"GET /repos/octocat/Hello-World/pulls/1347/files?page=2&per_page=100",
	}
	if d := cmp.Diff(want, f.Calls()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

// TestDiffFilesAPIBinary: the files API lists an added binary file as it lists an added
// empty one, without a patch and with no changes; only its blob tells them apart. The
// rebuilt diff took a trojan gradle-wrapper.jar in a large pull request for an empty file,
// which the review reads as holding no code. It is now a binary file, which the review
// judges by its kind; an empty file (the empty blob) stays empty.
func TestDiffFilesAPIBinary(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347", func(w http.ResponseWriter, _ *http.Request) {
		fakegithub.WriteError(w, http.StatusNotAcceptable, "Sorry, the diff exceeded the maximum number of files (300)",
			map[string]any{"resource": "PullRequest", "field": "diff", "code": "too_large"})
	})
	entry := fixtureItem(t, "diff-entry-items.json")
	files := []map[string]any{
		with(entry, "filename", "gradle/wrapper/gradle-wrapper.jar", "status", "added", "additions", 0, "deletions", 0, "changes", 0,
			"sha", "3c3b1a5f9a1f1d1e8b6f0f0d7c0e4e7a1b2c3d4e"),
		with(entry, "filename", "pkg/__init__.py", "status", "added", "additions", 0, "deletions", 0, "changes", 0,
			"sha", "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"),
	}
	for _, fl := range files {
		delete(fl, "patch")
	}
	f.HandleFunc("GET /repos/octocat/Hello-World/pulls/1347/files", func(w http.ResponseWriter, r *http.Request) {
		fakegithub.Paginate(w, r, files)
	})
	got, _, err := f.client(t).DiffWithGaps(t.Context(), testChange)
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := diff.Parse(got)
	if err != nil || len(parsed) != 2 {
		t.Fatalf("diff.Parse: %d files, %v\n%s", len(parsed), err, got)
	}
	if !parsed[0].Binary || parsed[0].NewPath != "gradle/wrapper/gradle-wrapper.jar" {
		t.Errorf("the jar: %+v, want a binary file\n%s", parsed[0], got)
	}
	if parsed[1].Binary {
		t.Errorf("the empty file: %+v, want no binary file\n%s", parsed[1], got)
	}
}
