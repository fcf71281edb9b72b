// Package safefile is the one way esdoctor opens a file it did not write and
// writes a file it owns.
//
// Reading: whatever path an operator, a config file or a log directory names
// may be a FIFO (opening it blocks until a writer appears), a device
// (/dev/zero never ends), a huge file, or a symlink that is swapped between
// our check and our open. Open therefore refuses anything that is not a
// regular file before opening it, opens with O_NONBLOCK (a FIFO swapped in
// after the check cannot block the open), checks the descriptor it got with
// fstat (what was checked is what is read), and ReadFile caps the size and
// gives up after a read deadline (a stuck network filesystem cannot hang the
// agent).
//
// Writing: Write creates its temporary file exclusively (O_CREAT|O_EXCL, so
// it never follows a link planted at the temporary name) in the target's
// own directory, fsyncs it, renames it over the target (a symlink at the
// target is replaced, never followed) and fsyncs the directory.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/renameio/v2"
)

// DefaultTimeout bounds one ReadFile.
const DefaultTimeout = 10 * time.Second

// Size caps per kind of input. A real file of each kind is far smaller.
const (
	MaxSecretFile  = 64 << 10 // password and key files: one line
	MaxAgentConfig = 1 << 20  // agent.yml
	MaxStateFile   = 16 << 20 // the agent's own state files
	// MaxGzipLog bounds what one rotated .gz log decompresses to: twice
	// the 128 MB at which Elasticsearch's log4j2 configuration rotates.
	MaxGzipLog = 256 << 20
)

// Errors a caller can test with errors.Is.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("over the size limit")
	ErrTimeout    = errors.New("read deadline exceeded")
)

// Error says why a file was refused; the path is left to the caller's
// wrapping ("keystore /etc/...: is a named pipe, not a regular file").
type Error struct {
	Err    error // one of the sentinels above
	Detail string
}

func (e *Error) Error() string { return e.Detail }
func (e *Error) Unwrap() error { return e.Err }

// beforeOpen is a test seam: it runs between the check and the open, where
// a symlink swap would happen.
var beforeOpen func(path string)

// Open opens path for reading if it is a regular file of at most max bytes
// (max <= 0: no size cap). It never blocks on a FIFO or a device: such a
// file is refused before it is opened, and the descriptor actually opened
// is checked again.
func Open(path string, max int64) (*os.File, fs.FileInfo, error) {
	return open(path, max, false)
}

// OpenStream is Open that also accepts a named pipe, for a command-line
// argument such as `scan <(zcat old.log.gz)`. The open never blocks: a FIFO
// without a writer reads as empty.
func OpenStream(path string) (*os.File, fs.FileInfo, error) {
	return open(path, 0, true)
}

func open(path string, max int64, pipeOK bool) (*os.File, fs.FileInfo, error) {
	check := func(fi fs.FileInfo) error {
		if pipeOK && fi.Mode()&fs.ModeNamedPipe != 0 {
			return nil
		}
		return checkInfo(fi, max)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if err := check(fi); err != nil {
		return nil, nil, err
	}
	if beforeOpen != nil {
		beforeOpen(path)
	}
	f, err := openNonBlocking(path)
	if err != nil {
		return nil, nil, err
	}
	fi2, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if err := check(fi2); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !os.SameFile(fi, fi2) {
		f.Close()
		return nil, nil, &Error{Err: ErrNotRegular, Detail: "was replaced while being opened"}
	}
	return f, fi2, nil
}

func checkInfo(fi fs.FileInfo, max int64) error {
	if !fi.Mode().IsRegular() {
		return &Error{Err: ErrNotRegular, Detail: "is " + TypeName(fi.Mode()) + ", not a regular file"}
	}
	if max > 0 && fi.Size() > max {
		return &Error{Err: ErrTooLarge, Detail: fmt.Sprintf("is %d bytes, over the %d-byte limit", fi.Size(), max)}
	}
	return nil
}

// TypeName names a non-regular file type for messages.
func TypeName(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// ReadFile reads a whole regular file of at most max bytes within
// DefaultTimeout.
func ReadFile(path string, max int64) ([]byte, error) {
	return ReadFileTimeout(path, max, DefaultTimeout)
}

// ReadFileTimeout is ReadFile with its own deadline.
func ReadFileTimeout(path string, max int64, timeout time.Duration) ([]byte, error) {
	f, _, err := Open(path, max)
	if err != nil {
		return nil, err
	}
	return ReadAll(f, max, timeout)
}

// ReadAll reads f to its end, at most max bytes (max <= 0: no cap), within
// timeout, and closes f. A file that grew past max while being read is
// refused; a read that does not finish in time is abandoned (f is closed,
// which ends it on every file system that can end it).
func ReadAll(f *os.File, max int64, timeout time.Duration) ([]byte, error) {
	type result struct {
		b   []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r io.Reader = f
		if max > 0 {
			r = io.LimitReader(f, max+1)
		}
		b, err := io.ReadAll(r)
		done <- result{b, err}
	}()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case res := <-done:
		f.Close()
		if res.err != nil {
			return nil, res.err
		}
		if max > 0 && int64(len(res.b)) > max {
			return nil, &Error{Err: ErrTooLarge, Detail: fmt.Sprintf("grew past the %d-byte limit while being read", max)}
		}
		return res.b, nil
	case <-t.C:
		f.Close()
		return nil, &Error{Err: ErrTimeout, Detail: fmt.Sprintf("read did not finish within %s", timeout)}
	}
}

// ReadLine reads the first line of a small secret-holding file (a password
// or a key), without its line ending. An empty first line is an error that
// says so.
func ReadLine(path string) ([]byte, error) {
	b, err := ReadFile(path, MaxSecretFile)
	if err != nil {
		return nil, err
	}
	line := b
	for i, c := range b {
		if c == '\n' {
			line = b[:i]
			break
		}
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) == 0 {
		if len(b) == 0 {
			return nil, &Error{Err: ErrEmpty, Detail: "is empty"}
		}
		return nil, &Error{Err: ErrEmpty, Detail: "has an empty first line"}
	}
	return line, nil
}

// ErrEmpty is a secret file without a value.
var ErrEmpty = errors.New("empty")

// Write creates or replaces path with what fn writes, atomically: a
// temporary file created exclusively in path's directory (never following a
// link), mode perm, fsync, rename over path, fsync of the directory. On any
// error the temporary file is removed and path is untouched.
func Write(path string, perm fs.FileMode, fn func(w io.Writer) error) error {
	pf, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithStaticPermissions(perm))
	if err != nil {
		return err
	}
	defer pf.Cleanup()
	if err := fn(pf); err != nil {
		return err
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// WriteFile is Write of a byte slice.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// CreateExclusive creates a new file that must not exist yet (no link is
// followed), for append-only files such as spool segments.
func CreateExclusive(path string, perm fs.FileMode) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, perm)
}
