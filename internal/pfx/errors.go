package pfx

import (
	"errors"
	"fmt"
)

// Sentinels, for errors.Is. Messages never contain key material or the
// password.
var (
	// ErrMalformed: the DER structure is not what PKCS#12/PKCS#8 requires.
	ErrMalformed = errors.New("malformed")
	// ErrDecrypt: decryption produced no valid plaintext, which nearly
	// always means a wrong password.
	ErrDecrypt = errors.New("decryption failed (wrong password?)")
	// ErrUnsupported: an algorithm this reader does not implement.
	ErrUnsupported = errors.New("unsupported algorithm")
	// ErrLimit: an iteration count or size beyond MaxIterations/MaxBags.
	ErrLimit = errors.New("limit exceeded")

	errTrailing = errors.New("trailing data")
)

// MaxIterations caps every PBKDF2 / PKCS#12 KDF iteration count read from a
// file. Java writes 10000, OpenSSL 2048; a million costs well under a second.
const MaxIterations = 1_000_000

// MaxBags caps the number of SafeBags read from one file.
const MaxBags = 10_000

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
}

func unsupported(what string) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, what)
}

func checkIterations(n int, what string) error {
	if n < 1 {
		return fmt.Errorf("%w: %s: iteration count %d", ErrMalformed, what, n)
	}
	if n > MaxIterations {
		return fmt.Errorf("%w: %s: iteration count %d is above %d", ErrLimit, what, n, MaxIterations)
	}
	return nil
}
