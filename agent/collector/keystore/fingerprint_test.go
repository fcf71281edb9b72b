package keystore

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/esdoctor/esdoctor/shared/secret"
)

func TestFingerprintKeyed(t *testing.T) {
	key := []byte("site-key")
	val := secret.FromString("CANARY-SECRET-value")
	m := hmac.New(sha256.New, key)
	m.Write([]byte("esdoctor-keystore-v1\x00CANARY-SECRET-value"))
	want := "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))[:32]

	a, b := NewFingerprinter(key), NewFingerprinter(append([]byte(nil), key...))
	if got := a.Fingerprint(val); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	if a.Fingerprint(val) != b.Fingerprint(val) {
		t.Error("two nodes with the same key disagree")
	}
	if a.Fingerprint(val) == NewFingerprinter([]byte("other")).Fingerprint(val) {
		t.Error("the key does not matter")
	}
	if a.Fingerprint(val) == a.Fingerprint(secret.FromString("CANARY-SECRET-valuf")) {
		t.Error("different values, same fingerprint")
	}
	if !a.Keyed() || NewFingerprinter(nil).Keyed() {
		t.Error("Keyed wrong")
	}
}

// TestFingerprintUnkeyed: without a site key there is no fingerprint at
// all (the fixed-salt fallback is gone: it let anyone confirm a guess).
func TestFingerprintUnkeyed(t *testing.T) {
	val := secret.FromString("CANARY-SECRET-value")
	if got := NewFingerprinter([]byte{}).Fingerprint(val); got != "" {
		t.Errorf("Fingerprint = %s, want none", got)
	}
	var nilF *Fingerprinter
	if got := nilF.Fingerprint(val); got != "" {
		t.Errorf("nil Fingerprinter = %s", got)
	}
}
