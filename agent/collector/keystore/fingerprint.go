package keystore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/esdoctor/esdoctor/shared/secret"
)

// Fingerprint parameters. Changing any of them changes every fingerprint.
const (
	hmacContext     = "esdoctor-keystore-v1\x00"
	fingerprintMemo = 4096 // cached fingerprints per Fingerprinter
)

// Fingerprinter turns keystore values into one-way digests that can leave
// the node, so that nodes can be compared ("node-3 holds a different
// credential than node-1"). All nodes configured with the same site key
// produce the same fingerprint for the same value.
//
// With a site key: "hmac-sha256:" + the first 32 hex digits of
// HMAC-SHA256(siteKey, "esdoctor-keystore-v1\x00" + value). Without one
// there is no fingerprint (""): a site key is always present in the agent
// (see shared/sitekey). Results are memoised per value; a Fingerprinter is
// safe for concurrent use.
type Fingerprinter struct {
	siteKey []byte
	mu      sync.Mutex
	memo    map[[32]byte]string
}

// NewFingerprinter returns a Fingerprinter keyed with siteKey (copied); a
// nil or empty siteKey gives no fingerprints.
func NewFingerprinter(siteKey []byte) *Fingerprinter {
	f := &Fingerprinter{memo: map[[32]byte]string{}}
	if len(siteKey) > 0 {
		f.siteKey = append([]byte(nil), siteKey...)
	}
	return f
}

// Keyed reports whether a site key is in use.
func (f *Fingerprinter) Keyed() bool { return f != nil && len(f.siteKey) > 0 }

// Fingerprint returns the digest of v. A nil Fingerprinter works, in the
// slow unkeyed mode and without memo.
func (f *Fingerprinter) Fingerprint(v secret.Bytes) string {
	if f == nil {
		return fingerprint(nil, v.Reveal())
	}
	ck := processDigest([]byte("fingerprint"), f.siteKey, v.Reveal())
	f.mu.Lock()
	fp, ok := f.memo[ck]
	f.mu.Unlock()
	if ok {
		return fp
	}
	fp = fingerprint(f.siteKey, v.Reveal())
	f.mu.Lock()
	if len(f.memo) >= fingerprintMemo {
		clear(f.memo)
	}
	f.memo[ck] = fp
	f.mu.Unlock()
	return fp
}

func fingerprint(siteKey, value []byte) string {
	if len(siteKey) > 0 {
		m := hmac.New(sha256.New, siteKey)
		m.Write([]byte(hmacContext))
		m.Write(value)
		return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))[:32]
	}
	// No site key, no fingerprint: an unkeyed digest (the old fixed-salt
	// PBKDF2) lets anyone holding the output confirm a guessed secret.
	return ""
}

// String names the mode, never the key.
func (f *Fingerprinter) String() string {
	if f.Keyed() {
		return "keystore.Fingerprinter(hmac-sha256)"
	}
	return "keystore.Fingerprinter(no site key)"
}

// GoString is String, so %#v does not show the site key.
func (f *Fingerprinter) GoString() string { return f.String() }

// Format prints String for every verb, so no verb reaches the site key.
func (f *Fingerprinter) Format(s fmt.State, _ rune) { fmt.Fprint(s, f.String()) }

// SameKey reports whether f is keyed with key (constant time).
func (f *Fingerprinter) SameKey(key []byte) bool {
	return f != nil && hmac.Equal(f.siteKey, key)
}
