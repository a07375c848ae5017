package clones_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// TestGrepFetchFailsOnce: when fetching a tree's blobs for a search fails (the forge cut
// it, or it ran out of time on a tree the change made huge), the review's later searches
// at that revision fail at once. Each would otherwise fetch again, for up to the fetch
// timeout each, leaving what git had written of the pack behind.
func TestGrepFetchFailsOnce(t *testing.T) {
	t.Parallel()
	gitBin, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	bin, argv := filepath.Join(dir, "git"), filepath.Join(dir, "argv.log")
	// Logs every command, and fails every fetch of blobs.
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + argv + "'\n" +
		"case \" $* \" in *' fetch '*' --stdin '*) echo 'fatal: the remote end hung up' >&2; exit 128;; esac\n" +
		"exec '" + gitBin + "' \"$@\"\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	_, r, c := workspaceFixture(t, clones.Options{Git: bin}, nil)
	grep := r.Workspace(c).(reviewer.Grepper)
	for range 3 {
		if hits, err := grep.Grep(t.Context(), c.HeadSHA, reviewer.GrepQuery{Pattern: "Frobnicate", MaxHits: 5}); err == nil {
			t.Fatalf("Grep with the blob fetch failing = %v, want an error", hits)
		}
	}
	if got := blobFetches(t, argv); got != 1 {
		t.Errorf("three searches ran %d fetches of blobs, want 1", got)
	}
}
