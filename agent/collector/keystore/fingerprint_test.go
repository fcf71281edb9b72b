package keystore

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
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

func TestFingerprintUnkeyed(t *testing.T) {
	val := secret.FromString("CANARY-SECRET-value")
	dk, err := pbkdf2.Key(sha256.New, "CANARY-SECRET-value", []byte("esdoctor-keystore-fingerprint-v1"), 100000, 16)
	if err != nil {
		t.Fatal(err)
	}
	want := "pbkdf2-sha256:" + hex.EncodeToString(dk)
	f := NewFingerprinter([]byte{})
	if got := f.Fingerprint(val); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	var nilF *Fingerprinter
	if got := nilF.Fingerprint(val); got != want {
		t.Errorf("nil Fingerprinter = %s", got)
	}
	// Memoised: concurrent repeats agree and hit the memo.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if got := f.Fingerprint(val); got != want {
				t.Errorf("concurrent Fingerprint = %s", got)
			}
		})
	}
	wg.Wait()
	f.mu.Lock()
	n := len(f.memo)
	f.mu.Unlock()
	if n != 1 {
		t.Errorf("memo holds %d entries, want 1", n)
	}
	if strings.Contains(want, "CANARY") {
		t.Fatal("fingerprint contains the value")
	}
}
