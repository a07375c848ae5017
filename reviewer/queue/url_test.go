package queue_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/queue"
)

func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Pa55"
	tests := []struct {
		name, url, want string
	}{
		{"empty", "", "queue url is empty"},
		{"no scheme", "reviewer.db", "has no scheme"},
		{"unknown scheme", "mysql://bot:" + secret + "@db.internal/reviews", `unsupported scheme "mysql"`},
		{"unknown scheme names redacted url", "redis://bot:" + secret + "@cache:6379/0", "redis://bot:xxxxx@cache:6379/0"},
		{"unparsable", "postgres://bot:" + secret + "@[::1/reviews", `scheme "postgres" does not parse`},
		{"sqlite without path", "sqlite://", "no database path"},
		{"sqlite in memory", "sqlite://:memory:", "must be a file"},
		{"sqlite opaque", "sqlite:reviewer.db", "want sqlite:///absolute/path.db"},
		{"postgres without slashes", "postgres:bot:" + secret + "@db.internal/reviews", "want postgres://"},
		{"scheme left out", "bot:" + secret + "@db.internal/reviews", `unsupported scheme "bot"`},
		{"sqlite missing directory", "sqlite:///nonexistent/dir/reviewer.db", "directory /nonexistent/dir does not exist"},
		{"sqlite with query", "sqlite:///tmp/reviewer.db?_pragma=journal_mode(DELETE)", "takes only a path"},
		{"sqlite with password", "sqlite://bot:" + secret + "@/tmp/reviewer.db", "takes only a path"},
		{"postgres bad option", "postgres://bot:" + secret + "@localhost/reviews?connect_timeout=abc", "postgres://bot:xxxxx@localhost/reviews"},
		{"postgres unreachable", "postgres://bot:" + secret + "@/reviews?host=" + filepath.Join(t.TempDir(), "none") + "&connect_timeout=2", "open queue postgres://bot:xxxxx@"},
		{"postgres password in query", "postgresql://bot@/reviews?password=" + secret + "&host=" + filepath.Join(t.TempDir(), "none"), "password=xxxxx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			q, err := queue.Open(t.Context(), tc.url, queue.Options{})
			if err == nil {
				q.Close()
				t.Fatalf("Open(%q) succeeded", tc.url)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Open error = %q, want it to contain %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Open error shows the password: %q", err)
			}
		})
	}
}

func TestOpenRelativeSQLite(t *testing.T) {
	t.Chdir(t.TempDir())
	q, err := queue.Open(t.Context(), "sqlite://reviewer.db", queue.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.Ready(t.Context()); err != nil {
		t.Errorf("Ready: %v", err)
	}
}

func TestOpenBadOptions(t *testing.T) {
	t.Parallel()
	url := "sqlite://" + filepath.Join(t.TempDir(), "reviewer.db")
	_, err := queue.Open(t.Context(), url, queue.Options{JobTimeout: time.Hour, RescueAfter: time.Minute, MaxAttempts: -1})
	if err == nil {
		t.Fatal("Open accepted a rescue bound below the job timeout")
	}
	for _, want := range []string{"rescue after 1m0s must exceed the job timeout 1h0m0s", "max attempts -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Open error = %q, want it to contain %q", err, want)
		}
	}
}

func TestEnqueueInvalidJob(t *testing.T) {
	t.Parallel()
	q, _ := open(t, "sqlite://"+filepath.Join(t.TempDir(), "reviewer.db"), queue.Options{})
	_, err := q.Enqueue(t.Context(), queue.Job{Forge: "github"})
	if err == nil || !strings.Contains(err.Error(), "no repo") || !strings.Contains(err.Error(), "change number 0") {
		t.Errorf("Enqueue of an empty job = %v, want an invalid job error", err)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"postgres://bob:s3cret@db/r":                  "postgres://bob:xxxxx@db/r",
		"postgres://bob@db/r?password=s3cret&x=1":     "postgres://bob@db/r?password=xxxxx&x=1",
		"postgres://db/r?sslpassword=s3cret":          "postgres://db/r?sslpassword=xxxxx",
		"sqlite:///var/lib/reviewer/reviewer.db":      "sqlite:///var/lib/reviewer/reviewer.db",
		"postgres://bob:s3cret@db/r?password=s3cret%": "postgres://bob:xxxxx@db/r?xxxxx",
	} {
		if got := queue.RedactURL(raw); got != want || strings.Contains(got, "s3cret") {
			t.Errorf("RedactURL(%q) = %q, want %q", raw, got, want)
		}
	}
}
