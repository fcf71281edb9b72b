package certs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// readFile reads a regular file of at most MaxFileSize bytes. Directories,
// devices and FIFOs are refused before opening (opening a FIFO would
// block); a symlink loop, a missing file and a permission problem come back
// as the OS cause.
func readFile(path string) ([]byte, time.Time, *Error) {
	fail := func(kind ErrorKind, format string, args ...any) ([]byte, time.Time, *Error) {
		return nil, time.Time{}, &Error{Path: path, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return fail(KindUnreadable, "%s", osCause(err))
	}
	if fi.IsDir() {
		return fail(KindNotRegular, "is a directory")
	}
	if !fi.Mode().IsRegular() {
		return fail(KindNotRegular, "is a %s", fileType(fi.Mode()))
	}
	if fi.Size() > MaxFileSize {
		return fail(KindTooLarge, "%d bytes, the limit is %d", fi.Size(), MaxFileSize)
	}
	f, err := os.Open(path)
	if err != nil {
		return fail(KindUnreadable, "%s", osCause(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return fail(KindUnreadable, "%s", osCause(err))
	}
	if len(data) > MaxFileSize {
		return fail(KindTooLarge, "more than %d bytes", MaxFileSize)
	}
	if len(data) == 0 {
		return fail(KindEmpty, "0 bytes")
	}
	return data, fi.ModTime().UTC(), nil
}

// osCause strips the operation and path from an *fs.PathError: the path is
// already in the message.
func osCause(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0:
		return "device"
	}
	return "special file"
}
