package follow

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/esdoctor/esdoctor/agent/logs/positions"
)

// fileID is a file identity: device and inode.
type fileID struct{ dev, ino uint64 }

func (id fileID) String() string { return fmt.Sprintf("%x:%x", id.dev, id.ino) }

// idOf returns the identity in a FileInfo from os.Stat or File.Stat.
func idOf(fi os.FileInfo) (fileID, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{dev: uint64(st.Dev), ino: uint64(st.Ino)}, true //nolint:unconvert // Dev is not uint64 on every platform
}

// linkCount returns the number of names a file has (0 once deleted).
func linkCount(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink) //nolint:unconvert
	}
	return 1
}

// isGzipName reports whether a path names a gzip-compressed rotated file.
func isGzipName(path string) bool { return strings.HasSuffix(path, ".gz") }

// errNotGzip marks a .gz file whose bytes are not gzip.
var errNotGzip = errors.New("not a gzip file")

// readPrefix returns the first bytes (up to positions.SigMax) of a file's
// content, decompressed for gzip. complete is false for a gzip stream that
// ends early (a .gz still being written, or a damaged one): more bytes may
// come. A plain file's prefix is always complete (it may still grow; that
// is the caller's business).
func readPrefix(f *os.File, gz bool) (prefix []byte, complete bool, err error) {
	buf := make([]byte, positions.SigMax)
	if !gz {
		n, err := f.ReadAt(buf, 0)
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, false, err
		}
		return buf[:n], true, nil
	}
	zr, err := gzip.NewReader(bufio.NewReader(io.NewSectionReader(f, 0, 1<<62)))
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, nil // an empty or partial header: still being written
		}
		return nil, false, fmt.Errorf("%w: %v", errNotGzip, err)
	}
	defer zr.Close()
	n := 0
	for n < len(buf) {
		m, err := zr.Read(buf[n:])
		n += m
		if errors.Is(err, io.EOF) {
			return buf[:n], true, nil
		}
		if err != nil {
			return buf[:n], false, nil
		}
	}
	return buf, true, nil
}

// lastLineStart returns the offset just past the last "\n" before size and
// the number of lines before it: where reading "from the end" starts, so
// that a line being written is not cut.
func lastLineStart(f *os.File, size int64) (offset, lines int64, err error) {
	buf := make([]byte, 256<<10)
	var pos int64
	for pos < size {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), size-pos)], pos)
		chunk := buf[:n]
		lines += int64(bytes.Count(chunk, []byte{'\n'}))
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			offset = pos + int64(i) + 1
		}
		pos += int64(n)
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return 0, 0, err
		}
	}
	return offset, lines, nil
}
