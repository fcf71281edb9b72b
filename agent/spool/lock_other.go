//go:build !unix

package spool

import (
	"fmt"
	"os"
	"path/filepath"
)

// lockDir creates dir/LOCK; without flock it cannot exclude a second
// process.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool %s: lock: %w", dir, err)
	}
	return f, nil
}
