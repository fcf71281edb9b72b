package keystore

import "fmt"

// ErrorKind names a class of keystore failure. The texts are stable: the
// fixtures, the events and the lead's inspector compare them.
type ErrorKind string

// The kinds, in the order the reader detects them.
const (
	KindEmpty         ErrorKind = "empty file"
	KindTooLarge      ErrorKind = "file too large"
	KindForeign       ErrorKind = "not an elasticsearch keystore"
	KindVersion       ErrorKind = "unsupported format version"
	KindTruncated     ErrorKind = "truncated"
	KindChecksum      ErrorKind = "checksum mismatch"
	KindCorrupted     ErrorKind = "corrupted"
	KindWrongPassword ErrorKind = "wrong password"
	// KindPasswordRequired is the wrong-password case of a password-protected
	// keystore opened without a password; errors.Is(err, ErrWrongPassword)
	// holds for it too.
	KindPasswordRequired ErrorKind = "password required"
)

// Error makes a kind usable as an errors.Is target.
func (k ErrorKind) Error() string { return string(k) }

// Sentinels for errors.Is. ErrEmpty also matches ErrTruncated (an empty file
// is the extreme truncation), and a "password required" error matches
// ErrWrongPassword.
var (
	ErrEmpty            error = KindEmpty
	ErrTooLarge         error = KindTooLarge
	ErrForeign          error = KindForeign
	ErrVersion          error = KindVersion
	ErrTruncated        error = KindTruncated
	ErrChecksum         error = KindChecksum
	ErrCorrupted        error = KindCorrupted
	ErrWrongPassword    error = KindWrongPassword
	ErrPasswordRequired error = KindPasswordRequired
)

// Error is what Parse, Load and ReadHeader return for a file that is not a
// readable keystore. Detail never contains decrypted bytes.
type Error struct {
	Path   string
	Kind   ErrorKind
	Detail string
}

// Error formats "keystore <path>: <kind>: <detail>".
func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("keystore %s: %s", e.Path, e.Kind)
	}
	return fmt.Sprintf("keystore %s: %s: %s", e.Path, e.Kind, e.Detail)
}

// Is matches the ErrorKind sentinels (see the Err* variables).
func (e *Error) Is(target error) bool {
	k, ok := target.(ErrorKind)
	if !ok {
		return false
	}
	switch {
	case k == e.Kind:
		return true
	case k == KindWrongPassword && e.Kind == KindPasswordRequired:
		return true
	case k == KindTruncated && e.Kind == KindEmpty:
		return true
	}
	return false
}

func newError(path string, kind ErrorKind, format string, args ...any) *Error {
	return &Error{Path: path, Kind: kind, Detail: fmt.Sprintf(format, args...)}
}
