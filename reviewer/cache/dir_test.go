package cache_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	_ "github.com/reviewerbot/reviewer/internal/golden"
	"github.com/reviewerbot/reviewer/reviewer/cache"
	"github.com/reviewerbot/reviewer/reviewer/seal"
)

var testKey = seal.New([]byte("operator secret"))

func TestDirPutGet(t *testing.T) {
	t.Parallel()
	d, err := cache.NewDir(filepath.Join(t.TempDir(), "a", "b"), testKey, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	tests := []struct {
		name, key string
		val       []byte
	}{
		{"hex key", "0123abcd", []byte(`{"findings":[]}`)},
		{"path-like key", "../../etc/passwd", []byte("x")},
		{"empty value", "empty", []byte{}},
		{"binary value", "bin", []byte{0, 1, 2, 255}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok, err := d.Get(ctx, tt.key); ok || err != nil {
				t.Fatalf("Get before Put = %v, %v; want miss", ok, err)
			}
			if err := d.Put(ctx, tt.key, tt.val); err != nil {
				t.Fatal(err)
			}
			got, ok, err := d.Get(ctx, tt.key)
			if err != nil || !ok {
				t.Fatalf("Get = %v, %v; want hit", ok, err)
			}
			if diff := cmp.Diff(tt.val, got); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
		})
	}
	if err := d.Put(ctx, "hex key", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := d.Get(ctx, "hex key"); string(got) != "v2" {
		t.Errorf("after overwrite Get = %q, want v2", got)
	}
}

func TestDirFilesStayInsideAndAreFannedOut(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d, err := cache.NewDir(root, testKey, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(t.Context(), "../../escape", []byte("x")); err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || strings.Count(filepath.ToSlash(files[0]), "/") != 1 || len(filepath.Dir(files[0])) != 2 {
		t.Errorf("files = %v, want one file in a two-character subdirectory", files)
	}
}

func TestDirMaxAge(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	d, err := cache.NewDir(root, testKey, cache.Options{MaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	for _, k := range []string{"old", "fresh"} {
		if err := d.Put(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	// Age "old" by rewriting the modification time of its file, the only one named so.
	old := filepath.Join(root, entryPath(t, root, d, "old"))
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := d.Get(ctx, "old"); ok || err != nil {
		t.Errorf("Get(old) = %v, %v; want an expired miss", ok, err)
	}
	if _, ok, err := d.Get(ctx, "fresh"); !ok || err != nil {
		t.Errorf("Get(fresh) = %v, %v; want a hit", ok, err)
	}
	n, err := d.Prune(ctx)
	if err != nil || n != 1 {
		t.Errorf("Prune = %d, %v; want 1 removed", n, err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Errorf("expired file still there: %v", err)
	}
	if _, ok, _ := d.Get(ctx, "fresh"); !ok {
		t.Error("Prune removed a fresh entry")
	}
}

// entryPath finds the file a key was stored in by putting a marker value and looking for it.
func entryPath(t *testing.T, root string, d *cache.Dir, key string) string {
	t.Helper()
	marker := []byte("marker-" + key)
	if err := d.Put(t.Context(), key, marker); err != nil {
		t.Fatal(err)
	}
	var found string
	_ = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(p); bytes.HasSuffix(b, marker) {
			found, _ = filepath.Rel(root, p)
		}
		return nil
	})
	if found == "" {
		t.Fatalf("no file holds key %q", key)
	}
	return found
}

// TestDirConcurrent has several Dir values on one directory, as separate CI processes
// would, write and read the same keys at once: every read sees a whole value.
func TestDirConcurrent(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range 8 {
		d, err := cache.NewDir(root, testKey, cache.Options{MaxAge: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			for i := range 50 {
				key := fmt.Sprint("k", i%5)
				val := bytes.Repeat([]byte{byte('a' + w)}, 4096)
				if err := d.Put(ctx, key, val); err != nil {
					t.Error(err)
					return
				}
				got, ok, err := d.Get(ctx, key)
				if err != nil || !ok {
					t.Errorf("Get = %v, %v", ok, err)
					return
				}
				if len(got) != 4096 || !bytes.Equal(got, bytes.Repeat(got[:1], 4096)) {
					t.Errorf("torn value of %d bytes", len(got))
					return
				}
			}
		})
	}
	wg.Wait()
	leftovers, _ := filepath.Glob(filepath.Join(root, "*", ".tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestDirErrors(t *testing.T) {
	t.Parallel()
	if _, err := cache.NewDir("", testKey, cache.Options{}); err == nil {
		t.Error("NewDir(\"\") succeeded")
	}
	if _, err := cache.NewDir(t.TempDir(), testKey, cache.Options{MaxAge: -time.Second}); err == nil {
		t.Error("NewDir with a negative max age succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cache.NewDir(file, testKey, cache.Options{}); err == nil {
		t.Error("NewDir on a regular file succeeded")
	}
	if _, err := cache.NewDir(t.TempDir(), seal.Key{}, cache.Options{}); err == nil {
		t.Error("NewDir with the zero key succeeded")
	}
	d, err := cache.NewDir(t.TempDir(), testKey, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := d.Put(ctx, "k", nil); err == nil {
		t.Error("Put with a canceled context succeeded")
	}
	if _, _, err := d.Get(ctx, "k"); err == nil {
		t.Error("Get with a canceled context succeeded")
	}
}

// TestDirRejectsForgedEntries plants files where a key's entry lives, as anyone who can
// write the directory could (the file name is a hash of the key): none is a hit, and the
// genuine entry still is.
func TestDirRejectsForgedEntries(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	root := t.TempDir()
	d, err := cache.NewDir(root, testKey, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const key = "victim"
	genuine := []byte(`{"findings":[{"severity":"error"}]}`)
	file := filepath.Join(root, entryPath(t, root, d, key))
	if err := d.Put(ctx, key, genuine); err != nil {
		t.Fatal(err)
	}
	sealed, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// An entry sealed under another key, as the attacker's own cache would write it.
	otherRoot := t.TempDir()
	other, err := cache.NewDir(otherRoot, seal.New([]byte("attacker")), cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := os.ReadFile(filepath.Join(otherRoot, entryPath(t, otherRoot, other, key)))
	if err != nil {
		t.Fatal(err)
	}
	// A genuine entry of another key, moved into this key's file.
	movedFile := filepath.Join(root, entryPath(t, root, d, "elsewhere"))
	moved, err := os.ReadFile(movedFile)
	if err != nil {
		t.Fatal(err)
	}
	forged := []byte(`{"findings":[]}`)
	for name, content := range map[string][]byte{
		"plain value, the old format": forged,
		"edited value, old seal":      append(bytes.Clone(sealed[:bytes.IndexByte(sealed, '\n')+1]), forged...),
		"sealed under another key":    foreign,
		"another key's entry":         moved,
		"seal only":                   sealed[:bytes.IndexByte(sealed, '\n')],
		"empty file":                  {},
	} {
		if err := os.WriteFile(file, content, 0o600); err != nil {
			t.Fatal(err)
		}
		before := d.Rejected()
		if got, ok, err := d.Get(ctx, key); ok || err != nil {
			t.Errorf("%s: Get = %q, %v, %v; want a miss", name, got, ok, err)
		}
		if d.Rejected() != before+1 {
			t.Errorf("%s: Rejected went from %d to %d, want one more", name, before, d.Rejected())
		}
	}
	if err := os.WriteFile(file, sealed, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := d.Get(ctx, key); !ok || err != nil || !bytes.Equal(got, genuine) {
		t.Errorf("the genuine entry: Get = %q, %v, %v; want a hit", got, ok, err)
	}
}

// TestDirSymlinksStayInside replaces an entry's subdirectory with a symlink to a
// directory outside, as a change can commit one where GitLab keeps the cache: Put writes
// nothing there, and Get reads nothing from there.
func TestDirSymlinksStayInside(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	root, outside := t.TempDir(), t.TempDir()
	d, err := cache.NewDir(root, testKey, cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rel := entryPath(t, root, d, "k")
	genuine, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, filepath.Dir(rel))
	if err := os.RemoveAll(sub); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, sub); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if err := d.Put(ctx, "k", []byte("v")); err == nil {
		t.Error("Put through a symlink to outside succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("Put wrote outside the cache: %v", entries)
	}
	// A genuine entry outside, where the symlink leads, is not read either.
	if err := os.WriteFile(filepath.Join(outside, filepath.Base(rel)), genuine, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := d.Get(ctx, "k"); ok {
		t.Error("Get read an entry through a symlink to outside")
	}
}
