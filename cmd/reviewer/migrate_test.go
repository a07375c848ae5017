package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMigrateCommand lists, applies, and then finds nothing to apply on a new queue
// database.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "reviewer.db")
	db := "sqlite://" + file
	r := runCmd(t, t.TempDir(), nil, "migrate", "--queue-url", db, "--dry-run")
	if r.code != exitOK || !strings.Contains(r.stdout, "pending river 1 (") || !strings.Contains(r.stdout, "pending reviewer 2 (") ||
		!strings.Contains(r.stdout, "run reviewer migrate to apply them") {
		t.Fatalf("migrate --dry-run: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(file); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the dry run made the database file (%v)", err)
	}
	// Once the file exists, the dry run reads what it holds.
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r = runCmd(t, t.TempDir(), nil, "migrate", "--queue-url", db, "--dry-run")
	if r.code != exitOK || !strings.Contains(r.stdout, "pending river 1 (") || !strings.Contains(r.stdout, "pending reviewer 2 (") {
		t.Fatalf("migrate --dry-run of an empty file: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	// The dry run changed nothing: serve with queue.migrate check still refuses it.
	serveCheck := func() result {
		return runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_URL=" + db, "REVIEWER_QUEUE_MIGRATE=check", "REVIEWER_GITHUB_WEBHOOK_SECRET=s"},
			"serve", "--listen", "127.0.0.1:0")
	}
	if r := serveCheck(); r.code != exitUsage || !strings.Contains(r.stderr, "run `reviewer migrate`") {
		t.Errorf("serve with queue.migrate check on a new database: exit %d, stderr %q; want 2 and the command to run", r.code, r.stderr)
	}
	r = runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_URL=" + db}, "migrate")
	if r.code != exitOK || !strings.Contains(r.stdout, "applied river 1 (") || !strings.Contains(r.stdout, "applied reviewer 2 (") {
		t.Fatalf("migrate: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = runCmd(t, t.TempDir(), nil, "migrate", "--queue-url", db)
	if r.code != exitOK || !strings.Contains(r.stdout, "is up to date") || strings.Contains(r.stdout, "applied") {
		t.Errorf("second migrate: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

func TestQueueMigrateKey(t *testing.T) {
	t.Parallel()
	r := runCmd(t, t.TempDir(), []string{"REVIEWER_QUEUE_MIGRATE=sometimes"}, "migrate", "--dry-run")
	if r.code != exitUsage || !strings.Contains(r.stderr, `queue.migrate: "sometimes"`) {
		t.Errorf("exit %d, stderr %q; want 2 and the bad queue.migrate", r.code, r.stderr)
	}
}
