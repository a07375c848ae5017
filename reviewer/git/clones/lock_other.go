//go:build !unix

package clones

import (
	"fmt"
	"os"
)

// lockDir opens the lock file; where there is no flock, nothing stops a second process
// from sharing the directory.
func lockDir(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("clones: %w", err)
	}
	return f, nil
}
