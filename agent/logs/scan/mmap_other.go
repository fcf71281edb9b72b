//go:build !unix

package scan

import (
	"errors"
	"os"
)

func mapFile(f *os.File, size int64) ([]byte, func(), error) {
	return nil, nil, errors.New("mmap not supported")
}
