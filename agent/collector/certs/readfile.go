package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/esdoctor/esdoctor/shared/safefile"
)

// readFile reads a regular file of at most MaxFileSize bytes. Directories,
// devices and FIFOs are refused before opening (opening a FIFO would
// block); a symlink loop, a missing file and a permission problem come back
// as the OS cause.
func readFile(path string) ([]byte, time.Time, *Error) {
	fail := func(kind ErrorKind, format string, args ...any) ([]byte, time.Time, *Error) {
		return nil, time.Time{}, &Error{Path: path, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	}
	f, fi, err := safefile.Open(path, MaxFileSize)
	switch {
	case errors.Is(err, safefile.ErrNotRegular):
		return fail(KindNotRegular, "%s", err)
	case errors.Is(err, safefile.ErrTooLarge):
		return fail(KindTooLarge, "%s", err)
	case err != nil:
		return fail(KindUnreadable, "%s", osCause(err))
	}
	data, err := safefile.ReadAll(f, MaxFileSize, safefile.DefaultTimeout)
	if errors.Is(err, safefile.ErrTooLarge) {
		return fail(KindTooLarge, "%s", err)
	}
	if err != nil {
		return fail(KindUnreadable, "%s", osCause(err))
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
