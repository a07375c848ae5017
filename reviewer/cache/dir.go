package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Dir is a cache of byte values in a directory, one file per key. It is safe for
// concurrent use by goroutines and by processes sharing the directory: a value is written
// to a temporary file and renamed into place, so a reader sees a whole old value, a whole
// new one, or none.
type Dir struct {
	root   string
	maxAge time.Duration
	now    func() time.Time
}

// tmpPrefix starts the names of files being written; Get never reads them and Prune
// removes stale ones left by a crashed writer.
const tmpPrefix = ".tmp-"

// NewDir returns a cache in the directory at path, creating it if needed. Entries older
// than maxAge are misses; zero keeps entries forever.
func NewDir(path string, maxAge time.Duration) (*Dir, error) {
	if path == "" {
		return nil, errors.New("cache dir: empty path")
	}
	if maxAge < 0 {
		return nil, fmt.Errorf("cache dir: negative max age %s", maxAge)
	}
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	return &Dir{root: path, maxAge: maxAge, now: time.Now}, nil
}

// file returns where key's value lives. Keys are hashed, so any string is a safe key, and
// fanned out over 256 subdirectories so no directory grows huge.
func (d *Dir) file(key string) string {
	sum := sha256.Sum256([]byte(key))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(d.root, name[:2], name[2:])
}

// Get returns the value stored for key. A missing or expired entry is a miss (false, nil).
func (d *Dir) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	f, err := os.Open(d.file(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	defer func() { _ = f.Close() }() // read-only: a close error loses nothing
	if d.maxAge > 0 {
		info, err := f.Stat()
		if err != nil {
			return nil, false, fmt.Errorf("cache get: %w", err)
		}
		if d.expired(info) {
			return nil, false, nil
		}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	return b, true, nil
}

func (d *Dir) expired(info fs.FileInfo) bool {
	return d.maxAge > 0 && d.now().Sub(info.ModTime()) > d.maxAge
}

// Put stores val for key, replacing any earlier value.
func (d *Dir) Put(ctx context.Context, key string, val []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	path := d.file(key)
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(val); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("cache put: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	return nil
}

// Prune removes expired entries and temporary files older than an hour, and returns how
// many files it removed. CI caches only grow otherwise. Files that vanish meanwhile (a
// concurrent Prune or Put) are not errors. It works through an os.Root, so a symlink
// planted in the directory cannot make it delete files outside.
func (d *Dir) Prune(ctx context.Context) (int, error) {
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return 0, fmt.Errorf("cache prune: %w", err)
	}
	defer func() { _ = root.Close() }()
	removed := 0
	err = fs.WalkDir(root.FS(), ".", func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		stale := d.expired(info)
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			stale = d.now().Sub(info.ModTime()) > time.Hour
		}
		if !stale {
			return nil
		}
		if err := root.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		removed++
		return nil
	})
	if err != nil {
		return removed, fmt.Errorf("cache prune: %w", err)
	}
	return removed, nil
}
