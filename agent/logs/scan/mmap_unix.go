//go:build unix

package scan

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only. The caller must call unmap when
// done, and guard every access against faults (a concurrent truncation
// raises SIGBUS): see scanMapped.
func mapFile(f *os.File, size int64) (data []byte, unmap func(), err error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, nil, syscall.EINVAL
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	_ = syscall.Madvise(data, syscall.MADV_SEQUENTIAL)
	return data, func() { _ = syscall.Munmap(data) }, nil
}
