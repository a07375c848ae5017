//go:build unix

package clones

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockDir takes the cache directory for this process: two processes sharing it would
// evict, and sweep the half-made clones of, each other.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("clones: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		_ = f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("clones: %w", ErrInUse)
		}
		return nil, fmt.Errorf("clones: lock %s: %w", path, err)
	}
	return f, nil
}
