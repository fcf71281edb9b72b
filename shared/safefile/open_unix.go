//go:build unix

package safefile

import (
	"os"
	"syscall"
)

// openNonBlocking opens read-only with O_NONBLOCK (an open of a FIFO then
// returns at once instead of waiting for a writer), O_NOCTTY (a terminal
// never becomes ours) and O_CLOEXEC.
func openNonBlocking(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC, 0)
}
