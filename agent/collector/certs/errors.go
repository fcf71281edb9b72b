package certs

import (
	"fmt"
	"strings"
)

// ErrorKind names a class of certificate-file problem. The texts are
// stable: tests, events and the inspector compare them.
type ErrorKind string

// The kinds.
const (
	KindUnreadable     ErrorKind = "cannot read"
	KindNotRegular     ErrorKind = "not a regular file"
	KindEmpty          ErrorKind = "empty file"
	KindTooLarge       ErrorKind = "file too large"
	KindUnrecognized   ErrorKind = "unrecognized content"
	KindMalformed      ErrorKind = "malformed"
	KindTruncated      ErrorKind = "truncated"
	KindWrongPassword  ErrorKind = "wrong password"
	KindNoPassword     ErrorKind = "password required"
	KindKeyPassword    ErrorKind = "key password differs"
	KindUnsupported    ErrorKind = "unsupported"
	KindFormatMismatch ErrorKind = "format mismatch"
	KindNotChecked     ErrorKind = "passphrase not checked"
	KindLimit          ErrorKind = "limit exceeded"
)

// Error makes a kind usable as an errors.Is target.
func (k ErrorKind) Error() string { return string(k) }

// Sentinels for errors.Is.
var (
	ErrUnreadable     error = KindUnreadable
	ErrNotRegular     error = KindNotRegular
	ErrEmpty          error = KindEmpty
	ErrTooLarge       error = KindTooLarge
	ErrUnrecognized   error = KindUnrecognized
	ErrMalformed      error = KindMalformed
	ErrTruncated      error = KindTruncated
	ErrWrongPassword  error = KindWrongPassword
	ErrNoPassword     error = KindNoPassword
	ErrUnsupported    error = KindUnsupported
	ErrFormatMismatch error = KindFormatMismatch
)

// Error is one problem with one file. Detail never holds a password or key
// material.
type Error struct {
	Path   string
	Kind   ErrorKind
	Detail string
}

// Error formats "certs <path>: <kind>: <detail>".
func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("certs %s: %s", e.Path, e.Kind)
	}
	return fmt.Sprintf("certs %s: %s: %s", e.Path, e.Kind, e.Detail)
}

// Is matches the ErrorKind sentinels. "password required" also matches
// ErrWrongPassword, and "truncated" matches ErrMalformed.
func (e *Error) Is(target error) bool {
	k, ok := target.(ErrorKind)
	if !ok {
		return false
	}
	switch {
	case k == e.Kind:
		return true
	case k == KindWrongPassword && e.Kind == KindNoPassword:
		return true
	case k == KindMalformed && e.Kind == KindTruncated:
		return true
	}
	return false
}

// short is the kind and detail without the path, for joining several
// problems of one file.
func (e *Error) short() string {
	if e.Detail == "" {
		return string(e.Kind)
	}
	return string(e.Kind) + ": " + e.Detail
}

// problems collects the problems of one file in the order found.
type problems struct {
	path string
	list []*Error
}

func (p *problems) add(kind ErrorKind, format string, args ...any) *Error {
	e := &Error{Path: p.path, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	p.list = append(p.list, e)
	return e
}

// text renders every problem as "<path>: kind: detail; kind: detail".
func (p *problems) text() string {
	if len(p.list) == 0 {
		return ""
	}
	parts := make([]string, len(p.list))
	for i, e := range p.list {
		parts[i] = e.short()
	}
	return p.path + ": " + strings.Join(parts, "; ")
}
