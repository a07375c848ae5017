package clones_test

import (
	"context"
	"errors"
	"flag"
	"io/fs"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer"
	"github.com/reviewerbot/reviewer/reviewer/git/clones"
)

// benchRepo is a git directory (a mirror of a public repository) that
// BenchmarkCloneRealRepository serves over http-backend on loopback.
var benchRepo = flag.String("clones.repo", "", "git directory for BenchmarkCloneRealRepository")

// countingWriter counts the bytes of the server's responses.
type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (w countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return w.ResponseWriter.Write(p)
}

// BenchmarkCloneRealRepository measures, on a real repository served on loopback, what
// a review costs through the clone: the first fetch of a change's base and head, the
// reading of 20 files at its head, and then a second, newer change's fetch and the same
// reads. It reports the bytes sent by the server and the time of each step.
//
//	go test ./reviewer/git/clones -run '^$' -bench CloneRealRepository -benchtime 5x -clones.repo /path/to/repo.git
func BenchmarkCloneRealRepository(b *testing.B) {
	if *benchRepo == "" {
		b.Skip("-clones.repo names no git directory")
	}
	gitBin, err := exec.LookPath("git")
	if err != nil {
		b.Skip("git is not installed")
	}
	root := b.TempDir()
	if err := os.Symlink(*benchRepo, filepath.Join(root, "bench.git")); err != nil {
		b.Fatal(err)
	}
	backend := &cgi.Handler{Path: gitBin, Args: []string{"http-backend"}, Root: "/", Env: []string{
		"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1", "GIT_CONFIG_NOSYSTEM=1", "HOME=" + root,
		"GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=uploadpack.allowFilter", "GIT_CONFIG_VALUE_0=true",
		"GIT_CONFIG_KEY_1=safe.directory", "GIT_CONFIG_VALUE_1=*"}}
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		backend.ServeHTTP(countingWriter{w, &served}, r)
	}))
	defer srv.Close()

	git := func(args ...string) []string {
		out, err := exec.CommandContext(b.Context(), gitBin, append([]string{"--git-dir=" + *benchRepo}, args...)...).Output()
		if err != nil {
			b.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return strings.Fields(string(out))
	}
	// Two changes: one of a month or so ago, and the newest commit.
	older, newest := git("rev-parse", "HEAD~20", "HEAD~21"), git("rev-parse", "HEAD", "HEAD~1")
	first := reviewer.Change{HeadSHA: older[0], BaseSHA: older[1]}
	second := reviewer.Change{HeadSHA: newest[0], BaseSHA: newest[1]}
	var paths []string
	for _, p := range git("ls-tree", "-r", "--name-only", "HEAD") {
		if strings.HasSuffix(p, ".go") && len(paths) < 20 {
			paths = append(paths, p)
		}
	}
	remote := clones.Remote{Key: "bench", URL: srv.URL + "/bench.git"}

	var steps [4]time.Duration
	var bytes [4]int64
	var disk int64
	for b.Loop() {
		cache, err := clones.New(clones.Options{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		step := func(i int, f func() error) {
			start, before := time.Now(), served.Load()
			if err := f(); err != nil {
				b.Fatal(err)
			}
			steps[i] += time.Since(start)
			bytes[i] += served.Load() - before
		}
		for i, c := range []reviewer.Change{first, second} {
			r := &clones.Reader{Cache: cache, Remote: remote, Fallback: failingTree{}}
			step(2*i, func() error { return acquireFetch(b, r, c) })
			step(2*i+1, func() error {
				fsys, err := r.Tree(b.Context(), c, c.HeadSHA, paths)
				if err == nil && len(files(b, fsys)) != len(paths) {
					b.Fatalf("read %d files, want %d", len(files(b, fsys)), len(paths))
				}
				return err
			})
			r.Close()
		}
		disk += cache.Size()
		_ = cache.Close()
	}
	n := float64(b.N)
	for i, name := range []string{"first_fetch", "first_read20", "second_fetch", "second_read20"} {
		b.ReportMetric(float64(steps[i].Milliseconds())/n, name+"_ms")
		b.ReportMetric(float64(bytes[i])/n, name+"_bytes")
	}
	b.ReportMetric(float64(disk)/n, "clone_disk_bytes")
}

// acquireFetch fetches the change's base and head by reading nothing.
func acquireFetch(tb testing.TB, r *clones.Reader, c reviewer.Change) error {
	_, err := r.Tree(tb.Context(), c, c.HeadSHA, []string{"does/not/exist"})
	return err
}

// failingTree fails the benchmark if the clone is not used.
type failingTree struct{}

func (failingTree) Tree(_ context.Context, _ reviewer.Change, _ string, _ []string) (fs.FS, error) {
	return nil, errors.New("the clone was not used")
}
