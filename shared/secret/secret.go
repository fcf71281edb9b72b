// Package secret holds values that must never leave the process that read
// them: keystore values and passwords. A Bytes prints, formats and marshals
// as a redaction marker; only code that deliberately calls Reveal sees it.
package secret

import (
	"bytes"
	"crypto/subtle"
	"fmt"
)

// Redacted is what a secret prints as.
const Redacted = "<redacted>"

// Bytes is a secret value.
type Bytes struct{ b []byte }

// New wraps a value. The slice is copied.
func New(b []byte) Bytes { return Bytes{b: append([]byte(nil), b...)} }

// FromString wraps a string value.
func FromString(s string) Bytes { return Bytes{b: []byte(s)} }

// Reveal returns the value. Callers must not log, print, send or store it.
func (s Bytes) Reveal() []byte { return s.b }

// Len is the length of the value (not secret).
func (s Bytes) Len() int { return len(s.b) }

// IsZero reports an empty value.
func (s Bytes) IsZero() bool { return len(s.b) == 0 }

// Equal compares in constant time.
func (s Bytes) Equal(o Bytes) bool { return subtle.ConstantTimeCompare(s.b, o.b) == 1 }

// Wipe overwrites the value in memory.
func (s *Bytes) Wipe() {
	for i := range s.b {
		s.b[i] = 0
	}
	s.b = nil
}

func (s Bytes) String() string                    { return Redacted }
func (s Bytes) GoString() string                  { return "secret.Bytes{" + Redacted + "}" }
func (s Bytes) Format(f fmt.State, _ rune)        { f.Write([]byte(Redacted)) }
func (s Bytes) MarshalJSON() ([]byte, error)      { return []byte(`"` + Redacted + `"`), nil }
func (s Bytes) MarshalText() ([]byte, error)      { return []byte(Redacted), nil }
func (s Bytes) MarshalYAML() (interface{}, error) { return Redacted, nil }

// CanaryPrefix marks planted secret values in test fixtures. Anything the
// agent emits is scanned for it.
const CanaryPrefix = "CANARY-SECRET-"

// FindCanary returns the offset of the first planted canary in b, or -1.
func FindCanary(b []byte) int { return bytes.Index(b, []byte(CanaryPrefix)) }

// ContainsAny reports whether out contains any of the given secret values
// (or, for values of 8 bytes or more, any 8-byte window of them), so a test
// catches a secret that was cut or quoted.
func ContainsAny(out []byte, secrets ...[]byte) (string, bool) {
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		if bytes.Contains(out, s) {
			return string(s), true
		}
		if len(s) >= 16 {
			for i := 0; i+12 <= len(s); i += 4 {
				if bytes.Contains(out, s[i:i+12]) {
					return string(s[i : i+12]), true
				}
			}
		}
	}
	return "", false
}
