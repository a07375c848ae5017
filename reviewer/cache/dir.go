package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/reviewerbot/reviewer/reviewer/seal"
)

// Dir is a cache of byte values in a directory, one file per key. It is safe for
// concurrent use by goroutines and by processes sharing the directory: a value is written
// to a temporary file and renamed into place, so a reader sees a whole old value, a whole
// new one, or none.
//
// The directory is not trusted. A CI system restores it into a job that a change's
// author controls (GitLab can only cache paths inside the checkout, so a change can even
// commit files into it), and every file name is a hash anyone can compute. So each entry
// carries a seal, an HMAC under a key the author does not have, over the key and the
// value: an entry that someone else wrote, edited or moved to another key's file, or one
// sealed under another key, is a miss, never a value (see Rejected).
type Dir struct {
	root   string
	maxAge time.Duration
	key    seal.Key
	log    *slog.Logger
	now    func() time.Time
	// rejected counts entries found but not sealed under key.
	rejected atomic.Int64
}

// Options configure a Dir.
type Options struct {
	// MaxAge is the age from which an entry is a miss; zero keeps entries forever.
	MaxAge time.Duration
	// Logger receives a debug line for every entry rejected; nil discards.
	Logger *slog.Logger
}

const (
	// tmpPrefix starts the names of files being written; Get never reads them and Prune
	// removes stale ones left by a crashed writer.
	tmpPrefix = ".tmp-"
	// header starts every entry file, followed by the seal in hex and a newline. Its
	// version changes with the format or with what the seal covers.
	header = "reviewer-cache 1 "
	// maxValue bounds a value: model answers are a few kilobytes, and a planted file of
	// gigabytes is not read whole to find out it is not sealed.
	maxValue = 8 << 20
)

// NewDir returns a cache in the directory at path, creating it if needed. key seals and
// verifies the entries (the Dir derives its own key from it, for this use only); the zero
// key is refused, since a cache it kept could not tell its own entries from planted ones.
func NewDir(path string, key seal.Key, opts Options) (*Dir, error) {
	if path == "" {
		return nil, errors.New("cache dir: empty path")
	}
	if key.IsZero() {
		return nil, errors.New("cache dir: no key to seal entries with")
	}
	if opts.MaxAge < 0 {
		return nil, fmt.Errorf("cache dir: negative max age %s", opts.MaxAge)
	}
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("cache dir: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Dir{root: path, maxAge: opts.MaxAge, key: key.Derive("cache"), log: logger, now: time.Now}, nil
}

// Rejected reports how many entries Get found but did not use because their seal did not
// verify: written by someone without the key, edited, moved, or of an older format.
func (d *Dir) Rejected() int64 { return d.rejected.Load() }

// file returns where key's value lives, relative to the directory. Keys are hashed, so
// any string is a safe key, and fanned out over 256 subdirectories so no directory grows
// huge.
func (d *Dir) file(key string) string {
	sum := sha256.Sum256([]byte(key))
	name := hex.EncodeToString(sum[:])
	return filepath.Join(name[:2], name[2:])
}

// Get returns the value stored for key. A missing or expired entry is a miss (false, nil),
// and so is one whose seal does not verify.
func (d *Dir) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	// Through an os.Root, as every access here: a symlink planted in the directory (a
	// change can commit one where GitLab keeps the cache) leads nowhere outside it.
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	defer func() { _ = root.Close() }()
	name := d.file(key)
	f, err := root.Open(name)
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
	b, err := io.ReadAll(io.LimitReader(f, int64(len(header))+2*sha256.Size+1+maxValue+1))
	if err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	val, ok := d.open(key, b)
	if !ok {
		d.rejected.Add(1)
		d.log.DebugContext(ctx, "cache entry rejected: its seal does not verify", slog.String("file", filepath.Join(d.root, name)))
		return nil, false, nil
	}
	return val, true, nil
}

// seal returns the file content that stores val for key.
func (d *Dir) seal(key string, val []byte) []byte {
	s := d.key.Sum(key, string(val))
	b := make([]byte, 0, len(header)+len(s)+1+len(val))
	b = append(b, header...)
	b = append(b, s...)
	b = append(b, '\n')
	return append(b, val...)
}

// open returns the value in file content b if its seal verifies for key.
func (d *Dir) open(key string, b []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(b, []byte(header))
	if !ok {
		return nil, false
	}
	s, val, ok := bytes.Cut(rest, []byte{'\n'})
	if !ok || len(val) > maxValue || !d.key.Verify(string(s), key, string(val)) {
		return nil, false
	}
	return val, true
}

func (d *Dir) expired(info fs.FileInfo) bool {
	return d.maxAge > 0 && d.now().Sub(info.ModTime()) > d.maxAge
}

// Put stores val for key, sealed, replacing any earlier value.
func (d *Dir) Put(ctx context.Context, key string, val []byte) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(val) > maxValue {
		return fmt.Errorf("cache put: a value of %d bytes, over the limit of %d", len(val), maxValue)
	}
	root, err := os.OpenRoot(d.root)
	if err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	defer func() { _ = root.Close() }()
	path := d.file(key)
	dir := filepath.Dir(path)
	if err := root.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	tmp := filepath.Join(dir, tmpPrefix+rand.Text())
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	defer func() {
		if err != nil {
			_ = root.Remove(tmp)
		}
	}()
	if _, err := f.Write(d.seal(key, val)); err != nil {
		_ = f.Close()
		return fmt.Errorf("cache put: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cache put: %w", err)
	}
	if err := root.Rename(tmp, path); err != nil {
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
